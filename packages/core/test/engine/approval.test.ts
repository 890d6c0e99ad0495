/**
 * Approval tasks (docs/approval.md) on the memory store with the fake clock: a person approves or rejects
 * through the run service, or the timeout applies its outcome; waiting holds no worker slot, and the
 * timeout survives a worker restart (it lives in the store, as a retry's backoff does).
 */
import { describe, expect, it } from 'vitest';
import { KontrolerError, createEngine, validateDag, type AttemptRecord } from '../../src/index.js';
import { FakeClock, FakeRuntime, createMemoryStore } from '../../src/testing/index.js';
import { counterIds, harness, Recorder, type Harness, type Recorded } from './harness.js';

const TIMEOUT_S = 3600;

function gated(onTimeout: 'approve' | 'reject', extra: Record<string, unknown> = {}) {
  return {
    name: `gated-${onTimeout}`,
    tasks: [
      { name: 'build', image: 'alpine:3', command: ['true'] },
      {
        name: 'gate',
        runAfter: ['build'],
        approval: { timeoutSeconds: TIMEOUT_S, onTimeout, message: 'ship it?', ...extra },
      },
      { name: 'deploy', image: 'alpine:3', command: ['true'], runAfter: ['gate'] },
    ],
  };
}

async function awaitingGate(h: Harness, onTimeout: 'approve' | 'reject') {
  await h.engine.registerDag(gated(onTimeout));
  const run = await h.engine.submit(`gated-${onTimeout}`);
  const event = await h.recorder.until((e) => e.name === 'task.awaitingApproval');
  return { run, event };
}

const runOf = (e: Recorded): string | undefined => (e.payload as { run?: { id: string } }).run?.id;

async function gateOf(h: Harness, runId: string): Promise<AttemptRecord[]> {
  const snapshot = await h.engine.getRun(runId);
  return (snapshot?.attempts ?? []).filter((a) => a.taskName === 'gate');
}

