/**
 * Pure helpers behind the task panel's data-and-control-flow fields (docs/flow/): the text form of a
 * `forEach` list, and the upstream outputs a `forEach.from` may name.
 */
import type { TaskSpec } from '../dag/core';

export type ItemsParse = { ok: true; items: unknown[] } | { ok: false; error: string };

/** A list the one-per-line form shows exactly: plain strings that JSON or another line would not mistake. */
function plainLines(items: readonly unknown[]): items is string[] {
  return items.every(
    (i) => typeof i === 'string' && i !== '' && i.trim() === i && !i.includes('\n') && !/^[[{"]/.test(i),
  );
}

/**
 * The text a `forEach.items` list is edited as: one string per line when every item is a plain string,
 * else the list as JSON. `parseItemsText` reads both back to the same list.
 */
export function itemsToText(items: readonly unknown[]): string {
  if (items.length > 0 && plainLines(items)) return items.join('\n');
  return JSON.stringify(items);
}

/**
 * Reads the items text: a JSON list when it starts with `[`, else one string item per non-empty line
 * (surrounding blanks trimmed). An empty text is the empty list (the task is then skipped).
 */
export function parseItemsText(text: string): ItemsParse {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: true, items: [] };
  if (trimmed.startsWith('[')) {
    try {
      const value: unknown = JSON.parse(trimmed);
      if (!Array.isArray(value)) return { ok: false, error: 'Items must be a JSON list' };
      return { ok: true, items: value };
    } catch (err) {
      return { ok: false, error: `Not a JSON list: ${err instanceof Error ? err.message : String(err)}` };
    }
  }
  return {
    ok: true,
    items: trimmed
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean),
  };
}

/** `{{ tasks.X.outputs.Y }}`: the template a `forEach.from` (or any field) reads an output with. */
export function outputReference(task: string, output: string): string {
  return `{{ tasks.${task}.outputs.${output} }}`;
}

/**
 * Every output of the tasks upstream of `name` (through `runAfter`, directly or not), as the references
 * `forEach.from` accepts, nearest tasks first. Unknown names and cycles (a document being edited) are
 * tolerated.
 */
export function upstreamOutputs(tasks: readonly TaskSpec[], name: string): string[] {
  const byName = new Map(tasks.map((t) => [t.name, t]));
  const seen = new Set<string>([name]);
  const queue = [...(byName.get(name)?.runAfter ?? [])];
  const out: string[] = [];
  for (let i = 0; i < queue.length; i++) {
    const parent = queue[i]!;
    if (seen.has(parent)) continue;
    seen.add(parent);
    const task = byName.get(parent);
    if (!task) continue;
    for (const o of task.outputs ?? []) out.push(outputReference(task.name, o.name));
    queue.push(...(task.runAfter ?? []));
  }
  return out;
}
