import { createRequire } from 'node:module';
import type { NotifiableEvent, OutboxRecord } from '@kontroler/core';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envSecretSource } from '../src/secrets/index.js';
import { createWebhookNotifier, type WebhookEnvelope } from '../src/webhooks/notifier.js';
import { webhookPayloadSchema, type WebhookPayload } from '../src/webhooks/payload-schema.js';
import {
  generateWebhookSecret,
  signWebhook,
  signingSecrets,
  verifyWebhook,
  WebhookVerificationError,
} from '../src/webhooks/signature.js';
import { compile } from './helpers.js';
import {
  makeSelfSignedCert,
  reply,
  startHttpServer,
  startHttpsServer,
  type SelfSignedCert,
  type TestServer,
} from './receiver.js';
import { attemptRecord, runRecord } from './records.js';

// ajv 8 is a dependency of core (the root node_modules holds an older ajv for eslint).
interface Validator {
  (data: unknown): boolean;
  errors?: unknown;
}
const { Ajv } = createRequire(new URL('../../core/package.json', import.meta.url))('ajv') as {
  Ajv: new (options: object) => {
    compile(schema: object): Validator;
    addFormat(name: string, test: (s: string) => boolean): void;
  };
};
const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false });
ajv.addFormat(
  'date-time',
  (s) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(s) && !Number.isNaN(Date.parse(s)),
);
const validatePayload = ajv.compile(webhookPayloadSchema);

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const dagWith = (webhook?: { url: string; verifySSL?: boolean; secret?: string }) =>
  compile({ name: 'nightly', tasks: [{ name: 'extract', script: 'true' }], ...(webhook ? { webhook } : {}) });

const events: NotifiableEvent[] = [
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
        message: 'exited with code 2',
      }),
      willRetry: true,
    },
  },
  {
    name: 'task.retrying',
    payload: {
      run: runRecord(),
      attempt: attemptRecord({
        id: 'att-3',
        attempt: 2,
        state: 'retrying',
        exitCode: null,
        reason: null,
        startedAt: null,
        finishedAt: null,
      }),
      retryAt: Date.UTC(2026, 10, 25, 12, 1, 0),
    },
  },
  {
    name: 'run.finished',
    payload: {
      run: runRecord({
        state: 'failed',
        finishedAt: Date.UTC(2026, 10, 25, 12, 5, 0),
        reason: 'task extract failed',
      }),
    },
  },
  {
    name: 'run.finished',
    payload: { run: runRecord({ state: 'canceled', finishedAt: Date.UTC(2026, 10, 25, 12, 5, 0) }) },
  },
  {
    name: 'task.awaitingApproval',
    payload: {
      run: runRecord(),
      attempt: attemptRecord({
        id: 'att-6',
        taskName: 'gate',
        state: 'awaiting',
        exitCode: null,
        reason: null,
        finishedAt: null,
      }),
      timeoutAt: Date.UTC(2026, 10, 25, 13, 0, 0),
      approval: {
        message: 'Ship build 42 to production?',
        approvers: ['admin'],
        timeoutSeconds: 3600,
        onTimeout: 'reject',
      },
    },
  },
];

let messageSeq = 0;
function toRecord(
  selected: { runId: string | null; payload: Readonly<Record<string, unknown>> },
  id = `msg-${++messageSeq}`,
): OutboxRecord {
  return {
    id,
    topic: 'webhook',
    runId: selected.runId,
    payload: selected.payload,
    createdAt: Date.now(),
    status: 'pending',
    attempts: 0,
    nextAttemptAt: Date.now(),
    lastError: null,
    deliveredAt: null,
  };
}

