/**
 * RunPlanner plans incrementally; `plan()` passes over the whole run. Property: driven through random runs
 * (trigger rules, conditions, forEach, retries, timeouts, approvals, exit handlers, deadlines, cancels,
 * decisions dropped as a lost commit drops them, snapshots read anew), both give the same result at every
 * step.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TRIGGER_RULES, type CompiledDag, type CompiledTask, type RunSnapshot } from '../../src/index.js';
import type { RunCommit } from '../../src/ports/store.js';
import { applyRunCommit } from '../../src/model/apply-commit.js';
import { addDecisions, outcomeChange, plan, toCommit } from '../../src/planner/index.js';
import { RunPlanner } from '../../src/planner/run-planner.js';
import { attempt, dagOf, freshRun, snap, T0, type TaskDef } from './helpers.js';

interface Shape {
  readonly defs: TaskDef[];
  readonly rules: number[];
  readonly approvals: boolean[];
  /** forEach items per task (none for most), and the parallelism (0: none). */
  readonly fanOuts: (readonly [number, number] | null)[];
  /** `when` per task: an index into WHENS (beyond it: none). */
  readonly whens: number[];
  readonly exitHandler: boolean;
}

/**
 * Conditions: constant, on an item, on an earlier task's status (t0 comes first in every DAG), and one that
 * always fails to evaluate (CEL has no `%` on doubles, and JSON numbers are doubles).
 */
const WHENS = [
  'true',
  'false',
  'int(item) % 2 == 0',
  'item % 2.0 == 0.0',
  'tasks.t0.status == "succeeded"',
  'tasks.t0.status == "failed"',
];

const shapeArb = fc
  .integer({ min: 1, max: 12 })
  .chain((n) =>
    fc.record({
      edges: fc.array(fc.array(fc.boolean(), { minLength: n, maxLength: n }), { minLength: n, maxLength: n }),
      limits: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: n, maxLength: n }),
      timeouts: fc.array(fc.option(fc.integer({ min: 1, max: 90 }), { nil: undefined }), {
        minLength: n,
        maxLength: n,
      }),
      rules: fc.array(fc.integer({ min: 0, max: 2 * TRIGGER_RULES.length }), { minLength: n, maxLength: n }),
      approvals: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
      fanOuts: fc.array(
        fc.option(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 3 })), { nil: null }),
        { minLength: n, maxLength: n },
      ),
      whens: fc.array(fc.integer({ min: 0, max: 3 * WHENS.length }), { minLength: n, maxLength: n }),
      exitHandler: fc.boolean(),
    }),
  )
  .map(({ edges, limits, timeouts, rules, approvals, fanOuts, whens, exitHandler }): Shape => ({
    defs: limits.map((limit, i) => ({
      name: `t${i}`,
      runAfter: edges[i]!.flatMap((on, j) => (on && j < i && (i + j) % 3 !== 0 ? [`t${j}`] : [])),
      limit,
      retryCodes: i % 4 === 3 ? [1] : null,
      ...(timeouts[i] === undefined ? {} : { timeoutSeconds: timeouts[i] }),
    })),
    rules,
    // An approval on about one task in eight.
    approvals: approvals.map((on, i) => on && i % 4 === 1),
    // A fan-out on about one task in six; a condition on about one in three.
    fanOuts: fanOuts.map((f, i) => (i % 3 === 2 ? f : null)),
    whens,
    exitHandler,
  }));

/** The shape as a compiled DAG: half the tasks keep the default trigger rule. */
function dagFrom(shape: Shape): CompiledDag {
  const base = dagOf(shape.defs);
  const tasks = new Map<string, CompiledTask>();
  shape.defs.forEach((def, i) => {
    const task = base.tasks.get(def.name)!;
    const rule = TRIGGER_RULES[shape.rules[i]! - TRIGGER_RULES.length];
    const fanOut = shape.fanOuts[i];
    const when = WHENS[shape.whens[i]!];
    tasks.set(def.name, {
      ...task,
      ...(rule === undefined ? {} : { triggerRule: rule }),
      ...(fanOut === null || fanOut === undefined
        ? {}
        : {
            forEach: {
              items: Array.from({ length: fanOut[0] }, (_, k) => k),
              ...(fanOut[1] === 0 ? {} : { parallelism: fanOut[1] }),
            },
          }),
      ...(when === undefined || (when.includes('item') && fanOut === null) ? {} : { when }),
      spec: shape.approvals[i]
        ? { ...task.spec, approval: { timeoutSeconds: 30, onTimeout: 'reject' } }
        : task.spec,
    });
  });
  const exits = shape.exitHandler ? dagOf([{ name: 'cleanup' }]).tasks : undefined;
  return {
    ...base,
    tasks,
    ...(exits === undefined ? {} : { onExit: exits, exitOrder: ['cleanup'] }),
  };
}

const TERMINAL = ['succeeded', 'failed', 'canceled'];