describe('approval task', () => {
  it('waits for a person, and approving it runs what follows', async () => {
    const h = await harness();
    const { run, event } = await awaitingGate(h, 'reject');
    expect(event.payload).toMatchObject({
      timeoutAt: h.clock.now() + TIMEOUT_S * 1000,
      // What a person deciding needs (the webhook carries it): the message, and the default approvers.
      approval: {
        message: 'ship it?',
        approvers: ['editor'],
        timeoutSeconds: TIMEOUT_S,
        onTimeout: 'reject',
      },
    });
    const [waiting] = await gateOf(h, run.id);
    expect(waiting).toMatchObject({ state: 'awaiting', availableAt: h.clock.now() + TIMEOUT_S * 1000 });
    expect(h.runtime.callsOf('gate')).toHaveLength(0);

    const after = await h.engine.decideApproval(run.id, 'gate', {
      decision: 'approve',
      by: 'alice',
      comment: 'looks good',
    });
    expect(after.attempts.find((a) => a.taskName === 'gate')).toMatchObject({
      state: 'succeeded',
      reason: 'Approved',
      decidedBy: 'alice',
      message: 'looks good',
    });
    expect((await h.recorder.finished(run.id)).state).toBe('succeeded');
    expect(h.runtime.callsOf('deploy')).toHaveLength(1);
    expect(h.recorder.trace(run.id)).toContain('task.awaitingApproval:gate');
    expect(h.recorder.trace(run.id)).toContain('task.succeeded:gate');
    await h.engine.stop();
  });

  it('rejecting it fails the task once (no retry) and skips what follows', async () => {
    const h = await harness();
    const { run } = await awaitingGate(h, 'approve');
    await h.engine.decideApproval(run.id, 'gate', { decision: 'reject', by: 'bob' });
    const finished = await h.recorder.finished(run.id);
    expect(finished.state).toBe('failed');
    const gate = await gateOf(h, run.id);
    expect(gate).toHaveLength(1);
    expect(gate[0]).toMatchObject({ state: 'failed', reason: 'Rejected', decidedBy: 'bob', message: null });
    expect(h.runtime.callsOf('deploy')).toHaveLength(0);
    await h.engine.stop();
  });

  it('refuses a second decision and a task that is not an approval task', async () => {
    const h = await harness();
    const { run } = await awaitingGate(h, 'reject');
    await h.engine.decideApproval(run.id, 'gate', { decision: 'approve', by: 'alice' });
    const again = await h.engine
      .decideApproval(run.id, 'gate', { decision: 'reject', by: 'bob' })
      .catch((e: unknown) => e);
    expect(KontrolerError.is(again, 'APPROVAL_NOT_PENDING')).toBe(true);
    const notApproval = await h.engine
      .decideApproval(run.id, 'build', { decision: 'approve', by: 'bob' })
      .catch((e: unknown) => e);
    expect(KontrolerError.is(notApproval, 'APPROVAL_TASK_NOT_FOUND')).toBe(true);
    await h.recorder.finished(run.id);
    await h.engine.stop();
  });

  it('refuses a decision before the task waits (its parent still runs)', async () => {
    const h = await harness();
    h.runtime.script({ task: 'build' }, { exitCode: 0, delayMs: 5000 });
    await h.engine.registerDag(gated('reject'));
    const run = await h.engine.submit('gated-reject');
    await h.recorder.until((e) => e.name === 'task.started');
    const early = await h.engine
      .decideApproval(run.id, 'gate', { decision: 'approve', by: 'alice' })
      .catch((e: unknown) => e);
    expect(KontrolerError.is(early, 'APPROVAL_NOT_PENDING')).toBe(true);
    expect((early as KontrolerError<'APPROVAL_NOT_PENDING'>).details.state).toBe('waiting');
    await h.engine.stop({ releaseLeases: true });
  });

  for (const onTimeout of ['approve', 'reject'] as const) {
    it(`applies onTimeout: ${onTimeout} when nobody decides in time`, async () => {
      const h = await harness();
      const { run } = await awaitingGate(h, onTimeout);
      await h.clock.advance(TIMEOUT_S * 1000 - 1);
      expect((await gateOf(h, run.id))[0]?.state).toBe('awaiting');
      await h.clock.advance(1);
      const finished = await h.recorder.finished(run.id);
      expect(finished.state).toBe(onTimeout === 'approve' ? 'succeeded' : 'failed');
      const gate = await gateOf(h, run.id);
      expect(gate).toHaveLength(1);
      expect(gate[0]).toMatchObject({
        state: onTimeout === 'approve' ? 'succeeded' : 'failed',
        reason: 'ApprovalTimedOut',
      });
      expect(gate[0]?.decidedBy ?? null).toBeNull();
      expect(h.runtime.callsOf('gate')).toHaveLength(0);
      expect(h.runtime.callsOf('deploy')).toHaveLength(onTimeout === 'approve' ? 1 : 0);
      await h.engine.stop();
    });
  }

  it('holds no worker slot while it waits', async () => {
    const h = await harness({ concurrency: 1 });
    await h.engine.registerDag({
      name: 'side',
      tasks: [
        { name: 'gate', approval: { timeoutSeconds: 60, onTimeout: 'reject' } },
        { name: 'a', image: 'alpine:3', command: ['true'] },
        { name: 'b', image: 'alpine:3', command: ['true'], runAfter: ['a'] },
      ],
    });
    const run = await h.engine.submit('side');
    await h.recorder.until((e) => e.name === 'task.succeeded' && h.runtime.callsOf('b').length === 1);
    expect((await gateOf(h, run.id))[0]?.state).toBe('awaiting');
    await h.engine.decideApproval(run.id, 'gate', { decision: 'approve', by: 'alice' });
    expect((await h.recorder.finished(run.id)).state).toBe('succeeded');
    await h.engine.stop();
  });

  it('is canceled with its run', async () => {
    const h = await harness();
    const { run } = await awaitingGate(h, 'approve');
    await h.engine.cancel(run.id);
    expect((await h.recorder.finished(run.id)).state).toBe('canceled');
    expect((await gateOf(h, run.id))[0]).toMatchObject({ state: 'canceled', reason: 'Canceled' });
    await h.engine.stop();
  });

  it('applies its timeout after a worker restart, whether the timeout passed while down or after', async () => {
    const clock = new FakeClock();
    const store = createMemoryStore();
    const runtime = new FakeRuntime({ clock });
    const a = await harness({ clock, store, runtime, workerId: 'A' });
    await a.engine.registerDag(gated('approve'));
    await a.engine.registerDag({ ...gated('reject'), name: 'gated-later' });
    const early = await a.engine.submit('gated-approve');
    const late = await a.engine.submit('gated-later');
    await a.recorder.until((e) => e.name === 'task.awaitingApproval' && runOf(e) === late.id);
    await a.recorder.until((e) => e.name === 'task.awaitingApproval' && runOf(e) === early.id);
    // A crashes: its timers die with it.
    await a.engine.stop({ releaseLeases: false });
    await clock.advance(TIMEOUT_S * 1000 + 5);

    const b = createEngine({
      store,
      clock,
      runtimes: [runtime],
      workerId: 'B',
      scheduler: false,
      newId: counterIds('b'),
    });
    const recorder = new Recorder(b);
    await b.start();
    // The timeout passed while no worker ran: the first claim records it.
    expect((await recorder.finished(early.id)).state).toBe('succeeded');
    expect((await recorder.finished(late.id)).state).toBe('failed');
    expect(runtime.callsOf('deploy')).toHaveLength(1);

    // A gate that starts waiting on B, then B restarts as C before the timeout.
    const third = await b.submit('gated-later');
    await recorder.until((e) => e.name === 'task.awaitingApproval' && runOf(e) === third.id);
    await b.stop();
    const c = createEngine({
      store,
      clock,
      runtimes: [runtime],
      workerId: 'C',
      scheduler: false,
      newId: counterIds('c'),
    });
    const cRecorder = new Recorder(c);
    await c.start();
    await clock.advance(TIMEOUT_S * 1000);
    expect((await cRecorder.finished(third.id)).state).toBe('failed');
    const gate = (await store.getRunSnapshot(third.id))?.attempts.find((x) => x.taskName === 'gate');
    expect(gate).toMatchObject({ state: 'failed', reason: 'ApprovalTimedOut' });
    await c.stop();
  });
});

