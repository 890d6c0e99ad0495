/**
 * Receivers written against the official `standardwebhooks` library (not our own verifier): real HTTP
 * deliveries from the notifier and from the engine's outbox are verified with
 * `new Webhook(secret).verify(body, headers)`, which reads the real clock and its own 5-minute tolerance.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { createEngine, type NotifiableEvent, type OutboxRecord } from '@kontroler/core';
import { createMemoryStore, FakeClock } from '@kontroler/core/testing';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createProcessRuntime } from '../src/process-runtime/runtime.js';
import { envSecretSource } from '../src/secrets/index.js';
import { createWebhookNotifier, webhookPlugin } from '../src/webhooks/notifier.js';
import { webhookPayload, type WebhookNotifiableEvent } from '../src/webhooks/payload.js';
import type { WebhookPayload } from '../src/webhooks/payload-schema.js';
import { generateWebhookSecret } from '../src/webhooks/signature.js';
import { compile } from './helpers.js';
import { reply, startHttpServer, type ReceivedRequest, type TestServer } from './receiver.js';
import { attemptRecord, runRecord } from './records.js';

const OLD = generateWebhookSecret();
const NEW = generateWebhookSecret();
const MINUTE = 60_000;

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Node's headers as the library's `verify` takes them (a record of strings). */
function headersOf(request: ReceivedRequest): Record<string, string> {
  return Object.fromEntries(
    Object.entries(request.headers).filter((e): e is [string, string] => typeof e[1] === 'string'),
  );
}

interface Receiver {
  readonly server: TestServer;
  readonly accepted: Array<{ id: string; payload: WebhookPayload }>;
  readonly rejected: string[];
}

/**
 * A receiver as its docs tell users to write it: verify the raw body with the library, answer 401 on a
 * WebhookVerificationError, drop duplicates by webhook-id. `failFirst` deliveries get a 500 after the check.
 */
async function libraryReceiver(secret: string, failFirst = 0): Promise<Receiver> {
  const webhook = new Webhook(secret);
  const accepted: Receiver['accepted'] = [];
  const rejected: string[] = [];
  let verifiedCount = 0;
  const server = await startHttpServer((request, response) => {
    let payload: WebhookPayload;
    try {
      payload = webhook.verify(request.body, headersOf(request)) as WebhookPayload;
    } catch (error) {
      if (!(error instanceof WebhookVerificationError)) throw error;
      rejected.push(error.message);
      reply(response, 401, error.message);
      return;
    }
    if (++verifiedCount <= failFirst) return reply(response, 500, 'try later');
    const id = request.headers['webhook-id'] as string;
    if (!accepted.some((a) => a.id === id)) accepted.push({ id, payload });
    reply(response, 204);
  });
  cleanups.push(() => server.close());
  return { server, accepted, rejected };
}

const events: WebhookNotifiableEvent[] = [
  { name: 'task.succeeded', payload: { run: runRecord(), attempt: attemptRecord() } },
  {
    name: 'task.failed',
    payload: {
      run: runRecord(),
      attempt: attemptRecord({
        id: 'att-2',
        state: 'failed',
        exitCode: 2,
        reason: 'Error',
        message: 'héllo',
      }),
      willRetry: false,
    },
  },
  {
    name: 'run.finished',
    payload: { run: runRecord({ state: 'succeeded', finishedAt: Date.UTC(2026, 10, 25, 12, 5, 0) }) },
  },
];

let seq = 0;
/** The outbox row the engine would hold for a selected message. */
function outboxRecord(selected: { runId: string | null; payload: Readonly<Record<string, unknown>> }) {
  return {
    id: `msg_${++seq}_${Date.now()}`,
    topic: 'webhook',
    runId: selected.runId,
    payload: selected.payload,
    createdAt: Date.now(),
    status: 'pending',
    attempts: 0,
    nextAttemptAt: Date.now(),
    lastError: null,
    deliveredAt: null,
  } satisfies OutboxRecord;
}

