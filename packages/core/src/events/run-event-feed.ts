/**
 * `RunEventFeed`: follows the run event journal of a store from "now" on and hands every new event to
 * `onEvents`, once and in id order. Woken by the store's `onRunEvents` (PostgreSQL: NOTIFY from any
 * process) and by a poll, so a missed wake-up (a LISTEN connection that dropped) only delays events.
 * One read at a time: a wake-up during a read makes one more read after it.
 *
 * "Now" is the journal's newest id, except that ids below it can still be in flight where ids become
 * visible out of order (PostgreSQL): the feed then starts below the lowest such id (`bounds.unseen`) and,
 * up to the newest id, delivers only those ids, so an event whose writer commits just after the feed
 * started is delivered and one committed before it is not.
 */
import type { Clock } from '../ports/clock.js';
import { systemClock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import { silentLogger } from '../ports/logger.js';
import type { RunEventStore, StoredRunEvent } from '../ports/run-events.js';

export interface RunEventFeedOptions {
  readonly store: Pick<RunEventStore, 'readRunEvents' | 'runEventBounds' | 'onRunEvents'>;
  readonly onEvents: (events: readonly StoredRunEvent[]) => void;
  /** Fallback poll period. @default 1000 */
  readonly pollMs?: number;
  /** Events per read. @default 500 */
  readonly batch?: number;
  readonly clock?: Clock;
  readonly logger?: Logger;
}

export class RunEventFeed {
  #cursor = 0;
  #startId: number | null = null;
  /** The newest id at start; up to it, only `#late` ids are delivered. */
  #last = 0;
  /** Ids below the newest at start that were not visible then (see the file comment). */
  #late: ReadonlySet<number> = new Set();
  #reading = false;
  #again = false;
  #stopped = false;
  #timer: unknown = undefined;
  #unsubscribe: (() => void) | undefined;
  readonly #clock: Clock;
  readonly #logger: Logger;
  /** Resolves once the feed knows where "now" is in the journal. */
  readonly ready: Promise<void>;

  constructor(private readonly options: RunEventFeedOptions) {
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger ?? silentLogger;
    this.ready = this.#start();
    this.ready.catch(() => undefined);
  }

  /** The id of the last event handed to `onEvents` (or the journal's last id at start). */
  get lastId(): number {
    return this.#cursor;
  }

  /**
   * Every event the feed delivers has a greater id (null until `ready`): the journal's newest id when the
   * feed started, or just below the lowest id then still in flight.
   */
  get startId(): number | null {
    return this.#startId;
  }

  /** Reads what is new now (also called by the store's wake-ups and the poll). */
  wake(): void {
    if (this.#stopped) return;
    if (this.#reading) {
      this.#again = true;
      return;
    }
    this.#reading = true;
    void this.#drain().finally(() => {
      this.#reading = false;
      if (this.#again) {
        this.#again = false;
        this.wake();
      }
    });
  }

  stop(): void {
    this.#stopped = true;
    this.#unsubscribe?.();
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
  }

  async #start(): Promise<void> {
    this.#unsubscribe = this.options.store.onRunEvents(() => this.wake());
    this.#schedulePoll();
    for (let delay = 100; ; delay = Math.min(delay * 2, 5000)) {
      try {
        const bounds = await this.options.store.runEventBounds();
        const late = (bounds.unseen ?? []).filter((id) => id <= bounds.last);
        this.#last = bounds.last;
        this.#late = new Set(late);
        this.#cursor = late.length === 0 ? bounds.last : Math.min(...late) - 1;
        this.#startId = this.#cursor;
        return;
      } catch (error) {
        if (this.#stopped) throw error;
        this.#logger.warn({ err: error }, 'run event journal unreachable; retrying');
        await new Promise<void>((resolve) => this.#clock.setTimeout(resolve, delay));
      }
    }
  }

  #schedulePoll(): void {
    if (this.#stopped) return;
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.wake();
      this.#schedulePoll();
    }, this.options.pollMs ?? 1000);
  }

  /** Whether event `id` had not been committed when the feed started. */
  #isNew(id: number): boolean {
    return id > this.#last || this.#late.has(id);
  }

  async #drain(): Promise<void> {
    const batch = Math.max(1, this.options.batch ?? 500);
    try {
      await this.ready;
      for (;;) {
        const events = await this.options.store.readRunEvents({ afterId: this.#cursor, limit: batch });
        if (this.#stopped || events.length === 0) return;
        this.#cursor = (events[events.length - 1] as StoredRunEvent).id;
        const fresh = this.#late.size === 0 ? events : events.filter((e) => this.#isNew(e.id));
        if (this.#cursor >= this.#last) this.#late = new Set();
        try {
          if (fresh.length > 0) this.options.onEvents(fresh);
        } catch (error) {
          this.#logger.error({ err: error }, 'run event consumer threw');
        }
        if (events.length < batch) return;
      }
    } catch (error) {
      // The next wake-up or poll reads again from the same cursor: nothing is skipped.
      this.#logger.warn({ err: error }, 'reading the run event journal failed');
    }
  }
}
