/**
 * The plugins inside a real engine (memory store, fake clock for the engine's timers; real child processes
 * and a real HTTP receiver): logs reach the store, deliveries are retried and recorded, a delivery survives
 * the engine that committed it, and a process lost with its engine is retried elsewhere.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { createEngine, type Engine, type Notifier, type RunRecord, type Store } from '@kontroler/core';
import { createMemoryStore, FakeClock } from '@kontroler/core/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createProcessRuntime, LOST_MESSAGE, type ProcessRuntime } from '../src/process-runtime/runtime.js';
import { createWebhookNotifier, webhookPlugin } from '../src/webhooks/notifier.js';
import type { WebhookPayload } from '../src/webhooks/payload-schema.js';
import { verifyWebhook } from '../src/webhooks/signature.js';
import { reply, startHttpServer, type TestServer } from './receiver.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
let root: string;
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  root = await mkdtemp(join(os.tmpdir(), 'kontroler-engine-plugins-'));
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(() => rm(root, { recursive: true, force: true }));

/** Polls (real time, with the fake clock moved on by `stepMs` each turn) until `check` holds. */
async function eventually<T>(
  check: () => Promise<T | undefined>,
  clock?: FakeClock,
  stepMs = 0,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    if (clock && stepMs > 0) await clock.advance(stepMs);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function finished(engine: Engine, runId: string): Promise<RunRecord> {
  return new Promise((resolve) =>
    engine.events.on('run.finished', ({ run }) => {
      if (run.id === runId) resolve(run);
    }),
  );
}

/** A receiver that verifies each delivery and answers 500 to the first `failures`. */
async function receiver(failures: number): Promise<{ server: TestServer; verified: WebhookPayload[] }> {
  const verified: WebhookPayload[] = [];
  let seen = 0;
  const server = await startHttpServer((request, response) => {
    verified.push(verifyWebhook(SECRET, request.headers, request.body));
    reply(response, ++seen <= failures ? 500 : 204);
  });
  cleanups.push(() => server.close());
  return { server, verified };
}

function processRuntime(): ProcessRuntime {
  const runtime = createProcessRuntime({ workDir: root, killGraceMs: 200 });
  cleanups.push(() => runtime.close());
  return runtime;
}

function engineWith(
  store: Store,
  clock: FakeClock,
  runtime: ProcessRuntime,
  extra: Partial<Parameters<typeof createEngine>[0]> = {},
): Engine {
  const engine = createEngine({
    store,
    clock,
    runtimes: [runtime],
    scheduler: false,
    leaseMs: 5000,
    pollIntervalMs: 500,
    ...extra,
  });
  return engine;
}

describe('plugins in the engine', () => {
  it('runs a DAG on the process runtime, stores its logs, and delivers signed webhooks with retries', async () => {
    const { server, verified } = await receiver(2);
    const store = createMemoryStore();
    const clock = new FakeClock();
    const engine = engineWith(store, clock, processRuntime(), {
      plugins: [webhookPlugin({ secret: SECRET })],
    });
    cleanups.push(() => engine.stop());
    await engine.registerDag({
      name: 'pipeline',
      webhook: { url: `${server.url}/hooks` },
      parameters: [{ name: 'GREETING', defaultValue: 'héllo wörld' }],
      tasks: [
        {
          name: 'extract',
          image: 'alpine:3',
          script: 'echo "$GREETING"; echo warn >&2',
          parameters: ['GREETING'],
        },
        { name: 'load', image: 'alpine:3', script: 'exit 3', runAfter: ['extract'], backoff: { limit: 0 } },
      ],
    });
    await engine.start();
    const run = await engine.submit('pipeline');
    const done = await finished(engine, run.id);
    expect(done.state).toBe('failed');

    const snapshot = (await engine.getRun(run.id))!;
    const extract = snapshot.attempts.find((a) => a.taskName === 'extract')!;
    const load = snapshot.attempts.find((a) => a.taskName === 'load')!;
    expect(load).toMatchObject({ state: 'failed', exitCode: 3, reason: 'Error' });
    const logs = await eventually(async () => {
      const lines = await store.readLogs(extract.id);
      return lines.some((l) => l.stream === 'stderr') ? lines : undefined;
    });
    expect(logs.filter((l) => l.stream !== 'system').map((l) => [l.stream, l.line])).toEqual([
      ['stdout', 'héllo wörld'],
      ['stderr', 'warn'],
    ]);

    // Three messages (extract succeeded, load failed, run finished); the first two tries got a 500.
    const deliveries = await eventually(
      async () => {
        const list = await store.listDeliveries(run.id);
        return list.length === 3 && list.every((d) => d.message.status === 'delivered') ? list : undefined;
      },
      clock,
      1000,
    );
    const codes = deliveries.map((d) => d.attempts.map((a) => a.statusCode));
    expect(codes.flat().filter((c) => c === 500)).toHaveLength(2);
    expect(codes.every((c) => c.at(-1) === 204)).toBe(true);
    // Every try of one message carried the same webhook-id: the outbox id.
    for (const { message, attempts } of deliveries) {
      const ids = server.requests.filter((r) => r.headers['webhook-id'] === message.id);
      expect(ids).toHaveLength(attempts.length);
    }
    expect(new Set(verified.map((p) => p.event))).toEqual(
      new Set(['task.succeeded', 'task.failed', 'run.finished']),
    );
    expect(verified.find((p) => p.event === 'task.failed')).toMatchObject({
      type: 'taskrun',
      status: 'failed',
      taskName: 'load',
      taskId: load.id,
      exitCode: 3,
      willRetry: false,
    });
    expect(verified.find((p) => p.event === 'run.finished')).toMatchObject({
      status: 'failed',
      run: { state: 'failed' },
    });
  });

  it('delivers a webhook whose engine died after the commit, before delivering: another engine sends it', async () => {
    const { server, verified } = await receiver(0);
    const store = createMemoryStore();
    const clock = new FakeClock();
    // Engine A commits the outbox rows with the real `select`, then "crashes" inside `deliver`: it never
    // returns and never records anything.
    const real = createWebhookNotifier({ secret: SECRET });
    let deliverCalls = 0;
    const crashing: Notifier = { ...real, deliver: () => (deliverCalls++, new Promise(() => {})) };
    const a = engineWith(store, clock, processRuntime(), { notifiers: [crashing], workerId: 'engine-a' });
    await a.registerDag({
      name: 'crashy',
      webhook: { url: server.url },
      tasks: [{ name: 'only', image: 'alpine:3', script: 'true' }],
    });
    await a.start();
    const run = await a.submit('crashy');
    await finished(a, run.id);
    await eventually(async () => (deliverCalls >= 2 ? true : undefined));
    const pending = await store.listDeliveries(run.id);
    expect(pending).toHaveLength(2);
    expect(pending.every((d) => d.message.status === 'pending' && d.attempts.length === 0)).toBe(true);
    expect(server.requests).toHaveLength(0);

    // Engine B, with the real notifier, picks the rows up once A's outbox lease has expired.
    const b = engineWith(store, clock, processRuntime(), {
      plugins: [webhookPlugin({ secret: SECRET })],
      workerId: 'engine-b',
    });
    cleanups.push(() => b.stop());
    await b.start();
    const delivered = await eventually(
      async () => {
        const list = await store.listDeliveries(run.id);
        return list.every((d) => d.message.status === 'delivered') ? list : undefined;
      },
      clock,
      1000,
    );
    expect(verified.map((p) => p.event).sort()).toEqual(['run.finished', 'task.succeeded']);
    expect(server.requests.map((r) => r.headers['webhook-id']).sort()).toEqual(
      delivered.map((d) => d.message.id).sort(),
    );
    // Engine A is abandoned as a crashed process would be (its deliver never settles, so it cannot stop).
  });

  it('reports an attempt whose process died with its engine as Lost, and the retry runs on another engine', async () => {
    const store = createMemoryStore();
    const clock = new FakeClock();
    const marker = join(root, `first-try-${Date.now()}`);
    const runtimeA = processRuntime();
    const a = engineWith(store, clock, runtimeA, { workerId: 'engine-a' });
    await a.registerDag({
      name: 'survivor',
      tasks: [
        {
          name: 'work',
          image: 'alpine:3',
          // The first attempt blocks; the retry (after the crash) finds the marker and finishes.
          script: `if [ -f ${marker} ]; then echo retry-done; else touch ${marker}; echo started; sleep 30; fi`,
          backoff: { limit: 2 },
        },
      ],
    });
    await a.start();
    const run = await a.submit('survivor');
    await eventually(
      async () =>
        (await store.readLogs((await store.getRunSnapshot(run.id))!.attempts[0]!.id)).some(
          (l) => l.line === 'started',
        )
          ? true
          : undefined,
      clock,
      100,
    );
    // The crash: A stops without handing its lease back, and its child processes die with it.
    await a.stop({ releaseLeases: false });
    await runtimeA.close();

    const b = engineWith(store, clock, processRuntime(), { workerId: 'engine-b' });
    cleanups.push(() => b.stop());
    const done = finished(b, run.id);
    await b.start();
    await eventually(
      async () => ((await store.getRun(run.id))!.state === 'succeeded' ? true : undefined),
      clock,
      1000,
    );
    await done;
    const attempts = [...(await store.getRunSnapshot(run.id))!.attempts].sort(
      (x, y) => x.attempt - y.attempt,
    );
    expect(attempts[0]).toMatchObject({ state: 'failed', reason: 'Lost', message: LOST_MESSAGE });
    expect(attempts.at(-1)).toMatchObject({ state: 'succeeded', exitCode: 0 });
  });
});
