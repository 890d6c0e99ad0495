/**
 * The backfill driver: creates the runs of a backfill's ticks, at most `maxActiveRuns` active at once, and
 * counts them as they finish. Everything it knows is in the backfill record (`nextTick`, `inFlight`), which
 * it changes by compare-and-set, so any number of drivers (API replicas) may run and one that restarts
 * carries on where the record says. Each tick is submitted with the scheduler's idempotency key
 * (`schedule:<namespace>/<dag>:<tick>`): a tick the scheduler already ran, or that an earlier backfill
 * made, gets its existing run, never a second one.
 */
import { Errors, KontrolerError } from '../errors/kontroler-error.js';
import type { EngineEventBus } from '../events/engine-events.js';
import { dagKey, type DagRef } from '../model/dag-ref.js';
import type { RunRecord } from '../model/records.js';
import { TERMINAL_RUN_STATES } from '../model/states.js';
import type { BackfillRecord } from '../ports/backfill-store.js';
import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import type { Store } from '../ports/store.js';
import { nextTick, ticksBetween } from '../scheduler/due-ticks.js';

/** The label every backfilled run carries: the backfill's id. */
export const BACKFILL_LABEL = 'kontroler.dev/backfill';
/** The most ticks one backfill may cover. */
export const MAX_BACKFILL_TICKS = 10_000;

export interface BackfillDriverDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Runs finishing wake the driver at once (else it polls). */
  readonly events?: EngineEventBus;
  /** Submits one tick's run (idempotent by key). */
  readonly submit: (
    dag: DagRef,
    options: {
      readonly idempotencyKey: string;
      readonly scheduledFor: number;
      readonly labels: Readonly<Record<string, string>>;
    },
  ) => Promise<RunRecord>;
  /** Cancels an active run. */
  readonly cancel: (runId: string) => Promise<unknown>;
}

export interface BackfillDriverOptions {
  /** How often running backfills are looked at when no run event wakes the driver. @default 2000 */
  readonly pollIntervalMs?: number;
  /** The most ticks one backfill may cover. @default MAX_BACKFILL_TICKS (10000) */
  readonly maxTicks?: number;
}

export interface CreateBackfillInput {
  readonly id: string;
  readonly dag: DagRef;
  readonly schedule: string;
  readonly timezone: string | null;
  readonly from: number;
  readonly to: number;
  readonly maxActiveRuns: number;
  readonly createdBy: string | null;
}

export interface BackfillDriver {
  /**
   * Records a backfill of the ticks in `[from, to)` and starts it (the first runs are created before it
   * resolves). Throws PARAMETER_INVALID when the range holds no tick or more than `maxTicks`.
   */
  create(input: CreateBackfillInput): Promise<BackfillRecord>;
  /** Stops a running backfill as a whole: no more ticks, and its active runs are canceled. */
  cancel(id: string): Promise<BackfillRecord | undefined>;
  /** Advances every running backfill once (tests call it; `start()` calls it on a timer and on events). */
  step(): Promise<void>;
  start(): void;
  stop(): void;
}

const runKey = (dag: DagRef, tick: number): string => `schedule:${dagKey(dag)}:${tick}`;

