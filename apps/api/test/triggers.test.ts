/**
 * Inbound triggers over real HTTP on PostgreSQL: requests signed by the official `standardwebhooks`
 * library start runs with mapped parameters; a bad signature, an old timestamp, a replay or a bad payload
 * get a problem and start nothing; secrets rotate with two valid at once; each trigger is rate-limited.
 */
import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleDag, startHarness, type Harness } from './support/harness.js';

let h: Harness;
let editor: string;
let viewer: string;
const NS = 'hooks';
const base = `/api/v1/namespaces/${NS}`;

beforeAll(async () => {
  h = await startHarness();
  editor = (await h.user('trigger-editor', [{ role: 'editor', namespace: NS }])).token;
  viewer = (await h.user('trigger-viewer', [{ role: 'viewer', namespace: NS }])).token;
});
afterAll(async () => h?.close());

interface Created {
  id: string;
  url: string;
  secret: string;
  secrets: Array<{ hint: string }>;
}

/** A DAG with parameters `ref` and `region`, and a trigger `github` mapping the body onto them. */
async function dagWithTrigger(
  extra: Record<string, unknown> = {},
): Promise<{ dag: string; trigger: Created }> {
  const dag = `d-${randomUUID().slice(0, 8)}`;
  const spec = sampleDag(dag, {
    parameters: [
      { name: 'ref', defaultValue: 'main' },
      { name: 'region', defaultValue: 'eu' },
    ],
  });
  expect((await h.request('POST', `${base}/dags`, { token: editor, body: spec })).status).toBe(201);
  const made = await h.request<Created>('POST', `${base}/dags/${dag}/triggers`, {
    token: editor,
    body: { name: 'github', mapping: { ref: '/ref' }, ...extra },
  });
  expect(made.status, made.text).toBe(201);
  return { dag, trigger: made.body };
}

function signed(secret: string, payload: unknown, options: { id?: string; at?: Date } = {}) {
  const body = JSON.stringify(payload);
  const id = options.id ?? `msg_${randomUUID()}`;
  const at = options.at ?? new Date();
  return {
    body,
    headers: {
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': new Webhook(secret).sign(id, at, body),
    },
  };
}

const post = (url: string, req: { body: string; headers: Record<string, string> }) =>
  h.request<{ runId?: string; code?: string; errors?: Array<{ pointer: string; code: string }> }>(
    'POST',
    url,
    { body: req.body, contentType: 'application/json', headers: req.headers },
  );

async function runsOf(dag: string): Promise<string[]> {
  return (await h.store.listRuns({ dag: { namespace: NS, name: dag } }, { limit: 100 })).items.map(
    (r) => r.id,
  );
}