describe('webhook notifier: select', () => {
  const notifier = createWebhookNotifier();

  it('has topic "webhook" and maps the four events to envelopes for DAGs with a webhook', () => {
    expect(notifier.topic).toBe('webhook');
    const dag = dagWith({ url: 'https://hooks.example/x', secret: 'dag-secret' });
    const selected = events.map((e) => notifier.select(e, dag));
    expect(selected.every((s) => s !== null)).toBe(true);
    const envelope = selected[0]!.payload as unknown as WebhookEnvelope;
    expect(envelope).toMatchObject({ url: 'https://hooks.example/x', verifySSL: true, secret: 'dag-secret' });
    expect(selected[0]!.runId).toBe('run-1');
  });

  it("keeps Kontroler's fields (type taskrun, status, dagRunId, taskName, taskId) and adds ours", () => {
    const dag = dagWith({ url: 'https://hooks.example/x' });
    const bodies = events.map((e) => (notifier.select(e, dag)!.payload as unknown as WebhookEnvelope).body);
    expect(bodies[0]).toMatchObject({
      type: 'taskrun',
      status: 'success',
      dagRunId: 'run-1',
      taskName: 'extract',
      taskId: 'att-1',
      event: 'task.succeeded',
      runId: 'run-1',
      dagName: 'nightly',
      dagVersion: 2,
      attempt: 1,
      exitCode: 0,
      reason: 'Completed',
      duration: 2.5,
      startedAt: '2026-11-25T12:00:02.000Z',
      finishedAt: '2026-11-25T12:00:04.500Z',
    });
    expect(bodies[1]).toMatchObject({
      status: 'failed',
      exitCode: 2,
      reason: 'Error',
      willRetry: true,
      taskId: 'att-2',
    });
    expect(bodies[2]).toMatchObject({ status: 'pending', attempt: 2, retryAt: '2026-11-25T12:01:00.000Z' });
    expect(bodies[3]).toMatchObject({
      type: 'dagrun',
      status: 'failed',
      run: { state: 'failed', reason: 'task extract failed', trigger: 'manual' },
    });
    expect(bodies[4]).toMatchObject({ status: 'canceled' });
    expect(bodies[5]).toMatchObject({
      type: 'taskrun',
      event: 'task.awaitingApproval',
      status: 'pending',
      taskName: 'gate',
      taskId: 'att-6',
      timeoutAt: '2026-11-25T13:00:00.000Z',
      occurredAt: '2026-11-25T12:00:02.000Z',
      approval: {
        message: 'Ship build 42 to production?',
        approvers: ['admin'],
        timeoutSeconds: 3600,
        onTimeout: 'reject',
        approvePath: '/api/v1/namespaces/default/runs/run-1/tasks/gate/approve',
        rejectPath: '/api/v1/namespaces/default/runs/run-1/tasks/gate/reject',
      },
    });
    // Only the approval event carries it.
    expect(bodies.slice(0, 5).every((b) => !('approval' in b))).toBe(true);
  });

  it('produces payloads that all validate against the published JSON Schema', () => {
    const dag = dagWith({ url: 'https://hooks.example/x' });
    for (const event of events) {
      const body = (notifier.select(event, dag)!.payload as unknown as WebhookEnvelope).body;
      const valid = validatePayload(body);
      expect(validatePayload.errors ?? null, event.name).toBeNull();
      expect(valid).toBe(true);
    }
    // The schema rejects what receivers must not get: a task event without its task fields.
    expect(
      validatePayload({
        ...(notifier.select(events[0]!, dag)!.payload as unknown as WebhookEnvelope).body,
        taskName: undefined,
      }),
    ).toBe(false);
  });

  it('selects nothing for other events or for DAGs without a webhook, unless there is an engine-wide default', () => {
    const started: NotifiableEvent = {
      name: 'task.started',
      payload: { run: runRecord(), attempt: attemptRecord() },
    };
    expect(notifier.select(started, dagWith({ url: 'https://x' }))).toBeNull();
    expect(notifier.select(events[0]!, dagWith())).toBeNull();
    const withDefault = createWebhookNotifier({
      defaults: { url: 'https://default.example', verifySSL: false },
    });
    expect(withDefault.select(events[0]!, dagWith())!.payload).toMatchObject({
      url: 'https://default.example',
      verifySSL: false,
      secret: null,
    });
    const onlyRuns = createWebhookNotifier({ events: ['run.finished'] });
    expect(onlyRuns.select(events[0]!, dagWith({ url: 'https://x' }))).toBeNull();
    expect(onlyRuns.select(events[3]!, dagWith({ url: 'https://x' }))).not.toBeNull();
  });
});

