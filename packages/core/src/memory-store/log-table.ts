/** Log lines per attempt, for the memory store. */
import type { LogLine } from '../model/records.js';
import type { StoredLogLine } from '../ports/store.js';

export interface ReadLogsOptions {
  afterSeq?: number;
  limit?: number;
  tail?: number;
}

export class LogTable {
  /** Per attempt, line n (seq n) at index n-1. */
  readonly #lines = new Map<string, StoredLogLine[]>();

  append(attemptId: string, lines: readonly LogLine[]): void {
    if (lines.length === 0) return;
    const stored = this.#lines.get(attemptId) ?? [];
    for (const line of lines) {
      stored.push(
        Object.freeze({ ts: line.ts, stream: line.stream, line: line.line, seq: stored.length + 1 }),
      );
    }
    this.#lines.set(attemptId, stored);
  }

  /** Lines after `afterSeq` (default 0): the first `limit` of them, or the last `tail` of them. */
  read(attemptId: string, options: ReadLogsOptions = {}): StoredLogLine[] {
    const stored = this.#lines.get(attemptId) ?? [];
    // seq n sits at index n-1, so "after seq k" starts at index k.
    const after = stored.slice(Math.max(0, Math.floor(options.afterSeq ?? 0)));
    if (options.tail !== undefined) return options.tail > 0 ? after.slice(-options.tail) : [];
    return options.limit === undefined ? after : after.slice(0, Math.max(0, options.limit));
  }

  delete(attemptIds: readonly string[]): void {
    for (const id of attemptIds) this.#lines.delete(id);
  }
}
