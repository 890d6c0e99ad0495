/** DAGs: save (JSON, YAML, DSL), validate, read, list, versions, diff, delete, suspend/resume, trigger. */
import type { Request } from 'express';
import { Cron } from 'croner';
import {
  Errors,
  levels,
  printDsl,
  toManifest,
  topologicalOrder,
  validateDag,
  type DagRecord,
  type DagSpec,
} from '@kontroler/core';
import { ApiError, forbidden, notFound } from '../../problem.js';
import { namespacesWith } from '../../rbac/grants.js';
import {
  authorize,
  pageLimit,
  param,
  principal,
  queryInt,
  queryString,
  type ApiContext,
  type Handlers,
} from '../context.js';
import { runDto, versionInfo } from '../dto.js';
import { hostWarnings } from '../capabilities.js';
import { diffValues, unifiedDiff } from './diff.js';
import { parseDocument } from './documents.js';

export const DEFAULT_NAMESPACE = 'default';

const dagNotFound = (name: string) => () => notFound('DAG_NOT_FOUND', `DAG "${name}" does not exist`);

/** The next `count` fire times of a schedule, or [] when it has none or cannot be read. */
export function nextFireTimes(spec: DagSpec, count: number, from: number): string[] {
  if (!spec.schedule) return [];
  try {
    const cron = new Cron(spec.schedule, { timezone: spec.timezone ?? 'UTC', paused: true });
    return cron.nextRuns(count, new Date(from)).map((d) => d.toISOString());
  } catch {
    return [];
  }
}

