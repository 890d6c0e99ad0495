/**
 * `taskRef` resolution for DAGs saved through the API, with the Kubernetes DagTask path's semantics: a DAG
 * task with `taskRef {name, version}` is filled from that version of the shared task in the DAG's
 * namespace; the DAG task's own name and runAfter, and every field it sets itself, win. The resolved task
 * keeps its `taskRef`, so the stored DAG still says which shared task (and version) it uses — that is how
 * deleting a shared task in use is refused.
 *
 * Because a stored task carries the fields it was filled with, a field whose value equals what some
 * version of the shared task gives counts as inherited, not as the task's own: moving `taskRef.version`
 * and saving again takes the new version's fields.
 */
import {
  canonicalJson,
  type DagIssue,
  type DagSpec,
  type DagTaskVersion,
  type TaskSpec,
} from '@kontroler/core';

/** Fields a DAG task always keeps as its own. */
const OWN_ALWAYS = new Set(['name', 'runAfter', 'taskRef']);

export type ResolveOutcome = { ok: true; spec: DagSpec; used: string[] } | { ok: false; issues: DagIssue[] };

/** Fills every `taskRef` task of `spec`; `versionsOf(name)` gives a shared task's versions (none: unknown). */
export async function resolveTaskRefs(
  spec: DagSpec,
  namespace: string,
  versionsOf: (name: string) => Promise<readonly DagTaskVersion[]>,
): Promise<ResolveOutcome> {
  const issues: DagIssue[] = [];
  const used = new Set<string>();
  const cache = new Map<string, readonly DagTaskVersion[]>();
  const tasks: TaskSpec[] = [];
  for (const [index, task] of spec.tasks.entries()) {
    const ref = task.taskRef;
    if (!ref) {
      tasks.push(task);
      continue;
    }
    used.add(ref.name);
    let versions = cache.get(ref.name);
    if (versions === undefined) {
      versions = await versionsOf(ref.name);
      cache.set(ref.name, versions);
    }
    const where = `task "${task.name}": taskRef ${ref.name} version ${ref.version}`;
    const path = `/tasks/${index}/taskRef`;
    const found = versions.find((v) => v.version === ref.version);
    if (!found) {
      const known = versions
        .map((v) => v.version)
        .sort((a, b) => a - b)
        .join(', ');
      issues.push({
        code: 'UNKNOWN_DEPENDENCY',
        path,
        task: task.name,
        message:
          versions.length === 0
            ? `${where}: no shared task named "${ref.name}" in namespace ${namespace}`
            : `${where}: shared task "${ref.name}" has no version ${ref.version} (versions: ${known})`,
      });
      tasks.push(task);
      continue;
    }
    const inherited = (key: string, value: unknown): boolean =>
      versions.some((v) => {
        const given = (v.spec as Record<string, unknown>)[key];
        return given !== undefined && canonicalJson(given) === canonicalJson(value);
      });
    const own = Object.fromEntries(
      Object.entries(task).filter(([key, value]) => OWN_ALWAYS.has(key) || !inherited(key, value)),
    );
    const { name: _n, runAfter: _r, taskRef: _t, ...base } = found.spec as TaskSpec & Record<string, unknown>;
    tasks.push({ ...base, ...own } as TaskSpec);
  }
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, spec: { ...spec, tasks }, used: [...used].sort() };
}
