/**
 * Task instances of a fan-out: attempt task names `name[0]`, `name[1]`, … (docs/flow/for-each.md). Task names
 * cannot hold `[`, so an instance name never collides with a task.
 */

/** `process[3]`. */
export function instanceName(task: string, index: number): string {
  return `${task}[${index}]`;
}

/** `{task: 'process', index: 3}` for `process[3]`; null for a plain task name. */
export function parseInstance(name: string): { readonly task: string; readonly index: number } | null {
  if (name.charCodeAt(name.length - 1) !== 93 /* ] */) return null;
  const open = name.lastIndexOf('[');
  if (open <= 0) return null;
  const index = Number(name.slice(open + 1, -1));
  return Number.isInteger(index) && index >= 0 ? { task: name.slice(0, open), index } : null;
}