export function dagHandlers(ctx: ApiContext): Handlers {
  const { store, engine, auditor, now } = ctx;

  async function summary(dag: DagRecord) {
    const [version, lastRuns] = await Promise.all([
      store.getDagVersion(dag.name, dag.latestVersion),
      store.listRuns({ dagName: dag.name }, { limit: 1 }),
    ]);
    const spec = version?.spec;
    const last = lastRuns.items[0];
    const next = spec && !dag.suspended && dag.deletedAt === null ? nextFireTimes(spec, 1, now()) : [];
    return {
      name: dag.name,
      namespace: dag.namespace,
      latestVersion: dag.latestVersion,
      suspended: dag.suspended,
      schedule: spec?.schedule ?? null,
      description: spec?.description ?? null,
      taskCount: spec?.tasks.length ?? 0,
      lastRun: last
        ? { id: last.id, state: last.state, createdAt: new Date(last.createdAt).toISOString() }
        : null,
      nextRunAt: next[0] ?? null,
      updatedAt: new Date(dag.updatedAt).toISOString(),
    };
  }

  async function liveDag(name: string): Promise<DagRecord> {
    const dag = await store.getDag(name);
    if (!dag || dag.deletedAt !== null) throw dagNotFound(name)();
    return dag;
  }

  async function save(req: Request, nameFromPath: string | undefined) {
    const parsed = parseDocument(req, nameFromPath);
    if (!parsed.ok) throw Errors.dagInvalid(parsed.errors);
    const result = validateDag(parsed.doc);
    if (!result.ok) throw Errors.dagInvalid(result.errors);
    const spec = result.dag.spec as DagSpec;
    if (nameFromPath !== undefined && spec.name !== nameFromPath) {
      throw new ApiError(
        422,
        'NAME_MISMATCH',
        `the document is named "${spec.name}", not "${nameFromPath}"`,
        [{ path: '/name', message: `expected "${nameFromPath}"`, code: 'NAME_MISMATCH' }],
      );
    }
    const namespace = parsed.namespace ?? queryString(req, 'namespace') ?? DEFAULT_NAMESPACE;
    const p = authorize(req, 'editor', namespace, () =>
      forbidden(`needs role editor in namespace ${namespace}`),
    );
    const existing = await store.getDag(spec.name);
    if (existing && existing.deletedAt === null && existing.namespace !== namespace) {
      throw new ApiError(
        409,
        'DAG_NAMESPACE_CONFLICT',
        `DAG "${spec.name}" exists in namespace ${existing.namespace}`,
      );
    }
    // The namespace is part of the document; "default" is left implicit so that hashes stay stable.
    const doc =
      namespace === DEFAULT_NAMESPACE && spec.namespace === undefined ? spec : { ...spec, namespace };
    const saved = await engine.registerDag(doc, { createdBy: p.username });
    if (saved.created) {
      await auditor.record(req, existing ? 'dag.update' : 'dag.create', spec.name, {
        namespace,
        version: saved.version.version,
        hash: saved.version.hash,
      });
    }
    return {
      dag: await summary(saved.dag),
      version: versionInfo(saved.version),
      created: saved.created,
      warnings: hostWarnings(ctx.deps, doc),
    };
  }

  return {
    async listDags(req, res) {
      const p = principal(req);
      const visible = namespacesWith(p, 'viewer');
      const requested = queryString(req, 'namespace');
      const search = queryString(req, 'search');
      const cursor = queryString(req, 'cursor');
      const limit = pageLimit(req);
      if (
        visible !== null &&
        ((requested !== undefined && !visible.includes(requested)) || visible.length === 0)
      ) {
        res.json({ items: [], nextCursor: null });
        return;
      }
      const page = await listSafely(
        () =>
          store.listDags(
            {
              ...(requested ? { namespace: requested } : {}),
              // Without ?namespace=, a user with roles in some namespaces sees their DAGs merged.
              ...(visible !== null && requested === undefined ? { namespaces: visible } : {}),
              ...(search ? { search } : {}),
            },
            { limit, cursor: cursor ?? null },
          ),
        cursor,
      );
      res.json({ items: await Promise.all(page.items.map(summary)), nextCursor: page.nextCursor });
    },

    async createDag(req, res) {
      const result = await save(req, undefined);
      res.status(result.created ? 201 : 200).json(result);
    },

    async updateDag(req, res) {
      const result = await save(req, param(req, 'name'));
      res.status(result.created ? 201 : 200).json(result);
    },

    async validateDag(req, res) {
      const parsed = parseDocument(req);
      if (!parsed.ok) {
        res.json({ ok: false, errors: parsed.errors, warnings: [], order: [], levels: [] });
        return;
      }
      const result = validateDag(parsed.doc);
      const warnings = [...parsed.warnings, ...result.warnings];
      if (!result.ok) {
        res.json({ ok: false, errors: result.errors, warnings, order: [], levels: [] });
        return;
      }
      res.json({
        ok: true,
        errors: [],
        warnings: [...warnings, ...hostWarnings(ctx.deps, result.dag.spec)],
        order: topologicalOrder(result.dag),
        levels: levels(result.dag),
      });
    },

    async getDag(req, res) {
      const name = param(req, 'name');
      const dag = await liveDag(name);
      authorize(req, 'viewer', dag.namespace, dagNotFound(name));
      const version = await store.getDagVersion(name, dag.latestVersion);
      if (!version) throw dagNotFound(name)();
      res.json({
        dag: await summary(dag),
        version: { ...versionInfo(version), spec: version.spec },
        nextRuns: dag.suspended ? [] : nextFireTimes(version.spec, 5, now()),
      });
    },

    async deleteDag(req, res) {
      const name = param(req, 'name');
      const dag = await liveDag(name);
      authorize(req, 'editor', dag.namespace, dagNotFound(name));
      await store.deleteDag(name, now());
      await auditor.record(req, 'dag.delete', name, { namespace: dag.namespace });
      res.status(204).end();
    },

    async suspendDag(req, res) {
      res.json(await setSuspended(req, true));
    },

    async resumeDag(req, res) {
      res.json(await setSuspended(req, false));
    },

    async listDagVersions(req, res) {
      const name = param(req, 'name');
      const dag = await store.getDag(name);
      if (!dag) throw dagNotFound(name)();
      authorize(req, 'viewer', dag.namespace, dagNotFound(name));
      const cursor = queryString(req, 'cursor');
      const page = await listSafely(
        () => store.listDagVersions(name, { limit: pageLimit(req), cursor: cursor ?? null }),
        cursor,
      );
      res.json({ items: page.items.map(versionInfo), nextCursor: page.nextCursor });
    },

    async getDagVersion(req, res) {
      const name = param(req, 'name');
      const number = queryIntParam(req.params.version);
      const dag = await store.getDag(name);
      if (!dag) throw dagNotFound(name)();
      authorize(req, 'viewer', dag.namespace, dagNotFound(name));
      const version = await store.getDagVersion(name, number);
      if (!version) throw notFound('DAG_VERSION_NOT_FOUND', `DAG "${name}" has no version ${number}`);
      res.json({
        ...versionInfo(version),
        spec: version.spec,
        yaml: toManifest({ ...version.spec, namespace: dag.namespace }),
        dsl: safeDsl(version.spec),
      });
    },

    async diffDagVersions(req, res) {
      const name = param(req, 'name');
      const from = queryInt(req, 'from') ?? 0;
      const to = queryInt(req, 'to') ?? 0;
      const dag = await store.getDag(name);
      if (!dag) throw dagNotFound(name)();
      authorize(req, 'viewer', dag.namespace, dagNotFound(name));
      const [a, b] = await Promise.all([store.getDagVersion(name, from), store.getDagVersion(name, to)]);
      if (!a) throw notFound('DAG_VERSION_NOT_FOUND', `DAG "${name}" has no version ${from}`);
      if (!b) throw notFound('DAG_VERSION_NOT_FOUND', `DAG "${name}" has no version ${to}`);
      res.json({
        from,
        to,
        changes: diffValues(a.spec, b.spec),
        unified: unifiedDiff(toManifest(a.spec), toManifest(b.spec), `${name}@${from}`, `${name}@${to}`),
      });
    },

    async triggerRun(req, res) {
      const name = param(req, 'name');
      const dag = await liveDag(name);
      const p = authorize(req, 'editor', dag.namespace, dagNotFound(name));
      const body = (req.body ?? {}) as { parameters?: Record<string, string>; idempotencyKey?: string };
      const run = await engine.submit(name, body.parameters ?? {}, {
        trigger: 'api',
        ...(body.idempotencyKey ? { idempotencyKey: body.idempotencyKey } : {}),
      });
      await auditor.record(req, 'run.trigger', run.id, { dag: name, by: p.username });
      res.status(201).json(runDto(run));
    },
  };

  async function setSuspended(req: Request, suspended: boolean) {
    const name = param(req, 'name');
    const dag = await liveDag(name);
    authorize(req, 'editor', dag.namespace, dagNotFound(name));
    const updated = await store.setDagSuspended(name, suspended, now());
    if (!updated) throw dagNotFound(name)();
    await auditor.record(req, suspended ? 'dag.suspend' : 'dag.resume', name);
    return summary(updated);
  }
}

function queryIntParam(value: unknown): number {
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : 0;
}

function safeDsl(spec: DagSpec): string {
  try {
    return printDsl(spec);
  } catch {
    return '';
  }
}

/**
 * Runs a store listing; an unreadable cursor is the client's mistake (400), not a 500. Without a cursor
 * errors propagate unchanged.
 */
export async function listSafely<T>(list: () => Promise<T>, cursor: string | undefined): Promise<T> {
  if (cursor === undefined) return list();
  try {
    return await list();
  } catch (error) {
    if (
      typeof error === 'object' &&
      error !== null &&
      'code' in error &&
      error.code === 'STORE_UNAVAILABLE'
    ) {
      throw error;
    }
    throw new ApiError(400, 'INVALID_CURSOR', 'the cursor is not valid', [
      { path: '/query/cursor', message: 'not a cursor from a previous page', code: 'INVALID_CURSOR' },
    ]);
  }
}
