import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TRIGGER_RULES, compileDag, type DagSpec, type TaskSpec, type TriggerRule } from '../../src/index.js';
import { plan, planRetryFromFailed, retryRoundCommit } from '../../src/planner/index.js';
import { evaluateTriggerRule, type UpstreamCounts } from '../../src/planner/trigger-rules.js';
import { applyRunCommit } from '../../src/index.js';
import { T0, attempt, snap } from './helpers.js';
import { simulate } from './flow-sim.js';

const task = (name: string, fields: Partial<TaskSpec> = {}): TaskSpec => ({
  name,
  image: 'alpine',
  script: 'true',
  ...fields,
});
const dagOf = (tasks: TaskSpec[], more: Partial<DagSpec> = {}): DagSpec => ({ name: 'flow', tasks, ...more });
const ok = () => ({ ok: true });

describe('trigger rules (the table in docs/flow/trigger-rules.md)', () => {
  const c = (total: number, succeeded: number, failed: number, skipped: number): UpstreamCounts => ({
    total,
    succeeded,
    failed,
    skipped,
  });
  const rows: [TriggerRule, UpstreamCounts, ReturnType<typeof evaluateTriggerRule>][] = [
    ['all_success', c(2, 2, 0, 0), 'run'],
    ['all_success', c(2, 1, 0, 0), 'wait'],
    ['all_success', c(2, 0, 1, 0), { skip: 'UpstreamFailed' }],
    ['all_success', c(2, 1, 0, 1), { skip: 'UpstreamSkipped' }],
    ['all_failed', c(2, 0, 2, 0), 'run'],
    ['all_failed', c(2, 1, 1, 0), { skip: 'TriggerRuleUnmet' }],
    ['all_done', c(3, 1, 1, 1), 'run'],
    ['all_done', c(3, 1, 1, 0), 'wait'],
    ['all_skipped', c(2, 0, 0, 2), 'run'],
    ['all_skipped', c(2, 1, 0, 0), { skip: 'TriggerRuleUnmet' }],
    ['one_failed', c(3, 0, 1, 0), 'run'],
    ['one_failed', c(2, 1, 0, 1), { skip: 'TriggerRuleUnmet' }],
    ['one_success', c(3, 1, 0, 0), 'run'],
    ['one_success', c(2, 0, 1, 1), { skip: 'UpstreamFailed' }],
    ['one_success', c(2, 0, 0, 2), { skip: 'UpstreamSkipped' }],
    ['one_done', c(3, 0, 1, 0), 'run'],
    ['one_done', c(2, 0, 0, 2), { skip: 'UpstreamSkipped' }],
    ['none_failed', c(2, 1, 0, 1), 'run'],
    ['none_failed', c(3, 1, 1, 0), { skip: 'UpstreamFailed' }],
    ['none_failed_min_one_success', c(2, 1, 0, 1), 'run'],
    ['none_failed_min_one_success', c(2, 0, 0, 2), { skip: 'UpstreamSkipped' }],
    ['none_skipped', c(2, 1, 1, 0), 'run'],
    ['none_skipped', c(3, 0, 0, 1), { skip: 'UpstreamSkipped' }],
    ['always', c(3, 0, 0, 0), 'run'],
  ];
  it.each(rows)('%s with %j → %j', (rule, counts, verdict) => {
    expect(evaluateTriggerRule(rule, counts)).toEqual(verdict);
  });

  it('never waits once every upstream is done, and a task without upstreams always runs', () => {
    const counts = fc
      .tuple(fc.nat(5), fc.nat(5), fc.nat(5))
      .map(([s, f, k]) => ({ total: s + f + k, succeeded: s, failed: f, skipped: k }));
    fc.assert(
      fc.property(fc.constantFrom(...TRIGGER_RULES), counts, (rule, done) => {
        expect(evaluateTriggerRule(rule, done)).not.toBe('wait');
        expect(evaluateTriggerRule(rule, { total: 0, succeeded: 0, failed: 0, skipped: 0 })).toBe('run');
      }),
    );
  });

  it('keeps a verdict once made: more finished upstreams never turn run/skip back into wait', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...TRIGGER_RULES),
        fc.array(fc.constantFrom('s', 'f', 'k'), { minLength: 1, maxLength: 6 }),
        (rule, outcomes) => {
          let decided: ReturnType<typeof evaluateTriggerRule> | null = null;
          const counts = { total: outcomes.length, succeeded: 0, failed: 0, skipped: 0 };
          for (const o of outcomes) {
            if (o === 's') counts.succeeded++;
            else if (o === 'f') counts.failed++;
            else counts.skipped++;
            const verdict = evaluateTriggerRule(rule, counts);
            if (decided !== null && rule !== 'always') expect(verdict).not.toBe('wait');
            if (verdict !== 'wait') decided ??= verdict;
          }
        },
      ),
    );
  });
});

