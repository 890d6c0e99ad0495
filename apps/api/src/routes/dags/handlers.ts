/** DAGs: save (JSON, YAML, DSL), validate, read, list, versions, diff, delete, suspend/resume, trigger. */
import type { Request } from 'express';
import {
  checkDagDocument,
  Errors,
  dagKey,
  levels,
  printDsl,
  toManifest,
  topologicalOrder,
  upcomingTicks,
  type DagRecord,
  type DagRef,
  type DagSpec,
} from '@kontroler/core';
import { ApiError, forbidden, notFound } from '../../problem.js';
import { hasRole, namespacesWith } from '../../rbac/grants.js';
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
import { runDtos, versionInfo } from '../dto.js';
import { hostWarnings } from '../capabilities.js';
import { diffValues, unifiedDiff } from './diff.js';
import { documentInput } from './documents.js';
import { resolveTaskRefs } from '../dag-tasks/resolve.js';

/** What `checkDagDocument` compiles a valid document to (what the engine registers). */
type CompiledDocument = Extract<ReturnType<typeof checkDagDocument>, { ok: true }>['dag'];

const dagNotFound = (dag: DagRef) => () =>
  notFound('DAG_NOT_FOUND', `DAG "${dag.name}" does not exist in namespace ${dag.namespace}`);

/** The DAG a request's path names: `/namespaces/{namespace}/dags/{name}`. */
const dagOf = (req: Request): DagRef => ({ namespace: param(req, 'namespace'), name: param(req, 'name') });

/**
 * The next `count` fire times of a schedule, or [] when it has none or cannot be read. Core's scheduler arms
 * its timer with the same `upcomingTicks`, so `nextRunAt` is the time a run is really made for.
 */
export function nextFireTimes(spec: DagSpec, count: number, from: number): string[] {
  if (!spec.schedule) return [];
  try {
    return upcomingTicks(spec.schedule, spec.timezone, from, count).map((t) => new Date(t).toISOString());
  } catch {
    return [];
  }
}

