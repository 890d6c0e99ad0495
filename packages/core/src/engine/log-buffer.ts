/**
 * Buffers an attempt's log lines and writes them to the store in batches: when `maxLines` are waiting,
 * every `flushMs`, and at the end. Writes are chained so lines keep their order; a failed write is
 * reported, never thrown into the task.
 */
import type { LogLine } from '../model/records.js';
import type { Clock } from '../ports/clock.js';
import type { Store } from '../ports/store.js';
import type { TimerSet } from './timers.js';

export class LogBuffer {
  #lines: LogLine[] = [];
  #timer: (() => void) | null = null;
  #writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly attemptId: string,
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly timers: TimerSet,
    private readonly onError: (error: unknown) => void,
    private readonly flushMs = 100,
    private readonly maxLines = 500,
  ) {}

  add(line: Omit<LogLine, 'ts'> & { ts?: number }): void {
    this.#lines.push({ ts: line.ts ?? this.clock.now(), stream: line.stream, line: line.line });
    if (this.#lines.length >= this.maxLines) void this.flush();
    else
      this.#timer ??= this.timers.after(this.flushMs, () => {
        this.#timer = null;
        void this.flush();
      });
  }

  /** Writes what is buffered; resolves when every earlier write has finished too. */
  flush(): Promise<void> {
    this.#timer?.();
    this.#timer = null;
    if (this.#lines.length > 0) {
      const lines = this.#lines;
      this.#lines = [];
      this.#writing = this.#writing
        .then(() => this.store.appendLogs(this.attemptId, lines))
        .catch(this.onError);
    }
    return this.#writing;
  }
}