describe('conditions and skip propagation', () => {
  it('skips a task whose condition is false (ConditionFalse) and its all_success children (UpstreamSkipped); the run succeeds', () => {
    const spec = dagOf([
      task('check', { outputs: [{ name: 'n' }] }),
      task('big', { runAfter: ['check'], when: 'tasks.check.outputs.n > 10' }),
      task('after-big', { runAfter: ['big'] }),
      task('join', { runAfter: ['big'], triggerRule: 'none_failed' }),
    ]);
    const sim = simulate(spec, (name) => (name === 'check' ? { ok: true, outputs: { n: 3 } } : { ok: true }));
    expect(sim.reasons).toMatchObject({
      big: 'ConditionFalse',
      'after-big': 'UpstreamSkipped',
      join: 'Completed',
    });
    expect(sim.snapshot.run.state).toBe('succeeded');
    expect(sim.snapshot.run.reason).toBe('2 of 4 tasks succeeded, 2 skipped');
  });

  // Regression: a run whose only leaf ran with all_done after a failure said "all 3 tasks succeeded".
  it('counts a failed task that an all_done leaf ran after in the succeeded run’s reason', () => {
    const spec = dagOf([
      task('extract'),
      task('transform', { runAfter: ['extract'], backoff: { limit: 0 } }),
      task('report', { runAfter: ['transform'], triggerRule: 'all_done' }),
    ]);
    const sim = simulate(spec, (name) => (name === 'transform' ? { ok: false } : { ok: true }));
    expect(sim.snapshot.run.state).toBe('succeeded');
    expect(sim.snapshot.run.reason).toBe(
      "2 of 3 tasks succeeded, 1 failed (a later task's trigger rule let the run go on)",
    );
  });

  it('runs the branch whose condition holds, reading parameters', () => {
    const spec = dagOf(
      [
        task('a'),
        task('prod', { runAfter: ['a'], when: 'params.env == "prod"' }),
        task('dev', { runAfter: ['a'], when: 'params.env != "prod"' }),
      ],
      { parameters: [{ name: 'env', defaultValue: 'dev' }] },
    );
    const sim = simulate(spec, ok, { parameters: { env: 'prod' } });
    expect(sim.states).toMatchObject({ prod: 'succeeded', dev: 'skipped' });
  });

  it('fails a task whose condition cannot be evaluated (ConditionError), without retrying it', () => {
    const spec = dagOf([
      task('a', { outputs: [{ name: 'x' }] }),
      task('b', { runAfter: ['a'], when: 'tasks.a.outputs.x > 1' }),
    ]);
    const sim = simulate(spec, () => ({ ok: true, outputs: { x: 'text' } }));
    expect(sim.reasons['b']).toBe('ConditionError');
    expect(sim.snapshot.run.state).toBe('failed');
    expect(sim.started).toEqual(['a']);
  });

  it('lets a cleanup leaf with all_done handle a failure: the run succeeds (leaf rule)', () => {
    const spec = dagOf([
      task('work', { backoff: { limit: 0 } }),
      task('cleanup', { runAfter: ['work'], triggerRule: 'all_done' }),
    ]);
    const sim = simulate(spec, (name) => ({ ok: name !== 'work' }));
    expect(sim.states).toEqual({ work: 'failed', cleanup: 'succeeded' });
    expect(sim.snapshot.run.state).toBe('succeeded');
    const plain = simulate(
      dagOf([task('work', { backoff: { limit: 0 } }), task('next', { runAfter: ['work'] })]),
      (n) => ({
        ok: n !== 'work',
      }),
    );
    expect(plain.snapshot.run.state).toBe('failed');
    expect(plain.snapshot.run.reason).toBe('task work failed with exit code 1 after 1 attempt');
  });
});

