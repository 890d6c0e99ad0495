/**
 * The cron scheduler: fires each scheduled DAG once per tick across any number of replicas. Per tick it
 * submits with the idempotency key `schedule:<namespace>/<dag>:<tick>` and then moves the DAG's cursor with a
 * compare-and-set, so a replica that crashes between the two re-submits the same key and gets the same run.
 * The timing decisions are in `due-ticks.ts`; this file is the loop around them.
 */
import type { EngineEventBus } from '../events/engine-events.js';
import { safeEmit } from '../events/engine-events.js';
import { dagKey, type DagRef } from '../model/dag-ref.js';
import type { DagRecord, DagVersion, RunRecord } from '../model/records.js';
import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import type { Store } from '../ports/store.js';
import { dueTicks, latestTick, nextTick } from './due-ticks.js';

export interface SchedulerOptions {
  /** Most missed ticks fired per DAG after downtime (the most recent ones). @default 1 */
  readonly maxCatchUp?: number;
  /** How often the scheduler re-reads the scheduled DAGs when no tick is nearer. @default 60000 */
  readonly pollIntervalMs?: number;
  /**
   * Whether `engine.start()` starts the scheduler's own timer. Hosts with leader election pass `false` and
   * call `engine.scheduler.start()`/`stop()` or `tick(now)` on the leader only. @default true
   */
  readonly autoStart?: boolean;
}

export interface SchedulerDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly events: EngineEventBus;
  /** Submits a scheduled run (idempotent by key). */
  readonly submit: (
    dag: DagRef,
    options: { idempotencyKey: string; scheduledFor: number },
  ) => Promise<{ run: RunRecord; created: boolean }>;
  /** Cancels an active run (policy `replace`). */
  readonly cancel: (runId: string) => Promise<unknown>;
}

export interface FiredTick {
  readonly namespace: string;
  readonly dagName: string;
  readonly tick: number;
  /** The run for the tick; absent when the tick was skipped by `forbid`. */
  readonly run?: RunRecord;
  readonly skipped?: 'forbid';
}

export interface Scheduler {
  /** Arms the timer (the engine calls it from `start()` unless `scheduler: false`). */
  start(): void;
  stop(): void;
  /** Fires every due tick at `now` (@default clock.now()); hosts with leader election call it. */
  tick(now?: number): Promise<FiredTick[]>;
}