describe('verifyWebhook', () => {
  const body = JSON.stringify({ hello: 'world' });
  const now = Date.UTC(2026, 10, 25, 12, 0, 0);

  it('accepts what signWebhook signs, and interoperates with the standardwebhooks library both ways', () => {
    const headers = signWebhook(SECRET, 'msg_1', new Date(now), body);
    expect(verifyWebhook(SECRET, headers, body, { now })).toEqual({ hello: 'world' });
    // Their signature verifies with ours…
    const theirs = new Webhook(SECRET).sign('msg_2', new Date(now), body);
    const theirHeaders = {
      'webhook-id': 'msg_2',
      'webhook-timestamp': String(now / 1000),
      'webhook-signature': theirs,
    };
    expect(verifyWebhook(SECRET, theirHeaders, Buffer.from(body), { now })).toEqual({ hello: 'world' });
    // …and ours with theirs (at the real clock, which is what their verify uses).
    const fresh = signWebhook(SECRET, 'msg_3', new Date(), body);
    expect(new Webhook(SECRET).verify(body, { ...fresh })).toEqual({ hello: 'world' });
  });

  it('accepts any of several signatures (secret rotation) and header names in any case', () => {
    const headers = signWebhook('new-secret', 'msg_1', new Date(now), body);
    const rotated = {
      'Webhook-Id': headers['webhook-id'],
      'WEBHOOK-TIMESTAMP': headers['webhook-timestamp'],
      'webhook-signature': `v1,b2xkc2lnbmF0dXJl ${headers['webhook-signature']}`,
    };
    expect(verifyWebhook('new-secret', rotated, body, { now })).toEqual({ hello: 'world' });
    expect(verifyWebhook('new-secret', new Headers(headers), body, { now })).toEqual({ hello: 'world' });
  });

  it('signs with several secrets only when given an array or whitespace-separated whsec_ secrets', () => {
    const other = generateWebhookSecret();
    expect(signingSecrets([SECRET, other])).toEqual([SECRET, other]);
    expect(signingSecrets(`${SECRET}\n${other} `)).toEqual([SECRET, other]);
    // Any other string is one secret, spaces and all (a passphrase must not be split).
    expect(signingSecrets('correct horse battery')).toEqual(['correct horse battery']);
    expect(signingSecrets(`${SECRET} plain`)).toEqual([`${SECRET} plain`]);
    const both = signWebhook([SECRET, other], 'msg_1', new Date(now), body);
    expect(both['webhook-signature'].split(' ')).toHaveLength(2);
    expect(verifyWebhook(SECRET, both, body, { now })).toEqual({ hello: 'world' });
    expect(verifyWebhook(other, both, body, { now })).toEqual({ hello: 'world' });
    expect(() => signWebhook([], 'msg_1', new Date(now), body)).toThrow(/at least one secret/);
  });

  const failure = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      return error as WebhookVerificationError;
    }
    throw new Error('expected a WebhookVerificationError');
  };

  it('rejects a wrong secret, a changed body, an old or future timestamp and missing headers, with stable codes', () => {
    const headers = signWebhook(SECRET, 'msg_1', new Date(now), body);
    expect(failure(() => verifyWebhook(generateWebhookSecret(), headers, body, { now })).code).toBe(
      'bad-signature',
    );
    expect(failure(() => verifyWebhook(SECRET, headers, body.replace('world', 'w0rld'), { now })).code).toBe(
      'bad-signature',
    );
    expect(
      failure(() => verifyWebhook(SECRET, { ...headers, 'webhook-id': 'msg_2' }, body, { now })).code,
    ).toBe('bad-signature');
    const old = failure(() => verifyWebhook(SECRET, headers, body, { now: now + 301_000 }));
    expect(old).toBeInstanceOf(WebhookVerificationError);
    expect(old.code).toBe('too-old');
    expect(old.message).toMatch(/301s old/);
    expect(failure(() => verifyWebhook(SECRET, headers, body, { now: now - 301_000 })).code).toBe('too-new');
    expect(verifyWebhook(SECRET, headers, body, { now: now + 301_000, toleranceSeconds: 600 })).toEqual({
      hello: 'world',
    });
    expect(failure(() => verifyWebhook(SECRET, { 'webhook-id': 'x' }, body, { now })).code).toBe(
      'missing-headers',
    );
    expect(
      failure(() => verifyWebhook(SECRET, { ...headers, 'webhook-timestamp': 'soon' }, body, { now })).code,
    ).toBe('bad-timestamp');
  });
});