export function dagHandlers(ctx: ApiContext): Handlers {
  const { store, engine, auditor, now } = ctx;

  async function summary(dag: DagRecord) {
    const [version, lastRuns] = await Promise.all([
      store.getDagVersion(dag, dag.latestVersion),
      store.listRuns({ dag }, { limit: 1 }),
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

  async function liveDag(ref: DagRef): Promise<DagRecord> {
    const dag = await store.getDag(ref);
    if (!dag || dag.deletedAt !== null) throw dagNotFound(ref)();
    return dag;
  }

  /** A DAG (deleted ones included) the caller may read; another namespace's is "not found". */
  async function readableDag(req: Request): Promise<DagRecord> {
    const ref = dagOf(req);
    authorize(req, 'viewer', ref.namespace, dagNotFound(ref));
    const dag = await store.getDag(ref);
    if (!dag) throw dagNotFound(ref)();
    return dag;
  }

  /**
   * Saves a document as the DAG `namespace/name`: authorizes first (no validation answer for a namespace
   * the caller may not write), then lets the engine compile it once and store the DAG, its version and the
   * audit row in one transaction.
   */
  async function save(req: Request, nameFromPath: string | undefined) {
    const namespace = param(req, 'namespace');
    const p = principal(req);
    if (!hasRole(p, 'editor', namespace)) throw forbidden(`needs role editor in namespace ${namespace}`);
    const read = documentInput(req, nameFromPath);
    if (!read.ok) throw Errors.dagInvalid(read.errors);
    // Compiled once, here, with every issue pointing into the body as sent; the engine stores this result.
    const result = checkDagDocument(read.input, { namespace });
    if (!result.ok) {
      const mismatch = result.errors.find((e) => e.code === 'NAMESPACE_MISMATCH');
      if (mismatch) {
        const path = mismatch.pointer ?? mismatch.path;
        throw new ApiError(422, 'NAMESPACE_MISMATCH', mismatch.message, [
          { path, message: `expected "${namespace}"`, code: 'NAMESPACE_MISMATCH' },
        ]);
      }
      throw Errors.dagInvalid(result.errors);
    }
    const spec = result.dag.spec as DagSpec;
    if (nameFromPath !== undefined && spec.name !== nameFromPath) {
      throw new ApiError(
        422,
        'NAME_MISMATCH',
        `the document is named "${spec.name}", not "${nameFromPath}"`,
        [{ path: '/name', message: `expected "${nameFromPath}"`, code: 'NAME_MISMATCH' }],
      );
    }
    const resolved = await withSharedTasks(result.dag.spec as DagSpec, result.dag, namespace);
    const saved = await engine.registerDag(resolved, {
      createdBy: p.username,
      audit: { actor: p.username, ip: req.ip ?? null },
    });
    return {
      dag: await summary(saved.dag),
      version: versionInfo(saved.version),
      created: saved.created,
      warnings: [...result.warnings, ...hostWarnings(ctx.deps, result.dag.spec)],
    };
  }

  /**
   * A document whose tasks use shared tasks (`taskRef`) is filled from them and compiled again; one
   * without is registered as compiled. Unknown shared tasks or versions are DAG_INVALID issues.
   */
  async function withSharedTasks(
    spec: DagSpec,
    compiled: CompiledDocument,
    namespace: string,
  ): Promise<CompiledDocument> {
    if (!spec.tasks.some((t) => t.taskRef !== undefined)) return compiled;
    const outcome = await resolveTaskRefs(spec, namespace, (name) =>
      store.listDagTaskVersions({ namespace, name }),
    );
    if (!outcome.ok) throw Errors.dagInvalid(outcome.issues);
    const again = checkDagDocument({ format: 'json', value: outcome.spec }, { namespace });
    if (!again.ok) throw Errors.dagInvalid(again.errors);
    return again.dag;
  }

  async function listIn(req: Request, requested: string | undefined) {
    const p = principal(req);
    const visible = namespacesWith(p, 'viewer');
    const search = queryString(req, 'search');
    const cursor = queryString(req, 'cursor');
    const limit = pageLimit(req);
    if (
      visible !== null &&
      ((requested !== undefined && !visible.includes(requested)) || visible.length === 0)
    ) {
      return { items: [], nextCursor: null };
    }
    const page = await listSafely(
      () =>
        store.listDags(
          {
            ...(requested ? { namespace: requested } : {}),
            // Without a namespace, a user with roles in some namespaces sees their DAGs merged.
            ...(visible !== null && requested === undefined ? { namespaces: visible } : {}),
            ...(search ? { search } : {}),
          },
          { limit, cursor: cursor ?? null },
        ),
      cursor,
    );
    return { items: await Promise.all(page.items.map(summary)), nextCursor: page.nextCursor };
  }

  return {
    async listDags(req, res) {
      res.json(await listIn(req, queryString(req, 'namespace')));
    },

    async listNamespaceDags(req, res) {
      res.json(await listIn(req, param(req, 'namespace')));
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
      const read = documentInput(req);
      if (!read.ok) {
        res.json({ ok: false, errors: read.errors, warnings: [], order: [], levels: [] });
        return;
      }
      const result = checkDagDocument(read.input);
      const warnings = result.warnings;
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
      const ref = dagOf(req);
      authorize(req, 'viewer', ref.namespace, dagNotFound(ref));
      const dag = await liveDag(ref);
      const version = await store.getDagVersion(dag, dag.latestVersion);
      if (!version) throw dagNotFound(ref)();
      res.json({
        dag: await summary(dag),
        version: { ...versionInfo(version), spec: version.spec },
        nextRuns: dag.suspended ? [] : nextFireTimes(version.spec, 5, now()),
      });
    },

    async deleteDag(req, res) {
      const ref = dagOf(req);
      authorize(req, 'editor', ref.namespace, dagNotFound(ref));
      await liveDag(ref);
      await store.deleteDag(ref, now());
      await auditor.record(req, 'dag.delete', dagKey(ref), { namespace: ref.namespace });
      res.status(204).end();
    },

    async suspendDag(req, res) {
      res.json(await setSuspended(req, true));
    },

    async resumeDag(req, res) {
      res.json(await setSuspended(req, false));
    },

    async listDagVersions(req, res) {
      const dag = await readableDag(req);
      const cursor = queryString(req, 'cursor');
      const page = await listSafely(
        () => store.listDagVersions(dag, { limit: pageLimit(req), cursor: cursor ?? null }),
        cursor,
      );
      res.json({ items: page.items.map(versionInfo), nextCursor: page.nextCursor });
    },

    async getDagVersion(req, res) {
      const dag = await readableDag(req);
      const number = queryIntParam(req.params.version);
      const version = await store.getDagVersion(dag, number);
      if (!version) throw versionNotFound(dag, number);
      res.json({
        ...versionInfo(version),
        spec: version.spec,
        yaml: toManifest({ ...version.spec, namespace: dag.namespace }),
        dsl: safeDsl(version.spec),
      });
    },

    async diffDagVersions(req, res) {
      const dag = await readableDag(req);
      const from = queryInt(req, 'from') ?? 0;
      const to = queryInt(req, 'to') ?? 0;
      const [a, b] = await Promise.all([store.getDagVersion(dag, from), store.getDagVersion(dag, to)]);
      if (!a) throw versionNotFound(dag, from);
      if (!b) throw versionNotFound(dag, to);
      res.json({
        from,
        to,
        changes: diffValues(a.spec, b.spec),
        unified: unifiedDiff(
          toManifest(a.spec),
          toManifest(b.spec),
          `${dag.name}@${from}`,
          `${dag.name}@${to}`,
        ),
      });
    },

    async triggerRun(req, res) {
      const ref = dagOf(req);
      const p = authorize(req, 'editor', ref.namespace, dagNotFound(ref));
      await liveDag(ref);
      const body = (req.body ?? {}) as {
        parameters?: Record<string, string>;
        idempotencyKey?: string;
        activeDeadlineSeconds?: number;
        priority?: number;
      };
      const run = await engine.submit(ref, body.parameters ?? {}, {
        trigger: 'api',
        ...(body.idempotencyKey ? { idempotencyKey: body.idempotencyKey } : {}),
        ...(body.activeDeadlineSeconds !== undefined
          ? { activeDeadlineSeconds: body.activeDeadlineSeconds }
          : {}),
        ...(body.priority !== undefined ? { priority: body.priority } : {}),
      });
      await auditor.record(req, 'run.trigger', run.id, {
        namespace: ref.namespace,
        dag: ref.name,
        by: p.username,
      });
      const [dto] = await runDtos(store, [run]);
      res.status(201).json(dto);
    },
  };

  async function setSuspended(req: Request, suspended: boolean) {
    const ref = dagOf(req);
    authorize(req, 'editor', ref.namespace, dagNotFound(ref));
    await liveDag(ref);
    const updated = await store.setDagSuspended(ref, suspended, now());
    if (!updated) throw dagNotFound(ref)();
    await auditor.record(req, suspended ? 'dag.suspend' : 'dag.resume', dagKey(ref), {
      namespace: ref.namespace,
    });
    return summary(updated);
  }
}

const versionNotFound = (dag: DagRef, version: number) =>
  notFound('DAG_VERSION_NOT_FOUND', `DAG "${dag.name}" has no version ${version}`);

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
