/**
 * DagTask resources (Kontroler's reusable tasks) and `taskRef` resolution. Pure: the sync does the I/O.
 *
 * Versions live on the DagTask resource itself, in `status.versions` (`{version, hash, spec, createdAt}`),
 * so a restarted controller finds every version without a database or ConfigMap, and the controller needs no
 * permissions beyond the DagTask status subresource. `hash` is the hex sha256 of the canonical JSON of the
 * task as `loadManifest` reads it (without its name). A spec whose hash is new gets the highest version plus
 * one; re-applying a spec whose hash is already recorded (the same spec, or a revert to an older one) reuses
 * that version and creates nothing. `status.version`/`status.hash` name the version of the current spec.
 *
 * A DAG task with `taskRef {name, version}` is filled from that version's spec: the DagTask's fields are the
 * base, and the DAG task's own name, runAfter and every field it sets itself win (a DAG-level default
 * podTemplate does not override the DagTask's own podTemplate). The resolved task has no `taskRef`, so the
 * engine validates it like any other task (image, command or script).
 */
import { createHash } from 'node:crypto';
import { canonicalJson, loadManifest, type DagIssue, type DagSpec, type TaskSpec } from '@kontroler/core';
import { CRD_GROUP, CRD_VERSION } from '../rbac.js';

/** Kept on a DagTask while a DAG in its namespace refers to it, so it cannot be deleted in use. */
export const DAGTASK_FINALIZER = `${CRD_GROUP}/dagtask-in-use`;

export interface DagTaskVersion {
  version: number;
  hash: string;
  /** The task as stored (no name). */
  spec: Record<string, unknown>;
  createdAt?: string;
}

export interface DagTaskResourceStatus {
  /** The version of the current spec. */
  version?: number;
  hash?: string;
  valid?: boolean;
  message?: string;
  observedGeneration?: number;
  /** Every version ever stored, oldest first. */
  versions?: DagTaskVersion[];
  /** DAG resources that refer to this DagTask (they keep its finalizer). */
  usedBy?: string[];
}

/** The task spec of a DagTask resource through `loadManifest`, without its name, or the issues. */
export function readDagTask(
  name: string,
  spec: unknown,
): { ok: true; task: Record<string, unknown>; hash: string } | { ok: false; issues: DagIssue[] } {
  const loaded = loadManifest(
    JSON.stringify({ apiVersion: `${CRD_GROUP}/${CRD_VERSION}`, kind: 'DagTask', metadata: { name }, spec }),
  );
  if (!loaded.ok) return { ok: false, issues: loaded.errors };
  const doc = loaded.documents[0];
  if (doc?.kind !== 'DagTask') {
    return {
      ok: false,
      issues: [{ code: 'UNKNOWN_KIND', path: '', message: 'the resource is not a DagTask' }],
    };
  }
  const { name: _name, ...task } = doc.task as TaskSpec & Record<string, unknown>;
  return { ok: true, task, hash: dagTaskHash(task) };
}

export function dagTaskHash(task: Record<string, unknown>): string {
  return createHash('sha256').update(canonicalJson(task)).digest('hex');
}

/** The versions after recording `task`: unchanged when its hash is known, else one more version. */
export function recordDagTaskVersion(
  versions: readonly DagTaskVersion[],
  task: Record<string, unknown>,
  hash: string,
  now: number,
): { versions: DagTaskVersion[]; version: number; created: boolean } {
  const known = versions.find((v) => v.hash === hash);
  if (known) return { versions: [...versions], version: known.version, created: false };
  const version = versions.reduce((max, v) => Math.max(max, v.version), 0) + 1;
  const createdAt = new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return { versions: [...versions, { version, hash, spec: task, createdAt }], version, created: true };
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Raw task entries of a DAG resource spec (Kontroler's `task` or our `tasks`). */
function rawTasks(spec: unknown): Record<string, unknown>[] {
  if (!isRecord(spec)) return [];
  const list = spec.task ?? spec.tasks;
  return Array.isArray(list) ? list.filter(isRecord) : [];
}

/** Names of the DagTasks a DAG resource spec refers to (from the raw spec, so even an invalid DAG counts). */
export function taskRefNames(spec: unknown): string[] {
  const names = new Set<string>();
  for (const task of rawTasks(spec)) {
    const ref = task.taskRef;
    if (isRecord(ref) && typeof ref.name === 'string' && ref.name !== '') names.add(ref.name);
  }
  return [...names].sort();
}

/** What resolution knows about one DagTask resource. */
export interface DagTaskView {
  readonly versions: readonly DagTaskVersion[];
  /** The current spec's hash is not recorded yet (its version is about to be created). */
  readonly pending: boolean;
}

export type ResolveResult =
  | { kind: 'resolved'; dag: DagSpec }
  | { kind: 'invalid'; issues: DagIssue[] }
  /** A referenced version may still appear: a DagTask's current spec has not been versioned yet. */
  | { kind: 'pending'; waitingFor: string[] };

/**
 * Fills every `taskRef` task of `dag` (as `loadManifest` read it from the DAG resource `rawSpec`) from the
 * DagTask versions `lookup` returns. Every unknown DagTask or version is reported, naming task and reference.
 */
export function resolveTaskRefs(
  dag: DagSpec,
  rawSpec: unknown,
  namespace: string,
  lookup: (name: string) => DagTaskView | undefined,
): ResolveResult {
  const issues: DagIssue[] = [];
  const waitingFor = new Set<string>();
  const raw = rawTasks(rawSpec);
  const specDefault = isRecord(rawSpec) ? rawSpec.podTemplate : undefined;
  const tasks = dag.tasks.map((task, index): TaskSpec => {
    const ref = task.taskRef;
    if (!ref) return task;
    const path = `/spec/task/${index}/taskRef`;
    const where = `task "${task.name}": taskRef ${ref.name} version ${ref.version}`;
    const view = lookup(ref.name);
    if (!view) {
      issues.push({
        code: 'UNKNOWN_DEPENDENCY',
        path,
        task: task.name,
        message: `${where}: no DagTask named "${ref.name}" in namespace ${namespace}`,
      });
      return task;
    }
    const found = view.versions.find((v) => v.version === ref.version);
    if (!found) {
      if (view.pending) {
        waitingFor.add(ref.name);
        return task;
      }
      const known = view.versions.map((v) => v.version).join(', ') || 'none';
      issues.push({
        code: 'UNKNOWN_DEPENDENCY',
        path,
        task: task.name,
        message: `${where}: DagTask "${ref.name}" has no version ${ref.version} (versions: ${known})`,
      });
      return task;
    }
    const { taskRef: _ref, ...own } = task as TaskSpec & Record<string, unknown>;
    // A podTemplate that loadManifest copied from the DAG's spec-level default is not the task's own.
    const rawTask = raw.find((t) => t.name === task.name);
    if (specDefault !== undefined && rawTask !== undefined && rawTask.podTemplate === undefined) {
      delete own.podTemplate;
    }
    const { name: _n, runAfter: _r, taskRef: _t, ...base } = found.spec;
    const resolved: Record<string, unknown> = { ...base, ...own };
    if (resolved.podTemplate === undefined && specDefault !== undefined) resolved.podTemplate = specDefault;
    return resolved as TaskSpec;
  });
  if (issues.length > 0) return { kind: 'invalid', issues };
  if (waitingFor.size > 0) return { kind: 'pending', waitingFor: [...waitingFor] };
  return { kind: 'resolved', dag: { ...dag, tasks } };
}
