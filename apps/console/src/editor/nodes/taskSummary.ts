import type { TaskSpec } from '../../dag/core';

/** One line saying what a task runs: its script's first line, or its command and args. */
export function commandSummary(spec: TaskSpec): string {
  if (spec.script) {
    const first = spec.script.split('\n').find((l) => l.trim() && !l.startsWith('#!')) ?? spec.script;
    return `script: ${first.trim()}`;
  }
  const parts = [...(spec.command ?? []), ...(spec.args ?? [])];
  if (parts.length === 0) return spec.type ? `type: ${spec.type}` : 'no command';
  return parts.map((p) => (/\s/.test(p) ? JSON.stringify(p) : p)).join(' ');
}

/** "3 retries on 1, 2" / "3 retries" / "no retries". */
export function retrySummary(spec: TaskSpec): string {
  const limit = spec.backoff?.limit ?? 3;
  if (limit === 0) return 'no retries';
  const base = `${limit} ${limit === 1 ? 'retry' : 'retries'}`;
  if (spec.conditional?.enabled) {
    const codes = spec.conditional.retryCodes ?? [];
    return codes.length ? `${base} on exit ${codes.join(', ')}` : `${base} (no codes listed)`;
  }
  return base;
}

/** The trigger rule when it is not the default (`all_success`), else null: the node shows only a choice. */
export function triggerRuleSummary(spec: TaskSpec): string | null {
  return spec.triggerRule && spec.triggerRule !== 'all_success' ? spec.triggerRule : null;
}

/**
 * What a forEach task fans out over: "× 3 items", "× tasks.list.outputs.files", with "· 2 at a time" when
 * a parallelism is set; with `instances` (a run), their count instead. Null for a task with no forEach.
 */
export function forEachSummary(spec: TaskSpec, instances?: number): string | null {
  const fe = spec.forEach;
  if (!fe) return null;
  const over =
    instances !== undefined
      ? `${instances} ${instances === 1 ? 'instance' : 'instances'}`
      : fe.items
        ? `${fe.items.length} ${fe.items.length === 1 ? 'item' : 'items'}`
        : (/^\{\{\s*(.*?)\s*\}\}$/.exec(fe.from ?? '')?.[1] ?? fe.from ?? '?');
  return `× ${over}${fe.parallelism ? ` · ${fe.parallelism} at a time` : ''}`;
}
