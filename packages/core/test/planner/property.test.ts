/**
 * Property: for random DAGs and random outcome sequences, driving the planner (plan → commit → claim →
 * outcome) always finishes the run, never starts a task before its parents succeeded, never exceeds
 * backoffLimit+1 attempts per task, and only ever produces allowed state moves.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ATTEMPT_TRANSITIONS, RUN_TRANSITIONS, canTransition, type RunSnapshot } from '../../src/index.js';
import type { RunCommit } from '../../src/ports/store.js';
import { applyRunCommit } from '../../src/model/apply-commit.js';
import { addDecisions, indexAttempts, outcomeChange, plan, toCommit } from '../../src/planner/index.js';
import { dagOf, freshRun, T0, type TaskDef } from './helpers.js';

const dagArb = fc
  .integer({ min: 1, max: 8 })
  .chain((n) =>
    fc.tuple(
      fc.array(fc.array(fc.boolean(), { minLength: n, maxLength: n }), { minLength: n, maxLength: n }),
      fc.array(fc.integer({ min: 0, max: 3 }), { minLength: n, maxLength: n }),
      fc.array(fc.option(fc.subarray([0, 1, 2, 3]), { nil: null }), { minLength: n, maxLength: n }),
    ),
  )
  .map(([edges, limits, codes]): TaskDef[] =>
    limits.map((limit, i) => ({
      name: `t${i}`,
      // Edges only from lower to higher index: acyclic, parents listed first.
      runAfter: edges[i]!.flatMap((on, j) => (on && j < i ? [`t${j}`] : [])),
      limit,
      retryCodes: codes[i] ?? null,
    })),
  );

function apply(state: RunSnapshot, commit: RunCommit | null): RunSnapshot {
  if (commit === null) return state;
  for (const change of commit.attempts ?? []) {
    const from = state.attempts.find((a) => a.id === change.id)!.state;
    const to = change.set.state ?? from;
    if (to !== from) expect(canTransition(ATTEMPT_TRANSITIONS, from, to)).toBe(true);
  }
  const runTo = commit.run?.state;
  if (runTo !== undefined) expect(canTransition(RUN_TRANSITIONS, state.run.state, runTo)).toBe(true);
  const next = applyRunCommit(state, commit);
  if (next === 'conflict') throw new Error('planner produced a conflicting commit');
  return next;
}

describe('planner property', () => {
  it('drives every random run to an end within the rules', () => {
    fc.assert(
      fc.property(
        dagArb,
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 64 }),
        fc.boolean(),
        (defs, exits, cancelMidway) => {
          const dag = dagOf(defs);
          let state = freshRun(dag);
          let now = T0;
          let ids = 0;
          let outcomes = 0;
          for (let step = 0; step < 500; step++) {
            if (
              cancelMidway &&
              step === 5 &&
              !['succeeded', 'failed', 'canceled'].includes(state.run.state)
            ) {
              state = apply(state, {
                runId: state.run.id,
                expectRevision: state.run.revision,
                run: { cancelRequested: true },
              });
            }
            const result = plan(dag, state, now);
            state = apply(
              state,
              toCommit(
                state,
                addDecisions(
                  { attempts: [], newAttempts: [] },
                  state,
                  result.decisions,
                  now,
                  () => `x${++ids}`,
                ),
              ),
            );
            if (['succeeded', 'failed', 'canceled'].includes(state.run.state)) break;

            const aborted = result.decisions.find((d) => d.kind === 'abort');
            const running = state.attempts.find((a) => a.state === 'running');
            if (aborted !== undefined && aborted.kind === 'abort') {
              state = apply(state, {
                runId: state.run.id,
                expectRevision: state.run.revision,
                attempts: [
                  outcomeChange(
                    aborted.attemptId,
                    { status: 'failed', exitCode: null, reason: aborted.reason },
                    now,
                  ),
                ],
              });
              continue;
            }
            if (running !== undefined) {
              const exitCode = exits[outcomes++ % exits.length]!;
              state = apply(state, {
                runId: state.run.id,
                expectRevision: state.run.revision,
                attempts: [
                  outcomeChange(
                    running.id,
                    {
                      status: exitCode === 0 ? 'succeeded' : 'failed',
                      exitCode,
                      reason: exitCode === 0 ? 'Completed' : 'Error',
                    },
                    now,
                  ),
                ],
              });
              continue;
            }
            // Claim the earliest claimable attempt, moving time to it when it is a retry.
            const claimable = state.attempts
              .filter((a) => a.state === 'ready' || a.state === 'retrying')
              .sort((a, b) => (a.availableAt ?? 0) - (b.availableAt ?? 0))[0];
            expect(claimable).toBeDefined();
            now = Math.max(now, claimable!.availableAt ?? now);
            const latest = indexAttempts(state);
            for (const parent of dag.tasks.get(claimable!.taskName)!.runAfter) {
              expect(latest.get(parent)?.latest.state).toBe('succeeded');
            }
            state = apply(state, {
              runId: state.run.id,
              expectRevision: state.run.revision,
              attempts: [
                {
                  id: claimable!.id,
                  expectState: claimable!.state,
                  set: { state: 'running', startedAt: now },
                },
              ],
            });
          }

          expect(['succeeded', 'failed', 'canceled']).toContain(state.run.state);
          for (const [name, task] of dag.tasks) {
            const count = state.attempts.filter((a) => a.taskName === name).length;
            expect(count).toBeLessThanOrEqual(task.backoffLimit + 1);
          }
          for (const a of state.attempts)
            expect(['succeeded', 'failed', 'skipped', 'canceled']).toContain(a.state);
          if (state.run.state === 'succeeded') {
            expect(state.attempts.filter((a) => a.state === 'succeeded').length).toBe(dag.order.length);
          }
          if (state.run.state === 'failed')
            expect(state.attempts.some((a) => a.state === 'failed')).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});