describe('forEach', () => {
  const fanOut = (parallelism?: number, limit = 0): DagSpec =>
    dagOf([
      task('list', { outputs: [{ name: 'files' }] }),
      task('process', {
        runAfter: ['list'],
        forEach: {
          from: '{{ tasks.list.outputs.files }}',
          ...(parallelism === undefined ? {} : { parallelism }),
        },
        outputs: [{ name: 'size' }],
        backoff: { limit },
      }),
      task('sum', { runAfter: ['process'], when: 'size(tasks.process.outputs.size) == 5' }),
    ]);

  it('creates one instance per item, at most `parallelism` at once, and gives downstream the outputs as a list', () => {
    const sim = simulate(fanOut(2), (name) =>
      name === 'list'
        ? { ok: true, outputs: { files: ['a', 'b', 'c', 'd', 'e'] } }
        : { ok: true, outputs: { size: name.length } },
    );
    expect(sim.started).toEqual([
      'list',
      'process[0]',
      'process[1]',
      'process[2]',
      'process[3]',
      'process[4]',
      'sum',
    ]);
    const base = sim.snapshot.attempts.find((a) => a.taskName === 'process');
    expect(base).toMatchObject({ state: 'succeeded', outputs: { size: [10, 10, 10, 10, 10] } });
    expect(sim.snapshot.run.state).toBe('succeeded');
    // Never more than two instances at once, in index order.
    expect(sim.batches).toEqual([
      ['list'],
      ['process[0]', 'process[1]'],
      ['process[2]', 'process[3]'],
      ['process[4]'],
      ['sum'],
    ]);
  });

  it('retries per instance and fails the task (and run) when an instance fails for good', () => {
    const tries = new Map<string, number>();
    const sim = simulate(fanOut(undefined, 1), (name) => {
      tries.set(name, (tries.get(name) ?? 0) + 1);
      if (name === 'list') return { ok: true, outputs: { files: [1, 2, 3, 4, 5] } };
      return { ok: name !== 'process[3]', outputs: { size: 1 } };
    });
    expect(tries.get('process[3]')).toBe(2);
    expect(tries.get('process[1]')).toBe(1);
    expect(sim.states).toMatchObject({ process: 'failed', 'process[3]': 'failed', sum: 'skipped' });
    expect(sim.snapshot.run.state).toBe('failed');
  });

  it('skips the task on an empty list (EmptyForEach) and fails it on a value that is not a list (ForEachError)', () => {
    const empty = simulate(fanOut(), (n) =>
      n === 'list' ? { ok: true, outputs: { files: [] } } : { ok: true },
    );
    expect(empty.reasons).toMatchObject({ process: 'EmptyForEach', sum: 'UpstreamSkipped' });
    const bad = simulate(fanOut(), (n) =>
      n === 'list' ? { ok: true, outputs: { files: 'a,b' } } : { ok: true },
    );
    expect(bad.reasons['process']).toBe('ForEachError');
    expect(bad.snapshot.run.state).toBe('failed');
  });

  it('retry-from-failed reruns only the instances that did not succeed', () => {
    const spec = fanOut(undefined, 0);
    const dag = compileDag(spec);
    const first = simulate(dag, (name) =>
      name === 'list'
        ? { ok: true, outputs: { files: [1, 2, 3, 4, 5] } }
        : { ok: name !== 'process[2]', outputs: { size: 2 } },
    );
    expect(first.snapshot.run.state).toBe('failed');
    const round = planRetryFromFailed(dag, first.snapshot);
    if (!round.ok) throw round.error;
    expect(round.rerun).toEqual(['process', 'sum']);
    let n = 0;
    const reopened = applyRunCommit(
      first.snapshot,
      retryRoundCommit(first.snapshot, round, 1, T0 + 1e6, () => `r-${++n}`),
    );
    if (reopened === 'conflict') throw new Error('conflict');
    const second = simulate(dag, () => ({ ok: true, outputs: { size: 2 } }), { start: reopened });
    expect(second.started).toEqual(['process[2]', 'sum']);
    expect(second.snapshot.run.state).toBe('succeeded');
  });
});

