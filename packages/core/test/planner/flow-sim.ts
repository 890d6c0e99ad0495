/**
 * Drives a run through the pure planner alone: plan → commit → apply, with every ready attempt finished at
 * once by `outcome`. No engine, no store, no clock but the `now` we pass: the flow rules end to end. At every
 * step the engine's incremental `RunPlanner` must plan exactly as `plan()` does.
 */
import { expect } from 'vitest';
import {
  applyRunCommit,
  compileDag,
  type AttemptRecord,
  type CompiledDag,
  type DagSpec,
  type RunSnapshot,
} from '../../src/index.js';
import { addDecisions, plan, RunPlanner, toCommit, type Decision } from '../../src/planner/index.js';
import { T0, runOf } from './helpers.js';

export interface SimOutcome {
  readonly ok: boolean;
  readonly outputs?: Readonly<Record<string, unknown>>;
}

export type Outcomes = (taskName: string, attempt: AttemptRecord) => SimOutcome;

export interface SimResult {
  readonly snapshot: RunSnapshot;
  readonly decisions: Decision[];
  /** Latest attempt state per task name (instances and exit handlers included). */
  readonly states: Record<string, string>;
  /** Latest attempt reason per task name. */
  readonly reasons: Record<string, string | null>;
  /** Task names in the order they started. */
  readonly started: string[];
  /** The task names started together, step by step. */
  readonly batches: string[][];
}

function apply(
  snapshot: RunSnapshot,
  decisions: readonly Decision[],
  now: number,
  ids: () => string,
): RunSnapshot {
  const commit = toCommit(
    snapshot,
    addDecisions({ attempts: [], newAttempts: [] }, snapshot, decisions, now, ids),
  );
  if (commit === null) return snapshot;
  const after = applyRunCommit(snapshot, commit);
  if (after === 'conflict') throw new Error('conflict');
  return after;
}

function latestByName(snapshot: RunSnapshot): Map<string, AttemptRecord> {
  const map = new Map<string, AttemptRecord>();
  for (const a of snapshot.attempts) {
    const current = map.get(a.taskName);
    if (current === undefined || a.attempt > current.attempt) map.set(a.taskName, a);
  }
  return map;
}

let lastId = 0;

/** Starts a run of `spec` and plays it to its end (or `maxSteps`), finishing each started attempt at once. */
export function simulate(
  spec: DagSpec | CompiledDag,
  outcomes: Outcomes,
  options: { parameters?: Record<string, string>; maxSteps?: number; start?: RunSnapshot } = {},
): SimResult {
  const dag = 'order' in spec ? spec : compileDag(spec);
  // Unique across simulations, so that a run resumed from another simulation's snapshot never reuses an id.
  const ids = (): string => `id-${++lastId}`;
  let now = T0;
  const parameters = Object.fromEntries(
    Object.entries(options.parameters ?? {}).map(([k, v]) => [k, { value: v }]),
  );
  let snapshot: RunSnapshot = options.start ?? {
    run: runOf({ state: 'pending', startedAt: null, revision: 0, parameters }),
    attempts: dag.order.map((taskName) => ({
      id: ids(),
      runId: 'run-1',
      taskName,
      attempt: 1,
      round: 1,
      state: 'waiting' as const,
      exitCode: null,
      reason: null,
      message: null,
      createdAt: T0,
      availableAt: null,
      startedAt: null,
      finishedAt: null,
      leaseOwner: null,
      leaseExpiresAt: null,
      runtime: null,
      nonRetryable: false,
      retryAfterMs: null,
      failureKind: null,
    })),
  };
  const decisions: Decision[] = [];
  const started: string[] = [];
  const batches: string[][] = [];
  const planner = new RunPlanner();
  const timing = { initialDelayMs: 0, factor: 1, maxDelayMs: 0, jitter: 0 };
  for (let step = 0; step < (options.maxSteps ?? 1000); step++) {
    const result = plan(dag, snapshot, now, { timing });
    expect(planner.plan(dag, snapshot, now, { timing })).toEqual(result);
    decisions.push(...result.decisions);
    snapshot = apply(snapshot, result.decisions, now, ids);
    if (snapshot.run.state !== 'running' && snapshot.run.state !== 'pending') break;
    now += 1000;
    // Claim and finish every ready or due retrying attempt, in order.
    const open = snapshot.attempts.filter((a) => a.state === 'ready' || a.state === 'retrying');
    if (open.length === 0 && result.decisions.length === 0) break;
    const changes = open.map((a) => {
      started.push(a.taskName);
      const out = outcomes(a.taskName, a);
      return {
        id: a.id,
        expectState: a.state,
        set: {
          state: out.ok ? ('succeeded' as const) : ('failed' as const),
          exitCode: out.ok ? 0 : 1,
          reason: out.ok ? 'Completed' : 'Error',
          startedAt: now,
          finishedAt: now,
          failureKind: out.ok ? null : ('exit' as const),
          outputs: out.outputs ?? null,
        },
      };
    });
    if (changes.length > 0) {
      batches.push(open.map((a) => a.taskName));
      // ready → running → done in one commit is not a legal move: go through running first.
      const running = applyRunCommit(snapshot, {
        runId: snapshot.run.id,
        expectRevision: snapshot.run.revision,
        attempts: open.map((a) => ({
          id: a.id,
          expectState: a.state,
          set: { state: 'running' as const, startedAt: now },
        })),
      });
      if (running === 'conflict') throw new Error('conflict');
      const done = applyRunCommit(running, {
        runId: running.run.id,
        expectRevision: running.run.revision,
        attempts: changes.map((c) => ({ ...c, expectState: 'running' as const })),
      });
      if (done === 'conflict') throw new Error('conflict');
      snapshot = done;
    }
  }
  const latest = latestByName(snapshot);
  return {
    snapshot,
    decisions,
    started,
    batches,
    states: Object.fromEntries([...latest].map(([k, a]) => [k, a.state])),
    reasons: Object.fromEntries([...latest].map(([k, a]) => [k, a.reason])),
  };
}
