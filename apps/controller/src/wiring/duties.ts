/**
 * The leader's singleton duties: cron ticks through the engine's scheduler (the engine is created with
 * `autoStart: false`) and retention (finished runs older than `retentionDays`, and run events older than
 * `eventRetentionMs`, deleted in bounded batches).
 * Both are safe if two replicas briefly overlap during a leadership change: the scheduler's cursor is a
 * compare-and-set and its runs carry idempotency keys, and deleting old runs twice deletes nothing twice.
 *
 * Other wiring modules add duties of their own with `attachLeaderDuty(engine, duty)` (the CRD sync's status
 * writing does): they start and stop with the cron and retention duties of the same engine, whichever module
 * was created first.
 */
import type { Clock, Engine, Logger, Store } from '@kontroler/core';
import { pruneFinishedRuns, pruneRunEvents } from '@kontroler/postgres/store';

export interface DutyOptions {
  readonly engine: Pick<Engine, 'scheduler'>;
  readonly store: Pick<Store, 'deleteFinishedRuns' | 'deleteRunEventsBefore'>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly retentionDays: number;
  /**
   * How long run events (the SSE journal) are kept: a client disconnected longer than this gets
   * `event: reset` instead of what it missed. @default 86400000 (24 hours)
   */
  readonly eventRetentionMs?: number;
  /** How often the leader calls `scheduler.tick`. @default 1000 */
  readonly cronIntervalMs?: number;
  /** How often the leader prunes old runs. @default 300000 (5 minutes) */
  readonly retentionIntervalMs?: number;
  /** Runs deleted per statement. @default 500 */
  readonly retentionBatchSize?: number;
  /** Statements per pass; the rest waits for the next pass. @default 20 */
  readonly retentionMaxBatches?: number;
}

/** A duty another module runs while this replica leads. `start`/`stop` must be quick and synchronous. */
export interface AttachedDuty {
  readonly name: string;
  start(): void;
  stop(): void;
}

/** Duties attached per engine (the engine is what the controller's parts share). */
const attached = new WeakMap<object, Set<AttachedDuty>>();
/** Engines whose leader duties are running now. */
const leading = new WeakSet<object>();

/**
 * Runs `duty` while the leader duties of `engine` run (started at once if they already do). Returns a
 * function that detaches it (and stops it if running).
 */
export function attachLeaderDuty(engine: object, duty: AttachedDuty): () => void {
  let set = attached.get(engine);
  if (set === undefined) attached.set(engine, (set = new Set()));
  set.add(duty);
  if (leading.has(engine)) duty.start();
  return () => {
    if (!set.delete(duty)) return;
    if (leading.has(engine)) duty.stop();
  };
}

export interface LeaderDuties {
  /** Begins the duties (on becoming leader). Idempotent. */
  start(): void;
  /** Ends them and waits for a pass in flight (on losing leadership or shutting down). */
  stop(): Promise<void>;
  readonly active: () => boolean;
}

export function createLeaderDuties(options: DutyOptions): LeaderDuties {
  const { clock, engine, store } = options;
  const logger = options.logger.child({ component: 'leader-duties' });
  const cronIntervalMs = options.cronIntervalMs ?? 1000;
  const retentionIntervalMs = options.retentionIntervalMs ?? 300_000;
  const maxAgeMs = options.retentionDays * 86_400_000;
  let active = false;
  let generation = 0;
  const timers = new Set<unknown>();
  const inFlight = new Set<Promise<void>>();

  /** Runs `work` now and then every `everyMs` until stopped; one pass at a time. */
  function every(everyMs: number, name: string, work: () => Promise<void>): void {
    const mine = generation;
    const pass = (): void => {
      if (!active || mine !== generation) return;
      const running = work()
        .catch((error: unknown) => logger.warn({ err: error, duty: name }, 'leader duty failed'))
        .finally(() => {
          inFlight.delete(running);
          if (!active || mine !== generation) return;
          const timer = clock.setTimeout(() => {
            timers.delete(timer);
            pass();
          }, everyMs);
          timers.add(timer);
        });
      inFlight.add(running);
    };
    pass();
  }

  return {
    active: () => active,
    start() {
      if (active) return;
      active = true;
      generation++;
      logger.info({}, 'starting leader duties');
      leading.add(engine);
      for (const duty of attached.get(engine) ?? []) {
        try {
          duty.start();
        } catch (error) {
          logger.warn({ err: error, duty: duty.name }, 'leader duty failed to start');
        }
      }
      every(cronIntervalMs, 'cron', async () => {
        const fired = await engine.scheduler.tick(clock.now());
        for (const tick of fired) {
          logger.info(
            {
              namespace: tick.namespace,
              dag: tick.dagName,
              tick: new Date(tick.tick).toISOString(),
              runId: tick.run?.id,
              skipped: tick.skipped,
            },
            'cron tick',
          );
        }
      });
      every(retentionIntervalMs, 'retention', async () => {
        const deleted = await pruneFinishedRuns(store, {
          maxAgeMs,
          now: clock.now(),
          batchSize: options.retentionBatchSize ?? 500,
          maxBatches: options.retentionMaxBatches ?? 20,
        });
        if (deleted > 0) logger.info({ deleted }, 'retention deleted finished runs');
        const events = await pruneRunEvents(store, {
          maxAgeMs: options.eventRetentionMs ?? 86_400_000,
          now: clock.now(),
          batchSize: options.retentionBatchSize ?? 500,
          maxBatches: options.retentionMaxBatches ?? 20,
        });
        if (events > 0) logger.info({ deleted: events }, 'retention deleted run events');
      });
    },
    async stop() {
      if (!active) return;
      active = false;
      leading.delete(engine);
      for (const duty of attached.get(engine) ?? []) {
        try {
          duty.stop();
        } catch (error) {
          logger.warn({ err: error, duty: duty.name }, 'leader duty failed to stop');
        }
      }
      for (const timer of timers) clock.clearTimeout(timer);
      timers.clear();
      await Promise.all([...inFlight]);
      logger.info({}, 'stopped leader duties');
    },
  };
}