describe('exit handlers', () => {
  const spec = (failsRun = false): DagSpec =>
    dagOf([task('work', { backoff: { limit: 0 } })], {
      onExit: [
        task('notify', { when: 'run.status == "failed" && "work" in run.failedTasks' }),
        task('archive', { runAfter: ['notify'], triggerRule: 'all_done' }),
      ],
      onExitFailsRun: failsRun,
    });

  it('run after the main tasks whatever the outcome, with run.status; the run keeps its outcome', () => {
    const sim = simulate(spec(), (name) => ({ ok: name !== 'work' }));
    expect(sim.started).toEqual(['work', 'notify', 'archive']);
    expect(sim.snapshot.run.state).toBe('failed');
    expect(sim.snapshot.run.reason).toBe('task work failed with exit code 1 after 1 attempt');
    const succeeded = simulate(spec(), ok);
    expect(succeeded.states).toMatchObject({ notify: 'skipped', archive: 'succeeded' });
    expect(succeeded.snapshot.run.state).toBe('succeeded');
  });

  it('a failing exit handler fails the run only with onExitFailsRun', () => {
    const failExit = (name: string) => ({ ok: name !== 'archive' });
    expect(simulate(spec(false), failExit).snapshot.run.state).toBe('succeeded');
    const strict = simulate(spec(true), failExit);
    expect(strict.snapshot.run.state).toBe('failed');
    expect(strict.snapshot.run.reason).toMatch(/^exit handler archive failed/);
  });
});

describe('run deadline', () => {
  const dag = compileDag(
    dagOf([task('slow'), task('next', { runAfter: ['slow'] })], {
      activeDeadlineSeconds: 60,
      onExit: [task('report', { args: ['{{ run.status }}'] })],
    }),
  );

  it('wakes at the deadline, then aborts running attempts, cancels the rest, runs exit handlers and fails', () => {
    const running = snap([attempt('slow', 'running', { startedAt: T0 }), attempt('next', 'waiting')], {
      startedAt: T0,
    });
    expect(plan(dag, running, T0 + 1000).wakeAt).toBe(T0 + 60_000);
    const late = plan(dag, running, T0 + 60_000);
    expect(late.decisions).toEqual([
      { kind: 'abort', attemptId: 'slow#1', task: 'slow', reason: 'DeadlineExceeded' },
      { kind: 'cancel', attemptId: 'next#1', task: 'next', reason: 'DeadlineExceeded' },
    ]);
    const stopped = snap(
      [
        attempt('slow', 'failed', { reason: 'DeadlineExceeded' }),
        attempt('next', 'canceled', { reason: 'DeadlineExceeded' }),
      ],
      { startedAt: T0 },
    );
    expect(plan(dag, stopped, T0 + 61_000).decisions).toEqual([
      { kind: 'add', why: 'exit', attempts: [{ task: 'report', attempt: 1 }] },
    ]);
    const reported = snap([...stopped.attempts, attempt('report', 'succeeded')], { startedAt: T0 });
    const finish = plan(dag, reported, T0 + 62_000).decisions[0];
    expect(finish).toMatchObject({ kind: 'finish-run', state: 'failed' });
    expect(finish?.kind === 'finish-run' && finish.reason).toMatch(/^DeadlineExceeded/);
  });

  it('a run-level deadline wins over the DAG one', () => {
    const running = snap([attempt('slow', 'running', { startedAt: T0 }), attempt('next', 'waiting')], {
      startedAt: T0,
      activeDeadlineSeconds: 5,
    });
    expect(plan(dag, running, T0).wakeAt).toBe(T0 + 5000);
  });

  // Regression: the plan that started a run set no wake-up, so a run whose tasks hung was never stopped
  // (no later plan came before the tasks ended) — found by the API's per-run deadline test.
  it('the plan that starts the run wakes it at its deadline', () => {
    const pending = snap([attempt('slow', 'waiting'), attempt('next', 'waiting')], {
      state: 'pending',
      startedAt: null,
      activeDeadlineSeconds: 5,
    });
    const started = plan(dag, pending, T0);
    expect(started.decisions[0]).toEqual({ kind: 'start-run' });
    expect(started.wakeAt).toBe(T0 + 5000);
  });
});