describe('inbound triggers', () => {
  it('starts a run with the mapped parameters for a correctly signed request', async () => {
    const { dag, trigger } = await dagWithTrigger({ mapping: { ref: '/ref', region: '/repo/region' } });
    expect(trigger.secret).toMatch(/^whsec_/);
    expect(trigger.url).toBe(`/api/v1/hooks/${trigger.id}`);
    const reply = await post(trigger.url, signed(trigger.secret, { ref: 'main', repo: { region: 'us' } }));
    expect(reply.status, JSON.stringify(reply.body)).toBe(202);
    const run = await h.store.getRun(reply.body.runId ?? '');
    expect(run?.parameters).toEqual({ ref: { value: 'main' }, region: { value: 'us' } });
    expect(run?.labels).toEqual({ 'kontroler.dev/trigger': 'github' });
    // A parameter the mapping leaves out keeps its default.
    const partial = await h.request<Created>('POST', `${base}/dags/${dag}/triggers`, {
      token: editor,
      body: { name: 'partial', mapping: { ref: '/ref' } },
    });
    const second = await post(partial.body.url, signed(partial.body.secret, { ref: 'dev' }));
    expect(second.status).toBe(202);
    expect((await h.store.getRun(second.body.runId ?? ''))?.parameters.region).toEqual({ value: 'eu' });
    expect((await runsOf(dag)).length).toBe(2);
  });

  it('refuses a bad signature, a missing one and an old timestamp with 401 and starts nothing', async () => {
    const { dag, trigger } = await dagWithTrigger();
    const wrong = await post(trigger.url, signed('whsec_d3Jvbmctc2VjcmV0LXdyb25nLXNlY3JldA==', { ref: 'x' }));
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(wrong.body.code).toBe('SIGNATURE_INVALID');
    const tampered = signed(trigger.secret, { ref: 'x' });
    const edited = await post(trigger.url, { ...tampered, body: tampered.body.replace('x', 'y') });
    expect(edited.body.code).toBe('SIGNATURE_INVALID');
    const unsigned = await post(trigger.url, { body: '{"ref":"x"}', headers: {} });
    expect([unsigned.status, unsigned.body.code]).toEqual([401, 'SIGNATURE_MISSING']);
    const old = await post(
      trigger.url,
      signed(trigger.secret, { ref: 'x' }, { at: new Date(Date.now() - 10 * 60_000) }),
    );
    expect([old.status, old.body.code]).toEqual([401, 'SIGNATURE_TIMESTAMP_EXPIRED']);
    expect(await runsOf(dag)).toEqual([]);
  });

  it('refuses a replayed message id with 409 and starts no second run', async () => {
    const { dag, trigger } = await dagWithTrigger();
    const request = signed(trigger.secret, { ref: 'main' });
    const first = await post(trigger.url, request);
    expect(first.status).toBe(202);
    const replays = await Promise.all([post(trigger.url, request), post(trigger.url, request)]);
    expect(replays.map((r) => [r.status, r.body.code])).toEqual([
      [409, 'MESSAGE_REPLAYED'],
      [409, 'MESSAGE_REPLAYED'],
    ]);
    expect(await runsOf(dag)).toEqual([first.body.runId]);
  });

  it('refuses a body that does not give the parameters with 422 naming the pointer', async () => {
    const { dag, trigger } = await dagWithTrigger();
    const missing = await post(trigger.url, signed(trigger.secret, { repo: { region: 'us' } }));
    expect(missing.status).toBe(422);
    expect(missing.body.errors).toEqual([
      expect.objectContaining({ pointer: '/ref', code: 'PAYLOAD_FIELD_MISSING' }),
    ]);
    const object = await post(trigger.url, signed(trigger.secret, { ref: { nested: true } }));
    expect(object.body.errors).toEqual([
      expect.objectContaining({ pointer: '/ref', code: 'PAYLOAD_FIELD_TYPE' }),
    ]);
    expect(await runsOf(dag)).toEqual([]);
  });

  it('checks the mapping against the DAG parameters when the trigger is saved', async () => {
    const dag = `d-${randomUUID().slice(0, 8)}`;
    const spec = sampleDag(dag, { parameters: [{ name: 'ref', defaultValue: 'main' }] });
    await h.request('POST', `${base}/dags`, { token: editor, body: spec });
    const bad = await h.request<{ errors: Array<{ path: string; code: string }> }>(
      'POST',
      `${base}/dags/${dag}/triggers`,
      { token: editor, body: { name: 'bad', mapping: { colour: '/c', ref: 'no-slash' } } },
    );
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e) => [e.path, e.code])).toEqual([
      ['/mapping/colour', 'UNKNOWN_PARAMETER'],
      ['/mapping/ref', 'INVALID_POINTER'],
    ]);
  });

  it('rotates: the new and the previous secret both verify, until the previous is revoked', async () => {
    const { trigger, dag } = await dagWithTrigger();
    const path = `${base}/dags/${dag}/triggers/github`;
    const rotated = await h.request<Created>('POST', `${path}/rotate`, { token: editor, body: {} });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(trigger.secret);
    expect(rotated.body.secrets).toHaveLength(2);
    expect(JSON.stringify(rotated.body.secrets)).not.toContain(trigger.secret);
    expect((await post(trigger.url, signed(trigger.secret, { ref: 'a' }))).status).toBe(202);
    expect((await post(trigger.url, signed(rotated.body.secret, { ref: 'b' }))).status).toBe(202);
    const revoked = await h.request<Created>('POST', `${path}/rotate`, {
      token: editor,
      body: { revokePrevious: true },
    });
    expect(revoked.body.secrets).toHaveLength(1);
    expect((await post(trigger.url, signed(rotated.body.secret, { ref: 'c' }))).status).toBe(401);
    expect((await post(trigger.url, signed(revoked.body.secret, { ref: 'd' }))).status).toBe(202);
    // The list never shows a secret again.
    const listed = await h.request('GET', `${base}/dags/${dag}/triggers`, { token: editor });
    expect(listed.text).not.toContain(revoked.body.secret);
  });

  it('rate-limits each trigger on its own, with Retry-After', async () => {
    const { trigger } = await dagWithTrigger({ ratePerMinute: 2 });
    const { trigger: other } = await dagWithTrigger({ ratePerMinute: 2 });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++)
      statuses.push((await post(trigger.url, signed(trigger.secret, { ref: 'r' }))).status);
    expect(statuses).toEqual([202, 202, 429]);
    const limited = await post(trigger.url, signed(trigger.secret, { ref: 'r' }));
    expect(limited.body.code).toBe('TRIGGER_RATE_LIMITED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await post(other.url, signed(other.secret, { ref: 'r' }))).status).toBe(202);
  });

  it('refuses duplicate names, answers 404 for deleted triggers, and needs the editor role', async () => {
    const { dag, trigger } = await dagWithTrigger();
    const again = await h.request('POST', `${base}/dags/${dag}/triggers`, {
      token: editor,
      body: { name: 'github', mapping: { ref: '/ref' } },
    });
    expect(again.status).toBe(409);
    expect((await h.request('GET', `${base}/dags/${dag}/triggers`, { token: viewer })).status).toBe(403);
    expect((await h.request('DELETE', `${base}/dags/${dag}/triggers/github`, { token: editor })).status).toBe(
      204,
    );
    const gone = await post(trigger.url, signed(trigger.secret, { ref: 'x' }));
    expect([gone.status, gone.body.code]).toEqual([404, 'TRIGGER_NOT_FOUND']);
  });
});