describe('RunPlanner', () => {
  it('plans exactly as plan() at every step of random runs', () => {
    // Plans after which the run's statuses were kept: the incremental path, not only plan() behind it.
    let kept = 0;
    fc.assert(
      fc.property(
        shapeArb,
        fc.array(fc.integer({ min: 0, max: 99 }), { minLength: 20, maxLength: 300 }),
        fc.option(fc.integer({ min: 30, max: 600 }), { nil: null }),
        (shape, moves, deadline) => {
          const dag = dagFrom(shape);
          const planner = new RunPlanner();
          let state: RunSnapshot = freshRun(dag);
          if (deadline !== null) state = { ...state, run: { ...state.run, activeDeadlineSeconds: deadline } };
          let now = T0;
          let ids = 0;
          const commit = (c: RunCommit | null): void => {
            if (c === null) return;
            const next = applyRunCommit(state, c);
            if (next === 'conflict') throw new Error('conflicting commit');
            state = next;
          };
          const guarded = (rest: Omit<RunCommit, 'runId' | 'expectRevision'>): RunCommit => ({
            runId: state.run.id,
            expectRevision: state.run.revision,
            ...rest,
          });
          let planned = 0;
          for (const move of moves) {
            if (TERMINAL.includes(state.run.state)) break;
            const expected = plan(dag, state, now);
            const actual = planner.plan(dag, state, now);
            expect(actual).toEqual(expected);
            planned++;
            if (planner.size > 0) kept++;
            const pick = <T>(items: readonly T[]): T | undefined => items[move % Math.max(items.length, 1)];
            if (move < 45) {
              const parts = addDecisions(
                { attempts: [], newAttempts: [] },
                state,
                expected.decisions,
                now,
                () => `x${++ids}`,
              );
              commit(toCommit(state, parts));
            } else if (move < 50) {
              // The decisions are lost (a conflicting commit): the next plan must make them again.
            } else if (move < 68) {
              const running = pick(state.attempts.filter((a) => a.state === 'running'));
              if (running === undefined) continue;
              const code = move % 3 === 0 ? 0 : move % 5 === 0 ? 0 : 1 + (move % 2);
              commit(
                guarded({
                  attempts: [
                    outcomeChange(
                      running.id,
                      {
                        status: code === 0 ? 'succeeded' : 'failed',
                        exitCode: code,
                        reason: code === 0 ? 'Completed' : 'Error',
                      },
                      now,
                    ),
                  ],
                }),
              );
            } else if (move < 82) {
              const claimable = pick(
                state.attempts.filter((a) => a.state === 'ready' || a.state === 'retrying'),
              );
              if (claimable === undefined) continue;
              now = Math.max(now, claimable.availableAt ?? now);
              commit(
                guarded({
                  attempts: [
                    {
                      id: claimable.id,
                      expectState: claimable.state,
                      set: { state: 'running', startedAt: now },
                    },
                  ],
                }),
              );
            } else if (move < 88) {
              const awaiting = pick(state.attempts.filter((a) => a.state === 'awaiting'));
              if (awaiting === undefined) continue;
              const approve = move % 2 === 0;
              commit(
                guarded({
                  attempts: [
                    {
                      id: awaiting.id,
                      expectState: 'awaiting',
                      set: {
                        state: approve ? 'succeeded' : 'failed',
                        reason: approve ? 'Approved' : 'Rejected',
                        finishedAt: now,
                      },
                    },
                  ],
                }),
              );
            } else if (move < 95) {
              now += (move - 87) * 15_000;
            } else if (move < 98) {
              // Read anew from a store: every record is a new object.
              state = { run: { ...state.run }, attempts: state.attempts.map((a) => ({ ...a })) };
            } else if (!state.run.cancelRequested) {
              commit(guarded({ run: { cancelRequested: true } }));
            }
          }
          expect(planned).toBeGreaterThan(0);
        },
      ),
      { numRuns: 400 },
    );
    expect(kept).toBeGreaterThan(5_000);
  });

  it('keeps each run apart, and forgets the least recently planned runs beyond its bound', () => {
    const dag = dagOf([{ name: 'a' }, { name: 'b', runAfter: ['a'] }, { name: 'c', runAfter: ['a'] }]);
    const planner = new RunPlanner({ maxTasks: 6 });
    const running = (id: string, aState: 'running' | 'succeeded'): RunSnapshot =>
      snap(
        [
          attempt('a', aState, { runId: id }),
          attempt('b', 'waiting', { runId: id }),
          attempt('c', 'waiting', { runId: id }),
        ],
        {
          id,
        },
      );
    for (const id of ['r1', 'r2', 'r3']) {
      expect(planner.plan(dag, running(id, 'running'), T0)).toEqual({ decisions: [], wakeAt: null });
    }
    expect(planner.size).toBe(2);
    const next = planner.plan(dag, running('r1', 'succeeded'), T0);
    expect(next.decisions.map((d) => d.kind === 'ready' && d.task)).toEqual(['b', 'c']);
    planner.forget('r1');
    expect(planner.size).toBe(1);
  });

  it('hands runs it does not plan incrementally to plan()', () => {
    const dag = dagOf([{ name: 'a' }]);
    const planner = new RunPlanner();
    const pending = freshRun(dag);
    expect(planner.plan(dag, pending, T0)).toEqual(plan(dag, pending, T0));
    expect(planner.size).toBe(0);
    const done = snap([attempt('a', 'succeeded')]);
    expect(planner.plan(dag, done, T0).decisions).toEqual([
      { kind: 'finish-run', state: 'succeeded', reason: 'all 1 tasks succeeded' },
    ]);
    expect(planner.size).toBe(0);
  });
});