export function createBackfillDriver(
  deps: BackfillDriverDeps,
  options: BackfillDriverOptions = {},
): BackfillDriver {
  const { store, clock, logger } = deps;
  const pollIntervalMs = options.pollIntervalMs ?? 2000;
  const maxTicks = options.maxTicks ?? MAX_BACKFILL_TICKS;
  let timer: unknown = null;
  let running = false;
  let stepping: Promise<void> | null = null;
  let again = false;

  /** One pass over a backfill: count finished runs, submit ticks into free slots, save by CAS. */
  async function advance(b: BackfillRecord): Promise<BackfillRecord | undefined> {
    const dag = { namespace: b.namespace, name: b.dagName };
    let { done, failed, submitted, nextTick: next } = b;
    const inFlight: string[] = [];
    const count = (run: RunRecord | undefined): void => {
      done += 1;
      if (run?.state !== 'succeeded') failed += 1;
    };
    for (const id of b.inFlight) {
      const run = await store.getRun(id);
      if (run === undefined || TERMINAL_RUN_STATES.has(run.state)) count(run);
      else inFlight.push(id);
    }
    while (next !== null && inFlight.length < b.maxActiveRuns) {
      const run = await deps.submit(dag, {
        idempotencyKey: runKey(dag, next),
        scheduledFor: next,
        labels: { [BACKFILL_LABEL]: b.id },
      });
      submitted += 1;
      if (TERMINAL_RUN_STATES.has(run.state)) count(run);
      else inFlight.push(run.id);
      const following = nextTick(b.schedule, b.timezone ?? undefined, next);
      next = following !== null && following < b.to ? following : null;
    }
    const finished = next === null && inFlight.length === 0;
    const unchanged =
      !finished && done === b.done && submitted === b.submitted && inFlight.length === b.inFlight.length;
    if (unchanged) return b;
    const now = clock.now();
    return store.updateBackfill(
      b.id,
      b.revision,
      {
        submitted,
        done,
        failed,
        nextTick: next,
        inFlight,
        ...(finished ? { state: 'completed' as const, finishedAt: now } : {}),
      },
      now,
    );
  }

  async function advanceSafely(b: BackfillRecord): Promise<void> {
    try {
      const saved = await advance(b);
      if (saved === undefined) logger.debug({ backfill: b.id }, 'another driver advanced the backfill first');
    } catch (error) {
      if (KontrolerError.is(error, 'DAG_NOT_FOUND')) {
        // The DAG was deleted: nothing more can run. Stop rather than retry forever.
        logger.warn({ backfill: b.id }, 'the DAG of a backfill is gone: canceling it');
        await store
          .updateBackfill(
            b.id,
            b.revision,
            { state: 'canceled', nextTick: null, finishedAt: clock.now() },
            clock.now(),
          )
          .catch(() => undefined);
        return;
      }
      logger.error({ err: error, backfill: b.id }, 'backfill step failed');
    }
  }

  async function stepOnce(): Promise<void> {
    for (const b of await store.listRunningBackfills()) await advanceSafely(b);
  }

  function arm(ms: number): void {
    if (!running) return;
    if (timer !== null) clock.clearTimeout(timer);
    timer = clock.setTimeout(() => {
      timer = null;
      void loop();
    }, ms);
  }

  async function loop(): Promise<void> {
    try {
      await driver.step();
    } catch (error) {
      logger.error({ err: error }, 'backfill driver pass failed');
    }
    arm(pollIntervalMs);
  }

  const onRunFinished = (): void => {
    if (running)
      void driver.step().catch((error: unknown) => logger.error({ err: error }, 'backfill step failed'));
  };

  const driver: BackfillDriver = {
    async create(input) {
      const { ticks, truncated } = ticksBetween(
        input.schedule,
        input.timezone ?? undefined,
        input.from,
        input.to,
        maxTicks,
      );
      if (truncated) {
        throw Errors.parameterInvalid(
          'to',
          'type',
          `the range holds more than ${maxTicks} ticks of "${input.schedule}": split it`,
        );
      }
      const first = ticks[0];
      if (first === undefined) {
        throw Errors.parameterInvalid('from', 'type', `no tick of "${input.schedule}" falls in [from, to)`);
      }
      const now = clock.now();
      const created = await store.createBackfill({
        id: input.id,
        namespace: input.dag.namespace,
        dagName: input.dag.name,
        from: input.from,
        to: input.to,
        schedule: input.schedule,
        timezone: input.timezone,
        maxActiveRuns: input.maxActiveRuns,
        state: 'running',
        total: ticks.length,
        submitted: 0,
        done: 0,
        failed: 0,
        nextTick: first,
        inFlight: [],
        revision: 0,
        createdAt: now,
        updatedAt: now,
        finishedAt: null,
        createdBy: input.createdBy,
      });
      return (await advance(created)) ?? (await store.getBackfill(created.id)) ?? created;
    },

    async cancel(id) {
      for (let tries = 0; tries < 20; tries++) {
        const b = await store.getBackfill(id);
        if (b === undefined || b.state !== 'running') return b;
        const now = clock.now();
        const canceled = await store.updateBackfill(
          id,
          b.revision,
          { state: 'canceled', nextTick: null, finishedAt: now },
          now,
        );
        if (canceled === undefined) continue;
        for (const runId of canceled.inFlight) await deps.cancel(runId).catch(() => undefined);
        return canceled;
      }
      throw Errors.storeUnavailable(`backfill ${id} kept changing while it was being canceled`);
    },

    async step() {
      // One pass at a time; a call during a pass makes one more pass after it (nothing is missed).
      if (stepping !== null) {
        again = true;
        return stepping;
      }
      stepping = (async () => {
        do {
          again = false;
          await stepOnce();
        } while (again);
      })();
      try {
        await stepping;
      } finally {
        stepping = null;
      }
    },

    start() {
      if (running) return;
      running = true;
      deps.events?.on('run.finished', onRunFinished);
      void loop();
    },

    stop() {
      running = false;
      deps.events?.off('run.finished', onRunFinished);
      if (timer !== null) clock.clearTimeout(timer);
      timer = null;
    },
  };
  return driver;
}