export function createScheduler(deps: SchedulerDeps, options: SchedulerOptions = {}): Scheduler {
  const maxCatchUp = options.maxCatchUp ?? 1;
  const pollIntervalMs = options.pollIntervalMs ?? 60_000;
  const { store, clock, logger, events } = deps;
  let timer: unknown = null;
  /** When the armed timer fires; Infinity while none is armed (a tick is running or the loop is stopped). */
  let armedAt = Infinity;
  let running = false;
  let ticking: Promise<FiredTick[]> | null = null;
  /** Whether the loop is between its wake-up and arming the next one. */
  let passing = false;
  /** The earliest first tick of the DAGs saved since the current pass began. */
  let registeredWake = Infinity;

  async function activeRuns(dag: DagRef): Promise<RunRecord[]> {
    const page = await store.listRuns({ dag, states: ['queued', 'pending', 'running'] }, { limit: 500 });
    return page.items;
  }

  async function fireDag(dag: DagRecord, version: DagVersion, now: number): Promise<FiredTick[]> {
    const spec = version.spec;
    if (spec.schedule === undefined || dag.suspended || dag.deletedAt !== null) return [];
    // The DagRecord is a DagRef: cursors, runs and keys are all per (namespace, name).
    const cursor = await store.getScheduleCursor(dag);
    // A schedule that never fired starts when it was saved, not when this loop first sees it: the first
    // tick advertised after the save is due even when the loop reads the DAG a poll interval later.
    const from = cursor ?? version.createdAt;
    const ticks = dueTicks(spec.schedule, spec.timezone, from, now, maxCatchUp);
    const fired: FiredTick[] = [];
    let expected = cursor;
    for (const tick of ticks) {
      const policy = spec.concurrencyPolicy ?? 'allow';
      let result: FiredTick;
      const active = policy === 'allow' ? [] : await activeRuns(dag);
      const ref = { namespace: dag.namespace, dagName: dag.name };
      if (policy === 'forbid' && active.length > 0) {
        result = { ...ref, tick, skipped: 'forbid' };
      } else {
        if (policy === 'replace') for (const run of active) await deps.cancel(run.id).catch(() => undefined);
        const { run, created } = await deps.submit(dag, {
          idempotencyKey: `schedule:${dagKey(dag)}:${tick}`,
          scheduledFor: tick,
        });
        result = { ...ref, tick, run };
        if (created) safeEmit(events, logger, 'schedule.fired', { ...ref, tick, run });
      }
      if (!(await store.advanceScheduleCursor(dag, expected, tick))) {
        logger.debug({ dag: dagKey(dag), tick }, 'another replica advanced the schedule first');
        return fired;
      }
      expected = tick;
      fired.push(result);
    }
    // Ticks beyond the catch-up bound are dropped: move the cursor past them.
    const latest = latestTick(spec.schedule, spec.timezone, now);
    if (latest !== null && latest > (expected ?? from)) {
      await store.advanceScheduleCursor(dag, expected, latest);
    }
    return fired;
  }

  async function tickOnce(now: number): Promise<FiredTick[]> {
    const fired: FiredTick[] = [];
    for (const { dag, version } of await store.listScheduledDags()) {
      try {
        fired.push(...(await fireDag(dag, version, now)));
      } catch (error) {
        logger.error({ err: error, dag: dagKey(dag) }, 'schedule tick failed');
        safeEmit(events, logger, 'engine.error', { error, context: `schedule:${dagKey(dag)}` });
      }
    }
    return fired;
  }

  async function nextWake(now: number): Promise<number> {
    let wake = now + pollIntervalMs;
    for (const { version } of await store.listScheduledDags()) {
      const spec = version.spec;
      if (spec.schedule === undefined) continue;
      const next = nextTick(spec.schedule, spec.timezone, now);
      if (next !== null && next < wake) wake = next;
    }
    return wake;
  }

  function arm(at: number): void {
    if (!running) return;
    if (timer !== null) clock.clearTimeout(timer);
    armedAt = at;
    timer = clock.setTimeout(() => {
      timer = null;
      armedAt = Infinity;
      void loop();
    }, at - clock.now());
  }

  /**
   * A DAG saved in this process may tick before the armed wake-up: wake at its first tick instead. The
   * tick is worked out from the saved version alone, at once: a store read here would finish after the
   * save's caller has moved on, and judged from that later time the first tick could already be past.
   */
  function registered({ dag, version }: { dag: DagRecord; version: DagVersion }): void {
    const spec = version.spec;
    if (spec.schedule === undefined || dag.suspended || dag.deletedAt !== null) return;
    let wake: number | null;
    try {
      wake = nextTick(spec.schedule, spec.timezone, version.createdAt);
    } catch (error) {
      logger.error({ err: error, dag: dagKey(dag) }, 'scheduler could not re-arm after a DAG was saved');
      return;
    }
    if (wake === null) return;
    registeredWake = Math.min(registeredWake, wake);
    // A pass in flight arms when it ends, and takes `registeredWake` into account then.
    if (running && !passing && wake < armedAt) arm(wake);
  }

  async function loop(): Promise<void> {
    if (!running) return;
    passing = true;
    // DAGs saved from here on are seen by this pass's reads or kept in `registeredWake` for its arm.
    registeredWake = Infinity;
    try {
      // The next wake-up is the first tick after the `now` this pass judged, not after the time it ended:
      // a timer may fire a millisecond before its tick (timers run on a monotonic clock), and a tick that
      // fell due while the pass ran would otherwise be skipped until the next one (and then dropped by
      // the catch-up bound). A wake-up already due re-runs the loop at once.
      const now = clock.now();
      await scheduler.tick(now);
      const wake = await nextWake(now);
      passing = false;
      arm(Math.min(wake, registeredWake));
    } catch (error) {
      logger.error({ err: error }, 'scheduler loop failed');
      passing = false;
      arm(Math.min(clock.now() + pollIntervalMs, registeredWake));
    }
  }

  const scheduler: Scheduler = {
    start() {
      if (running) return;
      running = true;
      events.on('dag.registered', registered);
      void loop();
    },
    stop() {
      running = false;
      events.off('dag.registered', registered);
      if (timer !== null) clock.clearTimeout(timer);
      timer = null;
      armedAt = Infinity;
    },
    async tick(now = clock.now()) {
      // One tick at a time per process; a second caller waits for the first and then runs its own.
      while (ticking !== null) await ticking.catch(() => undefined);
      ticking = tickOnce(now);
      try {
        return await ticking;
      } finally {
        ticking = null;
      }
    },
  };
  return scheduler;
}
