import { afterEach, describe, expect, it } from 'vitest';
import { KontrolerError } from '../../src/index.js';
import { dagDoc, harness, type Harness } from './harness.js';

const PARAMS = dagDoc('params', [{ name: 'use', parameters: ['region', 'token'] }], {
  parameters: [
    { name: 'region', defaultValue: 'eu' },
    { name: 'token', defaultFromSecret: 'api-token' },
  ],
});

describe('engine: registering and submitting', () => {
  let h: Harness;
  afterEach(async () => h?.engine.stop());

  it('versions a DAG by content and rejects an invalid one with every issue', async () => {
    h = await harness();
    const first = await h.engine.registerDag(PARAMS);
    const again = await h.engine.registerDag(PARAMS);
    expect([first.created, again.created, again.version.version]).toEqual([true, false, 1]);
    expect(first.version.hash).toMatch(/^[0-9a-f]{64}$/);
    await expect(
      h.engine.registerDag({
        name: 'bad',
        tasks: [{ name: 'a', image: 'x', command: ['y'], runAfter: ['ghost'] }],
      }),
    ).rejects.toSatisfy(
      (e: unknown) =>
        KontrolerError.is(e, 'DAG_INVALID') && e.details.issues.some((i) => i.code === 'UNKNOWN_DEPENDENCY'),
    );
  });

  it('fills parameter defaults, passes a task only what it asked for, and refuses unknown ones', async () => {
    h = await harness();
    await h.engine.registerDag(PARAMS);
    const run = await h.engine.submit('params', { region: 'us' });
    expect(run.parameters).toEqual({ region: { value: 'us' }, token: { fromSecret: 'api-token' } });
    await h.recorder.finished(run.id);
    expect(h.runtime.calls[0]?.parameters).toEqual({
      region: { value: 'us' },
      token: { fromSecret: 'api-token' },
    });
    await expect(h.engine.submit('params', { nope: 'x' })).rejects.toSatisfy(
      (e: unknown) => KontrolerError.is(e, 'PARAMETER_INVALID') && e.details.parameter === 'nope',
    );
    await expect(h.engine.submit('ghost')).rejects.toSatisfy((e: unknown) =>
      KontrolerError.is(e, 'DAG_NOT_FOUND'),
    );
  });

  it('returns the first run for a repeated idempotency key', async () => {
    h = await harness();
    await h.engine.registerDag(PARAMS);
    const a = await h.engine.submit('params', {}, { idempotencyKey: 'k1', labels: { team: 'data' } });
    const b = await h.engine.submit('params', {}, { idempotencyKey: 'k1' });
    expect(b.id).toBe(a.id);
    expect(a.labels).toEqual({ team: 'data' });
    expect(
      (await h.engine.listRuns({ dag: { namespace: 'default', name: 'params' } }, { limit: 10 })).items,
    ).toHaveLength(1);
  });

  it('writes task logs to the store', async () => {
    h = await harness();
    h.runtime.script({ task: 'talk' }, { exitCode: 0, logs: ['hello', 'world'] });
    await h.engine.registerDag(dagDoc('talk', [{ name: 'talk' }]));
    const run = await h.engine.submit('talk');
    await h.recorder.finished(run.id);
    const attemptId = h.runtime.calls[0]!.attemptId;
    expect((await h.store.readLogs(attemptId)).map((l) => [l.seq, l.stream, l.line])).toEqual([
      [1, 'stdout', 'hello'],
      [2, 'stdout', 'world'],
    ]);
  });

  it('refuses work once stopped', async () => {
    h = await harness();
    await h.engine.registerDag(PARAMS);
    await h.engine.stop();
    await expect(h.engine.submit('params')).rejects.toSatisfy((e: unknown) =>
      KontrolerError.is(e, 'ENGINE_STOPPED'),
    );
    await expect(h.engine.promise).resolves.toBeUndefined();
  });
});
