/**
 * Drives a planner, `plan(dag, snapshot, now)` or the engine's incremental `RunPlanner`, through whole runs on an in-memory run state: no
 * store, no engine, no commit checks. The driver plays the engine's part in the plainest way: it applies
 * each `ready` decision (waiting → ready), claims every ready attempt (ready → running) and records one
 * outcome at a time (running → succeeded), calling `plan` again after every outcome, as the engine plans
 * on every commit when outcomes do not arrive together. What it counts are those attempt moves, 3 per
 * task; the time is `plan` plus the driver's record copies (records stay immutable, as in the engine).
 */
import {
  compileDag,
  plan,
  RunPlanner,
  type AttemptRecord,
  type RunRecord,
  type RunSnapshot,
} from '@kontroler/core';
import { makeRun } from '@kontroler/core/testing';

/** A DAG document, as `compileDag` takes it. */
type DagDocument = Parameters<typeof compileDag>[0];

export interface PlannerDrive {
  /** Attempt moves made (waiting → ready → running → succeeded: 3 per task). */
  readonly transitions: number;
  /** `plan` calls made. */
  readonly plans: number;
  readonly seconds: number;
  readonly cpuSeconds: number;
}

/**
 * A plain literal rather than the test kit's `makeAttempt`: it is built inside the timed loop, where
 * makeAttempt's generated id and copy of a frozen record would be counted as planner time.
 */
function firstAttempt(runId: string, taskName: string): AttemptRecord {
  return {
    id: `${runId}/${taskName}#1`,
    runId,
    taskName,
    attempt: 1,
    round: 1,
    state: 'waiting',
    exitCode: null,
    reason: null,
    message: null,
    createdAt: 0,
    availableAt: null,
    startedAt: null,
    finishedAt: null,
    leaseOwner: null,
    leaseExpiresAt: null,
    runtime: null,
    nonRetryable: false,
    retryAfterMs: null,
    failureKind: null,
  };
}

/**
 * Which planner: `full` is `plan()`, a pass over the whole run per call; `incremental` is what the engine
 * calls, a `RunPlanner` that revisits only what changed since the run's previous plan.
 */
export type PlannerKind = 'full' | 'incremental';

/** Runs `runs` runs of `document` to the end, one after another; throws if one does not succeed. */
export function drivePlanner(document: DagDocument, runs: number, kind: PlannerKind): PlannerDrive {
  const dag = compileDag(document);
  const planner = new RunPlanner();
  const planOf =
    kind === 'full' ? plan : (d: typeof dag, state: RunSnapshot, now: number) => planner.plan(d, state, now);
  const taskNames = [...dag.order];
  let transitions = 0;
  let plans = 0;
  let now = 1;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  for (let r = 0; r < runs; r++) {
    const runId = `run-${r}`;
    let run: RunRecord = makeRun({ id: runId, dagName: dag.name, revision: 1, createdAt: 0 });
    const attempts = taskNames.map((name) => firstAttempt(runId, name));
    const index = new Map(attempts.map((a, i) => [a.id, i]));
    const running: number[] = [];
    const move = (i: number, fields: Partial<AttemptRecord>): void => {
      attempts[i] = { ...(attempts[i] as AttemptRecord), ...fields };
      transitions++;
    };
    for (;;) {
      const snapshot: RunSnapshot = { run, attempts };
      const { decisions } = planOf(dag, snapshot, now++);
      plans++;
      let finished = false;
      for (const decision of decisions) {
        if (decision.kind === 'start-run') run = { ...run, state: 'running', startedAt: now };
        else if (decision.kind === 'ready') {
          const i = index.get(decision.attemptId) as number;
          move(i, { state: 'ready', availableAt: now });
          // Claimed at once, as an idle worker with free slots does.
          move(i, { state: 'running', startedAt: now, leaseOwner: 'driver', leaseExpiresAt: now + 60_000 });
          running.push(i);
        } else if (decision.kind === 'finish-run') {
          if (decision.state !== 'succeeded')
            throw new Error(`run ${runId} ${decision.state}: ${decision.reason}`);
          run = { ...run, state: 'succeeded', finishedAt: now, reason: decision.reason };
          finished = true;
        } else throw new Error(`unexpected decision ${decision.kind}`);
      }
      if (finished) break;
      const done = running.shift();
      if (done === undefined) throw new Error(`run ${runId} stalled: nothing ready or running`);
      move(done, {
        state: 'succeeded',
        exitCode: 0,
        reason: 'Completed',
        finishedAt: now,
        leaseOwner: null,
        leaseExpiresAt: null,
      });
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  return { transitions, plans, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}
