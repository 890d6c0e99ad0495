/**
 * Delivers outbox messages: for each notifier, claims its topic's due messages, calls `deliver`, and
 * records the attempt; failures are retried with exponential backoff until the message is older than the
 * notifier's `maxAgeMs`, then marked failed. Woken by `store.onOutbox`, its own retry timers and the poll.
 */
import type { OutboxRecord } from '../model/records.js';
import { retryDelay } from '../planner/backoff.js';
import type { RetryTiming } from '../planner/decisions.js';
import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import type { Store } from '../ports/store.js';
import type { Notifier } from '../plugins/types.js';
import type { TimerSet } from './timers.js';

/** Backoff between deliveries: 1 s, 2 s, 4 s… up to 1 h, ±20 %. */
export const DELIVERY_TIMING: RetryTiming = {
  initialDelayMs: 1000,
  factor: 2,
  maxDelayMs: 3_600_000,
  jitter: 0.2,
};
const DEFAULT_MAX_AGE_MS = 24 * 3_600_000;
const BATCH = 50;

export interface OutboxDispatcherDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly timers: TimerSet;
  readonly owner: string;
  readonly leaseMs: number;
  readonly notifiers: () => Iterable<Notifier>;
  readonly reportError: (error: unknown, context: string) => void;
}

export class OutboxDispatcher {
  #running = false;
  #busy: Promise<void> | null = null;
  #again = false;

  constructor(private readonly deps: OutboxDispatcherDeps) {}

  start(): void {
    this.#running = true;
    this.wake();
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#busy;
  }

  wake(): void {
    if (!this.#running) return;
    if (this.#busy !== null) {
      this.#again = true;
      return;
    }
    this.#busy = this.#drain().finally(() => {
      this.#busy = null;
      if (this.#again) {
        this.#again = false;
        this.wake();
      }
    });
  }

  async #drain(): Promise<void> {
    const notifiers = [...this.deps.notifiers()];
    for (const notifier of notifiers) {
      for (;;) {
        if (!this.#running) return;
        let messages: OutboxRecord[];
        try {
          messages = await this.deps.store.claimOutbox({
            owner: this.deps.owner,
            topics: [notifier.topic],
            limit: BATCH,
            leaseMs: this.deps.leaseMs,
            now: this.deps.clock.now(),
          });
        } catch (error) {
          this.deps.reportError(error, `outbox:${notifier.topic}`);
          break;
        }
        await Promise.all(messages.map((message) => this.#deliver(notifier, message)));
        if (messages.length < BATCH) break;
      }
    }
  }

  async #deliver(notifier: Notifier, message: OutboxRecord): Promise<void> {
    const { clock, store } = this.deps;
    const at = clock.now();
    const number = message.attempts + 1;
    let sent;
    try {
      sent = await notifier.deliver(message);
    } catch (error) {
      sent = {
        ok: false,
        statusCode: null,
        error: error instanceof Error ? error.message : String(error),
        durationMs: clock.now() - at,
      };
    }
    const attempt = { ...sent, outboxId: message.id, attempt: number, at };
    const nextAttemptAt = at + retryDelay(DELIVERY_TIMING, number, `${message.id}:${number}`);
    const tooOld = nextAttemptAt - message.createdAt > (notifier.maxAgeMs ?? DEFAULT_MAX_AGE_MS);
    try {
      if (sent.ok) await store.recordDelivery(message.id, { attempt, outcome: 'delivered' });
      else if (tooOld) await store.recordDelivery(message.id, { attempt, outcome: 'failed' });
      else {
        await store.recordDelivery(message.id, { attempt, outcome: 'retry', nextAttemptAt });
        this.deps.timers.after(nextAttemptAt - clock.now(), () => this.wake());
      }
    } catch (error) {
      this.deps.reportError(error, `outbox:${message.id}`);
    }
    if (!sent.ok) {
      this.deps.logger.warn(
        { outboxId: message.id, notifier: notifier.name, error: sent.error },
        'delivery failed',
      );
    }
  }
}
