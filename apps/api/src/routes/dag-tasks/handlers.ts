/**
 * Shared tasks (Kontroler's DagTask) per namespace: list, save (a new version when the spec is new, the
 * recorded one when it is unchanged or reverted), read, versions, diff, delete (refused with 409 while a
 * DAG's latest version refers to it). Saving checks the task as core checks a DAG task: a one-task DAG is
 * compiled, so errors name the field exactly as they would in a DAG.
 */
import { createHash } from 'node:crypto';
import type { Request } from 'express';
import {
  canonicalJson,
  checkDagDocument,
  Errors,
  type DagIssue,
  type DagTaskRecord,
  type DagTaskVersion,
  type Store,
  type TaskSpec,
} from '@kontroler/core';
import { ApiError, notFound } from '../../problem.js';
import { authorize, param, queryInt, type ApiContext, type Handlers } from '../context.js';
import { diffValues } from '../dags/diff.js';

const iso = (ms: number): string => new Date(ms).toISOString();

const taskDto = (t: DagTaskRecord) => ({
  namespace: t.namespace,
  name: t.name,
  latestVersion: t.latestVersion,
  createdAt: iso(t.createdAt),
  updatedAt: iso(t.updatedAt),
});

const versionDto = (v: DagTaskVersion) => ({
  version: v.version,
  hash: v.hash,
  spec: v.spec,
  createdAt: iso(v.createdAt),
  createdBy: v.createdBy,
});

/** The hex sha256 of the canonical JSON of a task without its name (the DagTask resource's hash). */
export function dagTaskHash(task: Record<string, unknown>): string {
  return createHash('sha256').update(canonicalJson(task)).digest('hex');
}

/** A DAG that uses a shared task: where its latest version refers to it. */
export interface DagTaskUser {
  readonly dag: string;
  readonly version: number;
  readonly tasks: string[];
}

/** The DAGs of `namespace` whose latest version has a task with `taskRef.name === name`. */
export async function dagTaskUsers(store: Store, namespace: string, name: string): Promise<DagTaskUser[]> {
  const users: DagTaskUser[] = [];
  let cursor: string | null = null;
  do {
    const page = await store.listDags({ namespace }, { limit: 500, cursor });
    for (const dag of page.items) {
      const version = await store.getDagVersion(dag, dag.latestVersion);
      const tasks = (version?.spec.tasks ?? []).filter((t) => t.taskRef?.name === name).map((t) => t.name);
      if (tasks.length > 0) users.push({ dag: dag.name, version: dag.latestVersion, tasks });
    }
    cursor = page.nextCursor;
  } while (cursor !== null);
  return users;
}

/** Checks a shared task's fields by compiling a DAG of that one task; issues point at the task's fields. */
function checkTask(name: string, fields: Record<string, unknown>, namespace: string): DagIssue[] {
  const declared = Array.isArray(fields.parameters)
    ? fields.parameters.filter((p) => typeof p === 'string')
    : [];
  const result = checkDagDocument(
    {
      format: 'json',
      value: {
        name: 'shared-task-check',
        parameters: declared.map((p) => ({ name: p, defaultValue: '' })),
        tasks: [{ ...fields, name }],
      },
    },
    { namespace },
  );
  if (result.ok) return [];
  return result.errors.map((issue) => {
    const path = issue.path.replace(/^\/tasks\/0/, '');
    return { ...issue, path, pointer: path };
  });
}

