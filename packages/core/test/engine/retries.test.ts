import { afterEach, describe, expect, it } from 'vitest';
import {
  NonRetryableError,
  RetryAfterError,
  TaskStartError,
  TransientTaskError,
  retryDelay,
  DEFAULT_RETRY_TIMING,
} from '../../src/index.js';
import { dagDoc, harness, type Harness } from './harness.js';

const LOAD = dagDoc('etl', [
  { name: 'load', backoff: { limit: 3 }, conditional: { enabled: true, retryCodes: [2] } },
  { name: 'report', runAfter: ['load'] },
]);

describe('engine: retries', () => {
  let h: Harness;
  afterEach(async () => h?.engine.stop());

  it('retries a listed exit code after its backoff and then succeeds', async () => {
    h = await harness();
    h.runtime
      .script({ task: 'load', attempt: 1 }, { exitCode: 2 })
      .script({ task: 'load', attempt: 2 }, { exitCode: 2 })
      .script({ task: 'load', attempt: 3 }, { exitCode: 0 });
    await h.engine.registerDag(LOAD);
    const run = await h.engine.submit('etl');
    const retrying = await h.recorder.until((e) => e.name === 'task.retrying');
    const firstFailure = h.recorder.events.find((e) => e.name === 'task.failed');
    expect(firstFailure?.payload).toMatchObject({ willRetry: true });
    const { attempt, retryAt } = retrying.payload as {
      attempt: { attempt: number; state: string };
      retryAt: number;
    };
    expect(attempt).toMatchObject({ attempt: 2, state: 'retrying' });
    const failedId = h.runtime.calls[0]!.attemptId;
    expect(retryAt).toBe(h.clock.now() + retryDelay(DEFAULT_RETRY_TIMING, 1, failedId));

    // Nothing runs before the backoff has passed.
    await h.clock.advanceTo(retryAt - 1);
    expect(h.runtime.callsOf('load')).toHaveLength(1);
    await h.clock.advanceTo(retryAt);
    expect(h.runtime.callsOf('load')).toHaveLength(2);
    await h.clock.advance(60_000);
    const finished = await h.recorder.finished(run.id);
    expect(finished.state).toBe('succeeded');
    expect(h.runtime.callsOf('load').map((c) => c.attempt)).toEqual([1, 2, 3]);
    expect(h.runtime.callsOf('report')).toHaveLength(1);
  });

  it('refuses to retry an exit code the conditional does not list', async () => {
    h = await harness();
    h.runtime.script({ task: 'load' }, { exitCode: 3 });
    await h.engine.registerDag(LOAD);
    const run = await h.engine.submit('etl');
    const finished = await h.recorder.finished(run.id);
    expect(finished.state).toBe('failed');
    expect(finished.reason).toBe('task load failed with exit code 3 after 1 attempt');
    expect(h.recorder.events.find((e) => e.name === 'task.failed')?.payload).toMatchObject({
      willRetry: false,
    });
    expect(h.recorder.trace(run.id)).toContain('task.skipped:report');
    expect(h.runtime.callsOf('report')).toHaveLength(0);
  });

  it('stops after backoff.limit + 1 attempts', async () => {
    h = await harness({ timing: { initialDelayMs: 100, factor: 2, maxDelayMs: 1000, jitter: 0 } });
    h.runtime.script({ task: 'flaky' }, { exitCode: 1 });
    await h.engine.registerDag(dagDoc('flaky', [{ name: 'flaky', backoff: { limit: 2 } }]));
    const run = await h.engine.submit('flaky');
    await h.clock.advance(10_000);
    const finished = await h.recorder.finished(run.id);
    expect(finished.reason).toBe('task flaky failed with exit code 1 after 3 attempts');
    expect(h.runtime.calls.map((c) => c.attempt)).toEqual([1, 2, 3]);
  });

  it('never retries a NonRetryableError and waits out a RetryAfterError', async () => {
    h = await harness({ timing: { initialDelayMs: 10, factor: 1, maxDelayMs: 10, jitter: 0 } });
    h.runtime
      .script({ task: 'api', attempt: 1 }, { exitCode: 1, throws: new RetryAfterError('429', 5000) })
      .script({ task: 'api', attempt: 2 }, { exitCode: 1, throws: new NonRetryableError('bad request') });
    await h.engine.registerDag(dagDoc('api', [{ name: 'api' }]));
    const run = await h.engine.submit('api');
    const retrying = await h.recorder.until((e) => e.name === 'task.retrying');
    expect((retrying.payload as { retryAt: number }).retryAt).toBe(h.clock.now() + 5000);
    await h.clock.advance(5000);
    const finished = await h.recorder.finished(run.id);
    expect(finished.state).toBe('failed');
    const snapshot = await h.engine.getRun(run.id);
    expect(snapshot?.attempts.map((a) => [a.attempt, a.state, a.nonRetryable, a.message])).toEqual([
      [1, 'failed', false, '429'],
      [2, 'failed', true, 'bad request'],
    ]);
  });

  it('does not retry a task that could not start under the default policy, and logs why (issue 15)', async () => {
    h = await harness({ timing: { initialDelayMs: 10, factor: 1, maxDelayMs: 10, jitter: 0 } });
    h.runtime.script(
      { task: 'prepare' },
      { exitCode: 1, throws: new TaskStartError('command not found: /scripts/prepare.sh', 127) },
    );
    await h.engine.registerDag(dagDoc('manifest', [{ name: 'prepare' }]));
    const run = await h.engine.submit('manifest');
    const finished = await h.recorder.finished(run.id);
    expect(finished.reason).toBe(
      'task prepare could not start (command not found: /scripts/prepare.sh) after 1 attempt',
    );
    expect(h.runtime.callsOf('prepare')).toHaveLength(1);
    const snapshot = await h.engine.getRun(run.id);
    const [attempt] = snapshot?.attempts ?? [];
    expect(attempt).toMatchObject({ exitCode: 127, reason: 'StartError', failureKind: 'start' });
    const log = await h.store.readLogs(attempt!.id);
    expect(log.map((l) => [l.stream, l.line])).toEqual([
      ['system', 'StartError: command not found: /scripts/prepare.sh'],
    ]);
  });

  it('retries a start failure under OnError and a transient error under OnTransientError', async () => {
    h = await harness({ timing: { initialDelayMs: 10, factor: 1, maxDelayMs: 10, jitter: 0 } });
    h.runtime
      .script({ task: 'pull', attempt: 1 }, { exitCode: 1, throws: new TaskStartError('image not found') })
      .script({ task: 'call', attempt: 1 }, { exitCode: 1, throws: new TransientTaskError('HTTP 503') })
      .script({ task: 'own', attempt: 1 }, { exitCode: 4 });
    await h.engine.registerDag(
      dagDoc('policies', [
        { name: 'pull', retryPolicy: 'OnError' },
        { name: 'call', retryPolicy: 'OnTransientError' },
        { name: 'own', retryPolicy: 'OnTransientError' },
      ]),
    );
    const run = await h.engine.submit('policies');
    await h.clock.advance(1000);
    const finished = await h.recorder.finished(run.id);
    expect(h.runtime.callsOf('pull').map((c) => c.attempt)).toEqual([1, 2]);
    expect(h.runtime.callsOf('call').map((c) => c.attempt)).toEqual([1, 2]);
    // Its own non-zero exit is not transient: OnTransientError leaves it failed after one attempt.
    expect(h.runtime.callsOf('own').map((c) => c.attempt)).toEqual([1]);
    expect(finished.reason).toBe('task own failed with exit code 4 after 1 attempt');
  });

  it('still retries a start failure whose exit code the task lists in retryCodes (Kontroler manifests)', async () => {
    h = await harness({ timing: { initialDelayMs: 10, factor: 1, maxDelayMs: 10, jitter: 0 } });
    h.runtime
      .script({ task: 'prepare', attempt: 1 }, { exitCode: 127, reason: 'StartError', failureKind: 'start' })
      .script({ task: 'prepare', attempt: 2 }, { exitCode: 0 });
    await h.engine.registerDag(
      dagDoc('listed', [{ name: 'prepare', conditional: { enabled: true, retryCodes: [127] } }]),
    );
    const run = await h.engine.submit('listed');
    await h.clock.advance(100);
    expect((await h.recorder.finished(run.id)).state).toBe('succeeded');
    expect(h.runtime.callsOf('prepare').map((c) => c.attempt)).toEqual([1, 2]);
  });
});