describe('webhook notifier: deliver', () => {
  let cert: SelfSignedCert;
  const servers: TestServer[] = [];
  beforeAll(async () => {
    cert = await makeSelfSignedCert();
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  /** A receiver that verifies every delivery and answers 500 to the first `failures` ones. */
  async function verifyingReceiver(secret: string, failures: number) {
    const verified: WebhookPayload[] = [];
    const rejected: string[] = [];
    let seen = 0;
    const server = await startHttpServer((request, response) => {
      try {
        verified.push(verifyWebhook(secret, request.headers, request.body));
      } catch (error) {
        rejected.push((error as WebhookVerificationError).code);
        reply(response, 401, 'bad signature');
        return;
      }
      seen++;
      if (seen <= failures) reply(response, 500, 'try later');
      else reply(response, 204);
    });
    servers.push(server);
    return { server, verified, rejected };
  }

  it('POSTs signed JSON; 500s are failed attempts and the retry carries the same webhook-id', async () => {
    const { server, verified, rejected } = await verifyingReceiver(SECRET, 2);
    const notifier = createWebhookNotifier({ secret: SECRET });
    const message = toRecord(notifier.select(events[0]!, dagWith({ url: `${server.url}/hook` }))!);
    const attempts = [];
    for (let i = 0; i < 3; i++) attempts.push(await notifier.deliver(message));
    expect(attempts.map((a) => [a.ok, a.statusCode])).toEqual([
      [false, 500],
      [false, 500],
      [true, 204],
    ]);
    expect(attempts[0]!.error).toBe('HTTP 500: try later');
    expect(attempts[2]!.error).toBeNull();
    expect(rejected).toEqual([]);
    expect(verified).toHaveLength(3);
    expect(verified[2]).toMatchObject({ type: 'taskrun', status: 'success', taskName: 'extract' });
    expect(new Set(server.requests.map((r) => r.headers['webhook-id']))).toEqual(new Set([message.id]));
    expect(server.requests[0]).toMatchObject({ method: 'POST', url: '/hook' });
    expect(server.requests[0]!.headers['content-type']).toBe('application/json');
  });

  // The approval webhook lacked the approval's message: a receiver could not say what it asks.
  it("delivers the approval's message, who may decide and the API paths to decide with task.awaitingApproval", async () => {
    const { server, verified } = await verifyingReceiver(SECRET, 0);
    const notifier = createWebhookNotifier({ secret: SECRET });
    const approvalEvent = events.find((e) => e.name === 'task.awaitingApproval')!;
    const message = toRecord(notifier.select(approvalEvent, dagWith({ url: `${server.url}/hook` }))!);
    await expect(notifier.deliver(message)).resolves.toMatchObject({ ok: true, statusCode: 204 });
    expect(verified).toHaveLength(1);
    expect(validatePayload(verified[0])).toBe(true);
    expect(verified[0]!.approval).toEqual({
      message: 'Ship build 42 to production?',
      approvers: ['admin'],
      timeoutSeconds: 3600,
      onTimeout: 'reject',
      approvePath: '/api/v1/namespaces/default/runs/run-1/tasks/gate/approve',
      rejectPath: '/api/v1/namespaces/default/runs/run-1/tasks/gate/reject',
    });
  });

  it('escapes the namespace, run and task in the decision paths', () => {
    const notifier = createWebhookNotifier();
    const event = events.find((e) => e.name === 'task.awaitingApproval')!;
    if (event.name !== 'task.awaitingApproval') throw new Error('fixture');
    const odd = {
      ...event,
      payload: {
        ...event.payload,
        run: runRecord({ id: 'run/1?x', namespace: 'team a' }),
        attempt: { ...event.payload.attempt, taskName: 'sign#off' },
      },
    };
    const body = (
      notifier.select(odd, dagWith({ url: 'https://hooks.example/x' }))!.payload as unknown as WebhookEnvelope
    ).body;
    expect(body.approval?.approvePath).toBe(
      '/api/v1/namespaces/team%20a/runs/run%2F1%3Fx/tasks/sign%23off/approve',
    );
  });

  it('signs with the DAG secret, resolved by name through the secret source', async () => {
    const { server, verified, rejected } = await verifyingReceiver('per-dag-secret', 0);
    const notifier = createWebhookNotifier({
      secret: SECRET,
      secretSource: envSecretSource({ env: { HOOK_SECRET: 'per-dag-secret' } }),
    });
    const ok = await notifier.deliver(
      toRecord(notifier.select(events[1]!, dagWith({ url: server.url, secret: 'HOOK_SECRET' }))!),
    );
    expect(ok).toMatchObject({ ok: true, statusCode: 204 });
    expect(verified).toHaveLength(1);
    const missing = await notifier.deliver(
      toRecord(notifier.select(events[1]!, dagWith({ url: server.url, secret: 'NOPE' }))!),
    );
    expect(missing).toMatchObject({ ok: false, statusCode: null });
    expect(missing.error).toMatch(/^SecretNotFound/);
    expect(rejected).toEqual([]);
  });

  it('a receiver with another secret rejects the delivery, which counts as failed', async () => {
    const { server, rejected } = await verifyingReceiver('receiver-secret', 0);
    const notifier = createWebhookNotifier({ secret: 'engine-secret' });
    const attempt = await notifier.deliver(
      toRecord(notifier.select(events[0]!, dagWith({ url: server.url }))!),
    );
    expect(attempt).toMatchObject({ ok: false, statusCode: 401 });
    expect(rejected).toEqual(['bad-signature']);
  });

  it('sends unsigned (as Kontroler did) when no secret is configured', async () => {
    const server = await startHttpServer((_req, res) => reply(res, 200));
    servers.push(server);
    const notifier = createWebhookNotifier();
    const message = toRecord(notifier.select(events[0]!, dagWith({ url: server.url }))!);
    await expect(notifier.deliver(message)).resolves.toMatchObject({ ok: true });
    expect(server.requests[0]!.headers['webhook-id']).toBe(message.id);
    expect(server.requests[0]!.headers['webhook-signature']).toBeUndefined();
    expect(JSON.parse(server.requests[0]!.body)).toMatchObject({ type: 'taskrun', dagRunId: 'run-1' });
  });

  it('rejects a self-signed HTTPS receiver unless verifySSL is false', async () => {
    const server = await startHttpsServer(cert, (request, response) => {
      verifyWebhook(SECRET, request.headers, request.body);
      reply(response, 200);
    });
    servers.push(server);
    const notifier = createWebhookNotifier({ secret: SECRET });
    const strict = await notifier.deliver(
      toRecord(notifier.select(events[0]!, dagWith({ url: server.url }))!),
    );
    expect(strict.ok).toBe(false);
    expect(strict.statusCode).toBeNull();
    expect(strict.error).toMatch(/self[- ]signed|DEPTH_ZERO_SELF_SIGNED_CERT/i);
    expect(server.requests).toHaveLength(0);
    const relaxed = await notifier.deliver(
      toRecord(notifier.select(events[0]!, dagWith({ url: server.url, verifySSL: false }))!),
    );
    expect(relaxed).toMatchObject({ ok: true, statusCode: 200 });
    expect(server.requests).toHaveLength(1);
  });

  it('fails an attempt on a network error and on a receiver that does not answer in time', async () => {
    const hanging = await startHttpServer(() => {
      /* never answers */
    });
    servers.push(hanging);
    const notifier = createWebhookNotifier({ timeoutMs: 200 });
    const slow = await notifier.deliver(
      toRecord(notifier.select(events[0]!, dagWith({ url: hanging.url }))!),
    );
    expect(slow).toMatchObject({ ok: false, statusCode: null });
    expect(slow.error).toMatch(/no response within 200 ms/);
    expect(slow.durationMs).toBeGreaterThanOrEqual(150);

    const closed = await startHttpServer(() => {});
    await closed.close();
    const refused = await notifier.deliver(
      toRecord(notifier.select(events[0]!, dagWith({ url: closed.url }))!),
    );
    expect(refused).toMatchObject({ ok: false, statusCode: null });
    expect(refused.error).toMatch(/ECONNREFUSED/);
  });

  it('fails an outbox row that is not a webhook envelope', async () => {
    const notifier = createWebhookNotifier();
    const attempt = await notifier.deliver(toRecord({ runId: null, payload: { something: 'else' } }));
    expect(attempt).toMatchObject({ ok: false, error: 'the outbox message is not a webhook envelope' });
  });
});