/** Selects `event` for a DAG posting to `url` and delivers it once with `notifier`. */
async function deliverTo(
  notifier: ReturnType<typeof createWebhookNotifier>,
  url: string,
  event: NotifiableEvent = events[0]!,
  dagSecret?: string,
) {
  const dag = compile({
    name: 'nightly',
    tasks: [{ name: 'extract', script: 'true' }],
    webhook: { url, ...(dagSecret ? { secret: dagSecret } : {}) },
  });
  const message = outboxRecord(notifier.select(event, dag)!);
  return { message, result: await notifier.deliver(message) };
}

describe('a standardwebhooks receiver', () => {
  it('accepts our signed deliveries of every event, with the payload we sent', async () => {
    const receiver = await libraryReceiver(OLD);
    const notifier = createWebhookNotifier({ secret: OLD });
    for (const event of events) {
      const { message, result } = await deliverTo(notifier, receiver.server.url, event);
      expect(result).toMatchObject({ ok: true, statusCode: 204 });
      expect(receiver.accepted.at(-1)).toEqual({ id: message.id, payload: webhookPayload(event) });
    }
    expect(receiver.rejected).toEqual([]);
    expect(receiver.accepted.map((a) => a.payload.event)).toEqual([
      'task.succeeded',
      'task.failed',
      'run.finished',
    ]);
  });

  it('rejects a tampered body, a changed webhook-id and a wrong secret', async () => {
    const receiver = await libraryReceiver(OLD);
    const { result } = await deliverTo(createWebhookNotifier({ secret: OLD }), receiver.server.url);
    expect(result.ok).toBe(true);
    const [delivery] = receiver.server.requests;
    const webhook = new Webhook(OLD);
    const headers = headersOf(delivery!);
    expect(webhook.verify(delivery!.body, headers)).toEqual(receiver.accepted[0]!.payload);
    const tampered = delivery!.body.replace('"status":"success"', '"status":"failed"');
    expect(tampered).not.toBe(delivery!.body);
    expect(() => webhook.verify(tampered, headers)).toThrow('No matching signature found');
    expect(() => webhook.verify(`${delivery!.body} `, headers)).toThrow(WebhookVerificationError);
    expect(() => webhook.verify(delivery!.body, { ...headers, 'webhook-id': 'msg_other' })).toThrow(
      'No matching signature found',
    );

    // Signed with another secret: the receiver answers 401 and the attempt is recorded as failed.
    const wrong = await deliverTo(createWebhookNotifier({ secret: NEW }), receiver.server.url);
    expect(wrong.result).toMatchObject({ ok: false, statusCode: 401 });
    expect(receiver.rejected).toEqual(['No matching signature found']);
  });

  it('rejects a timestamp outside its 5-minute tolerance either way, and accepts one inside it', async () => {
    const receiver = await libraryReceiver(OLD);
    const signedAt = (offsetMs: number) =>
      createWebhookNotifier({ secret: OLD, now: () => Date.now() + offsetMs });
    const stale = await deliverTo(signedAt(-6 * MINUTE), receiver.server.url);
    const future = await deliverTo(signedAt(6 * MINUTE), receiver.server.url);
    const skewed = await deliverTo(signedAt(-4 * MINUTE), receiver.server.url);
    expect([stale.result.statusCode, future.result.statusCode, skewed.result.statusCode]).toEqual([
      401, 401, 204,
    ]);
    expect(receiver.rejected).toEqual(['Message timestamp too old', 'Message timestamp too new']);
    expect(receiver.accepted.map((a) => a.id)).toEqual([skewed.message.id]);
  });

  it('keeps working across a secret rotation: old and new receivers both accept while both secrets sign', async () => {
    const onOld = await libraryReceiver(OLD);
    const onNew = await libraryReceiver(NEW);
    // 1. Before: only the old secret.
    const before = createWebhookNotifier({ secret: OLD });
    expect((await deliverTo(before, onOld.server.url)).result.ok).toBe(true);
    expect((await deliverTo(before, onNew.server.url)).result.statusCode).toBe(401);
    // 2. During: both, as an array on the notifier, and as one value of a secret source (a mounted
    //    Secret holding "whsec_new whsec_old"), resolved by the DAG's secret name.
    const during = [
      createWebhookNotifier({ secret: [OLD, NEW] }),
      createWebhookNotifier({ secretSource: envSecretSource({ env: { HOOKS: `${NEW} ${OLD}` } }) }),
    ];
    for (const [i, notifier] of during.entries()) {
      const secretName = i === 1 ? 'HOOKS' : undefined;
      for (const receiver of [onOld, onNew]) {
        const { result } = await deliverTo(notifier, receiver.server.url, events[0], secretName);
        expect(result, `notifier ${i}`).toMatchObject({ ok: true, statusCode: 204 });
      }
    }
    const lastHeader = onNew.server.requests.at(-1)!.headers['webhook-signature'] as string;
    expect(lastHeader.split(' ')).toHaveLength(2);
    expect(lastHeader.split(' ').every((s) => s.startsWith('v1,'))).toBe(true);
    // 3. After: only the new secret; a receiver still on the old one now refuses.
    const after = createWebhookNotifier({ secret: NEW });
    expect((await deliverTo(after, onNew.server.url)).result.ok).toBe(true);
    expect((await deliverTo(after, onOld.server.url)).result.statusCode).toBe(401);
    expect(onOld.accepted).toHaveLength(3);
    expect(onNew.accepted).toHaveLength(3);
  });
});