export function dagTaskHandlers(ctx: ApiContext): Handlers {
  const { store, auditor, now } = ctx;

  /** The shared task of the path, for a caller with `role` in its namespace. */
  async function taskOf(req: Request, role: 'viewer' | 'editor') {
    const ref = { namespace: param(req, 'namespace'), name: param(req, 'name') };
    const missing = () =>
      notFound(
        'DAG_TASK_NOT_FOUND',
        `shared task "${ref.name}" does not exist in namespace ${ref.namespace}`,
      );
    const p = authorize(req, role, ref.namespace, missing);
    const task = await store.getDagTask(ref);
    if (task === undefined) throw missing();
    return { ref, p, task };
  }

  async function versionOf(req: Request, ref: { namespace: string; name: string }, version: number) {
    const found = await store.getDagTaskVersion(ref, version);
    if (found === undefined) {
      throw notFound('DAG_TASK_VERSION_NOT_FOUND', `shared task "${ref.name}" has no version ${version}`);
    }
    return found;
  }

  return {
    async listDagTasks(req, res) {
      const namespace = param(req, 'namespace');
      authorize(req, 'viewer', namespace, () => notFound('NAMESPACE_NOT_FOUND', `no namespace ${namespace}`));
      res.json({ items: (await store.listDagTasks(namespace)).map(taskDto) });
    },

    async putDagTask(req, res) {
      const namespace = param(req, 'namespace');
      const name = param(req, 'name');
      const p = authorize(req, 'editor', namespace, () =>
        notFound('DAG_TASK_NOT_FOUND', `shared task "${name}" does not exist in namespace ${namespace}`),
      );
      const body = req.body as Record<string, unknown>;
      // The name is the path's; runAfter and taskRef belong to the DAG task that refers to this one.
      const { name: _n, runAfter: _r, taskRef: _t, ...fields } = body;
      const issues = checkTask(name, fields, namespace);
      if (issues.length > 0) throw Errors.dagInvalid(issues);
      const saved = await store.putDagTaskVersion({
        namespace,
        name,
        spec: fields as TaskSpec,
        hash: dagTaskHash(fields),
        now: now(),
        createdBy: p.username,
      });
      if (saved.created) {
        await auditor.record(req, 'dagtask.save', `${namespace}/${name}`, { version: saved.version.version });
      }
      res
        .status(saved.created ? 201 : 200)
        .json({ task: taskDto(saved.task), version: versionDto(saved.version), created: saved.created });
    },

    async getDagTask(req, res) {
      const { ref, task } = await taskOf(req, 'viewer');
      const [latest, usedBy] = await Promise.all([
        versionOf(req, ref, task.latestVersion),
        dagTaskUsers(store, ref.namespace, ref.name),
      ]);
      res.json({ task: taskDto(task), version: versionDto(latest), usedBy });
    },

    async listDagTaskVersions(req, res) {
      const { ref } = await taskOf(req, 'viewer');
      res.json({ items: (await store.listDagTaskVersions(ref)).map(versionDto) });
    },

    async getDagTaskVersion(req, res) {
      const { ref } = await taskOf(req, 'viewer');
      res.json(versionDto(await versionOf(req, ref, Number(param(req, 'version')))));
    },

    async diffDagTaskVersions(req, res) {
      const { ref } = await taskOf(req, 'viewer');
      const from = queryInt(req, 'from') ?? 0;
      const to = queryInt(req, 'to') ?? 0;
      const [a, b] = await Promise.all([versionOf(req, ref, from), versionOf(req, ref, to)]);
      res.json({ from, to, changes: diffValues(a.spec, b.spec) });
    },

    async deleteDagTask(req, res) {
      const { ref } = await taskOf(req, 'editor');
      const users = await dagTaskUsers(store, ref.namespace, ref.name);
      if (users.length > 0) {
        throw new ApiError(
          409,
          'DAG_TASK_IN_USE',
          `shared task "${ref.name}" is used by ${users.length} DAG(s): ${users.map((u) => u.dag).join(', ')}`,
          users.map((u) => ({
            path: `/dags/${u.dag}`,
            code: 'DAG_TASK_IN_USE',
            message: `DAG "${u.dag}" version ${u.version} uses it in task(s) ${u.tasks.join(', ')}`,
          })),
        );
      }
      await store.deleteDagTask(ref);
      await auditor.record(req, 'dagtask.delete', `${ref.namespace}/${ref.name}`);
      res.status(204).end();
    },
  };
}