describe('approval task validation', () => {
  it('accepts an approval task without image or command', () => {
    expect(validateDag(gated('approve')).ok).toBe(true);
  });

  it('names the field an approval task may not have', () => {
    const doc = gated('approve');
    const result = validateDag({
      ...doc,
      tasks: doc.tasks.map((t) => (t.name === 'gate' ? { ...t, image: 'alpine:3', command: ['x'] } : t)),
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => [e.code, e.path, e.task])).toEqual([
      ['INVALID_APPROVAL', '/tasks/1/image', 'gate'],
      ['INVALID_APPROVAL', '/tasks/1/command', 'gate'],
    ]);
  });

  it('names a bad onTimeout, timeout or approver role', () => {
    for (const [approval, path] of [
      [{ timeoutSeconds: 60, onTimeout: 'maybe' }, '/tasks/1/approval/onTimeout'],
      [{ timeoutSeconds: 0, onTimeout: 'approve' }, '/tasks/1/approval/timeoutSeconds'],
      [{ onTimeout: 'approve' }, '/tasks/1/approval'],
      [{ timeoutSeconds: 60, onTimeout: 'approve', approvers: ['owner'] }, '/tasks/1/approval/approvers/0'],
    ] as const) {
      const doc = gated('approve');
      const result = validateDag({
        ...doc,
        tasks: doc.tasks.map((t) => (t.name === 'gate' ? { ...t, approval } : t)),
      });
      expect(result.ok, JSON.stringify(approval)).toBe(false);
      if (result.ok) continue;
      expect(
        result.errors.some((e) => e.path.startsWith(path)),
        JSON.stringify(result.errors),
      ).toBe(true);
    }
  });
});