describe('redelivery through the engine keeps the message id', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(os.tmpdir(), 'kontroler-stdwebhooks-'));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('retries after a 500 and a manual redelivery both carry the first webhook-id, each freshly signed', async () => {
    const receiver = await libraryReceiver(OLD, 1);
    const store = createMemoryStore();
    const clock = new FakeClock();
    const runtime = createProcessRuntime({ workDir: root, killGraceMs: 200 });
    cleanups.push(() => runtime.close());
    const engine = createEngine({
      store,
      clock,
      runtimes: [runtime],
      scheduler: false,
      pollIntervalMs: 500,
      plugins: [webhookPlugin({ secret: OLD, events: ['run.finished'] })],
    });
    cleanups.push(() => engine.stop());
    await engine.registerDag({
      name: 'hooked',
      webhook: { url: `${receiver.server.url}/hooks` },
      tasks: [{ name: 'only', image: 'alpine:3', script: 'true' }],
    });
    await engine.start();
    const run = await engine.submit('hooked');

    // The first try gets a 500 after verifying; the engine's backoff (on the fake clock) retries it.
    const deadline = Date.now() + 20_000;
    let deliveries = await store.listDeliveries(run.id);
    while (deliveries[0]?.message.status !== 'delivered') {
      if (Date.now() > deadline) throw new Error(`not delivered: ${JSON.stringify(deliveries)}`);
      await clock.advance(1000);
      await new Promise((r) => setTimeout(r, 10));
      deliveries = await store.listDeliveries(run.id);
    }
    const [{ message }] = deliveries as [(typeof deliveries)[number]];
    expect(receiver.server.requests).toHaveLength(2);

    // A manual redelivery (what the API's redeliver does) sends the same message again.
    expect(await store.requeueOutbox(message.id, clock.now())).toBe(true);
    while (receiver.server.requests.length < 3) {
      if (Date.now() > deadline) throw new Error('the manual redelivery was not sent');
      await clock.advance(1000);
      await new Promise((r) => setTimeout(r, 10));
    }
    const ids = receiver.server.requests.map((r) => r.headers['webhook-id']);
    expect(ids).toEqual([message.id, message.id, message.id]);
    // Every delivery verified with the library; the receiver dedupes the redelivery by its id.
    expect(receiver.rejected).toEqual([]);
    expect(receiver.accepted).toEqual([
      { id: message.id, payload: expect.objectContaining({ event: 'run.finished', runId: run.id }) },
    ]);
    const bodies = new Set(receiver.server.requests.map((r) => r.body));
    expect(bodies.size).toBe(1);
  });
});
