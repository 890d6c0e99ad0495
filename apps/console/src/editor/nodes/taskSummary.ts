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
