/**
 * Runs, logs, deliveries, live events (SSE with Last-Event-ID), users and the audit log. Tasks run on the
 * harness's FakeRuntime and hang unless a test scripts them; a test that scripts `extract` or `load` puts
 * them back to `HANG` before it ends, so no run of another test finishes behind its back.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAIL, HANG, sampleDag, startHarness, SUCCEED, type Harness } from './support/harness.js';
import { openSse } from './support/sse-client.js';

const V1 = '/api/v1';
/** The default namespace's DAGs and runs. */
const NS = `${V1}/namespaces/default`;
let h: Harness;
let admin: string;
let editor: string;
let viewer: string;

interface Run {
  id: string;
  state: string;
  dagName: string;
  namespace: string;
  parameters: Record<string, unknown>;
  durationMs: number | null;
  cancelRequested: boolean;
}
interface Detail {
  run: Run;
  attempts: Array<{ id: string; taskName: string; state: string; failureKind?: string | null }>;
  tasks: Array<{ name: string; runAfter: string[] }>;
}

beforeAll(async () => {
  h = await startHarness();
  admin = (await h.user('boss', [{ role: 'admin', namespace: null }])).token;
  editor = (await h.user('ed', [{ role: 'editor', namespace: null }])).token;
  viewer = (await h.user('vi', [{ role: 'viewer', namespace: null }])).token;
  const dag = sampleDag('etl', {
    parameters: [
      { name: 'region', defaultValue: 'eu' },
      { name: 'password', defaultFromSecret: 'db-password' },
      { name: 'day', defaultValue: 'sun' },
    ],
    tasks: [
      { name: 'extract', image: 'alpine', command: ['true'], parameters: ['region', 'password', 'day'] },
      { name: 'load', image: 'alpine', command: ['true'], runAfter: ['extract'] },
    ],
  });
  const saved = await h.request('POST', `${NS}/dags`, { token: editor, body: dag });
  expect(saved.status, saved.text).toBe(201);
});
afterAll(async () => h?.close());

/** Triggers a run of etl; an accepted run is returned once its `extract` is in the runtime's hands. */
const trigger = async (
  parameters: Record<string, string> = { day: 'mon' },
  extra: Record<string, unknown> = {},
) => {
  const reply = await h.request<Run>('POST', `${NS}/dags/etl/runs`, {
    token: editor,
    body: { parameters, ...extra },
  });
  if (reply.status < 300) await h.executed(reply.body.id, 'extract');
  return reply;
};

/** Puts etl's tasks back to hanging (the default), so runs triggered later stay active. */
function unscript(): void {
  h.runtime.script({ task: 'extract' }, HANG).script({ task: 'load' }, HANG);
}

describe('runs', () => {
  it('triggers with checked parameters and never echoes secrets', async () => {
    const run = await trigger();
    expect(run.status).toBe(201);
    expect(run.body.parameters).toEqual({
      region: 'eu',
      password: { fromSecret: 'db-password' },
      day: 'mon',
    });
    const unknown = await trigger({ day: 'mon', nope: 'x' });
    expect(unknown.status).toBe(422);
    expect((unknown.body as unknown as { code: string }).code).toBe('PARAMETER_INVALID');
    const defaults = await trigger({});
    expect(defaults.body.parameters.day).toBe('sun');
    const keyed1 = await trigger({ day: 'tue' }, { idempotencyKey: 'k-1' });
    const keyed2 = await trigger({ day: 'tue' }, { idempotencyKey: 'k-1' });
    expect(keyed2.body.id).toBe(keyed1.body.id);
    expect((await h.request('POST', `${NS}/dags/ghost/runs`, { token: editor, body: {} })).status).toBe(404);
    expect(
      (await h.request('POST', `${NS}/dags/etl/runs`, { token: editor, body: { parameters: { day: 5 } } }))
        .status,
    ).toBe(400);
  });

  it('shows detail, cancels once, retries only failed runs', async () => {
    // extract fails when the clock moves 1 ms, then waits for a retry that never comes (the clock stands
    // still again): a run with nothing running, which a cancel ends at once.
    h.runtime.script({ task: 'extract' }, { exitCode: 1, delayMs: 1 });
    const run = (await trigger()).body;
    unscript();
    const detail = await h.request<Detail>('GET', `${NS}/runs/${run.id}`, { token: viewer });
    expect(detail.body.attempts.map((a) => a.taskName).sort()).toEqual(['extract', 'load']);
    expect(detail.body.tasks).toEqual([
      { name: 'extract', runAfter: [] },
      { name: 'load', runAfter: ['extract'] },
    ]);
    expect((await h.request('POST', `${NS}/runs/${run.id}/retry`, { token: editor, body: {} })).status).toBe(
      409,
    );
    await h.clock.advance(1);
    await h.waitForRun(run.id, (s) =>
      s.attempts.some((a) => a.taskName === 'extract' && a.state === 'retrying'),
    );
    // The failed attempt says what kind of failure it was (the task's own exit), which retryPolicy decides by.
    const failing = await h.request<Detail>('GET', `${NS}/runs/${run.id}`, { token: viewer });
    expect(failing.body.attempts.filter((a) => a.taskName === 'extract').map((a) => a.failureKind)).toEqual([
      'exit',
      null,
    ]);
    const canceled = await h.request<Run>('POST', `${NS}/runs/${run.id}/cancel`, { token: editor });
    expect(canceled.body.state).toBe('canceled');
    const again = await h.request<{ code: string }>('POST', `${NS}/runs/${run.id}/cancel`, { token: editor });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('RUN_FINISHED');
    const retried = await h.request<Run>('POST', `${NS}/runs/${run.id}/retry`, {
      token: editor,
      body: { latestVersion: true },
    });
    expect(retried.status).toBe(200);
    expect(retried.body.state).toBe('running');
    // The new round's extract hangs, so the run stays active.
    await h.executed(run.id, 'extract', 2);
    expect((await h.waitForRun(run.id, 'running')).run.round).toBe(2);
    expect((await h.request('GET', `${NS}/runs/${randomUUID()}`, { token: viewer })).status).toBe(404);
    expect((await h.request('GET', `${NS}/runs/not-a-uuid`, { token: viewer })).status).toBe(404);
    expect((await h.request('POST', `${NS}/runs/${randomUUID()}/cancel`, { token: editor })).status).toBe(
      404,
    );
  });

  it('cancels a running run by aborting its running task', async () => {
    const run = (await trigger()).body;
    const canceled = await h.request<Run>('POST', `${NS}/runs/${run.id}/cancel`, { token: editor });
    expect(canceled.status).toBe(200);
    // extract is running, so the cancel is only requested: the run ends once the runtime has stopped it.
    expect(canceled.body).toMatchObject({ state: 'running', cancelRequested: true });
    const ended = await h.waitForRun(run.id, 'canceled');
    const extract = ended.attempts.find((a) => a.taskName === 'extract');
    expect(extract?.state).toBe('canceled');
    expect(ended.attempts.find((a) => a.taskName === 'load')?.state).toBe('canceled');
    expect(h.runtime.aborts).toContainEqual({ attemptId: extract?.id, reason: 'Canceled' });
    const detail = await h.request<Detail>('GET', `${NS}/runs/${run.id}`, { token: viewer });
    expect(detail.body.run.state).toBe('canceled');
  });

  it('lists with filters and keyset pagination', async () => {
    const ids: string[] = [];
    // The first fails after 5 ms on the engine's clock, the second succeeds, the rest keep running.
    h.runtime.script({ task: 'extract' }, { ...FAIL, delayMs: 5 });
    ids.push((await trigger()).body.id);
    await h.clock.advance(5);
    await h.waitForRun(ids[0] ?? '', 'failed');
    h.runtime.script({ task: 'extract' }, SUCCEED).script({ task: 'load' }, SUCCEED);
    ids.push((await trigger()).body.id);
    await h.waitForRun(ids[1] ?? '', 'succeeded');
    unscript();
    for (let i = 2; i < 5; i += 1) ids.push((await trigger()).body.id);
    const failed = await h.request<{ items: Run[] }>(
      'GET',
      `${V1}/runs?state=failed&dag=etl&namespace=default`,
      {
        token: viewer,
      },
    );
    expect(failed.status, failed.text).toBe(200);
    expect(failed.body.items.map((r) => r.id)).toEqual([ids[0]]);
    expect(failed.body.items[0]?.durationMs).toBe(5);
    const both = await h.request<{ items: Run[] }>('GET', `${V1}/runs?state=failed,succeeded`, {
      token: viewer,
    });
    expect(both.status, both.text).toBe(200);
    expect(both.body.items.map((r) => r.id).sort()).toEqual([ids[0], ids[1]].sort());
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: Run[]; nextCursor: string | null } } = await h.request(
        'GET',
        `${V1}/runs?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        {
          token: viewer,
        },
      );
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((r) => r.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of ids) expect(seen).toContain(id);
    const future = await h.request<{ items: Run[] }>(
      'GET',
      `${V1}/runs?from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`,
      { token: viewer },
    );
    expect(future.body.items).toEqual([]);
    expect((await h.request('GET', `${V1}/runs?state=exploded`, { token: viewer })).status).toBe(400);
    expect((await h.request('GET', `${V1}/runs?from=yesterday`, { token: viewer })).status).toBe(400);
  });
});

describe('logs', () => {
  it('reads lines as JSON (tail, afterSeq), as text, by byte range, and as a download', async () => {
    const run = (await trigger()).body;
    const detail = (await h.request<Detail>('GET', `${NS}/runs/${run.id}`, { token: viewer })).body;
    const attempt = detail.attempts[0]?.id ?? '';
    const base = `${NS}/runs/${run.id}/attempts/${attempt}/logs`;
    await h.store.appendLogs(
      attempt,
      Array.from({ length: 10 }, (_, i) => ({
        ts: Date.now(),
        stream: 'stdout' as const,
        line: `line ${i + 1}`,
      })),
    );
    const tail = await h.request<{ lines: Array<{ seq: number; line: string }> }>('GET', `${base}?tail=2`, {
      token: viewer,
    });
    expect(tail.body.lines.map((l) => l.line)).toEqual(['line 9', 'line 10']);
    const after = await h.request<{ lines: Array<{ seq: number }> }>('GET', `${base}?afterSeq=7&limit=2`, {
      token: viewer,
    });
    expect(after.body.lines.map((l) => l.seq)).toEqual([8, 9]);
    const text = await h.request('GET', base, { token: viewer, headers: { accept: 'text/plain' } });
    expect(text.text.split('\n')[0]).toBe('line 1');
    expect(text.headers.get('accept-ranges')).toBe('bytes');
    const range = await h.request('GET', base, {
      token: viewer,
      headers: { accept: 'text/plain', range: 'bytes=0-5' },
    });
    expect(range.status).toBe(206);
    expect(range.text).toBe('line 1');
    expect(range.headers.get('content-range')).toBe(`bytes 0-5/${Buffer.byteLength(text.text)}`);
    const unsatisfiable = await h.request('GET', base, {
      token: viewer,
      headers: { accept: 'text/plain', range: 'bytes=9999-' },
    });
    expect(unsatisfiable.status).toBe(416);
    const download = await h.request('GET', `${base}?download=1`, { token: viewer });
    expect(download.headers.get('content-disposition')).toContain('attachment');
    expect(
      (await h.request('GET', `${NS}/runs/${run.id}/attempts/${randomUUID()}/logs`, { token: viewer }))
        .status,
    ).toBe(404);
  });

  it('follows a log live and ends when the attempt finishes', async () => {
    // extract runs until the clock moves 1 s; load then hangs.
    h.runtime.script({ task: 'extract' }, { ...SUCCEED, delayMs: 1000 });
    const run = (await trigger()).body;
    unscript();
    const attempt =
      (await h.request<Detail>('GET', `${NS}/runs/${run.id}`, { token: viewer })).body.attempts.find(
        (a) => a.taskName === 'extract',
      )?.id ?? '';
    expect((await h.store.getRunSnapshot(run.id))?.attempts.find((a) => a.id === attempt)?.state).toBe(
      'running',
    );
    await h.store.appendLogs(attempt, [{ ts: Date.now(), stream: 'stdout', line: 'first' }]);
    const stream = await openSse(`${h.url}${NS}/runs/${run.id}/attempts/${attempt}/logs/stream`, {
      authorization: `Bearer ${viewer}`,
    });
    expect(stream.status).toBe(200);
    await stream.waitFor((e) => e.event === 'log' && e.data.includes('first'));
    await h.store.appendLogs(attempt, [{ ts: Date.now(), stream: 'stderr', line: 'second' }]);
    const second = await stream.waitFor((e) => e.event === 'log' && e.data.includes('second'));
    expect(second.id).toBe('2');
    await h.clock.advance(1000);
    const end = await stream.waitFor((e) => e.event === 'end');
    expect(JSON.parse(end.data)).toEqual({ state: 'succeeded' });
    await stream.ended;

    // Resuming after seq 1 replays only what follows.
    const resumed = await openSse(`${h.url}${NS}/runs/${run.id}/attempts/${attempt}/logs/stream`, {
      authorization: `Bearer ${viewer}`,
      'last-event-id': '1',
    });
    await resumed.ended;
    expect(resumed.events.filter((e) => e.event === 'log').map((e) => e.id)).toEqual(['2']);
    // load, readied by extract's success, hangs like any unscripted task.
    await h.executed(run.id, 'load');
  });
});

describe('events', () => {
  it('streams engine events and resumes with Last-Event-ID', async () => {
    const first = await openSse(`${h.url}${V1}/events`, { authorization: `Bearer ${viewer}` });
    expect(first.status).toBe(200);
    // extract runs until the clock moves 10 ms, then load succeeds at once.
    h.runtime.script({ task: 'extract' }, { ...SUCCEED, delayMs: 10 }).script({ task: 'load' }, SUCCEED);
    const run = (await trigger()).body;
    const created = await first.waitFor(
      (e) => e.event === 'run.created' && JSON.parse(e.data).run.id === run.id,
    );
    first.close();
    // Events while disconnected…
    await h.clock.advance(10);
    await h.waitForRun(run.id, 'succeeded');
    unscript();
    const second = await openSse(`${h.url}${V1}/events?runId=${run.id}`, {
      authorization: `Bearer ${viewer}`,
      'last-event-id': created.id ?? '',
    });
    const started = await second.waitFor((e) => e.event === 'run.started');
    const finished = await second.waitFor((e) => e.event === 'run.finished');
    expect(Number(started.id)).toBeGreaterThan(Number(created.id));
    expect(Number(finished.id)).toBeGreaterThan(Number(started.id));
    expect(JSON.parse(finished.data).run.state).toBe('succeeded');
    expect(second.events.some((e) => e.event === 'run.created')).toBe(false);
    second.close();
    // An id the journal never gave (the in-process hub of earlier versions counted from now × 1000) asks
    // the client to reload, rather than waiting silently for ids that high.
    const stale = await openSse(`${h.url}${V1}/events`, {
      authorization: `Bearer ${viewer}`,
      'last-event-id': String(Date.now() * 1000),
    });
    await stale.waitFor((e) => e.event === 'reset');
    stale.close();
  });

  it('shows only the namespaces a user may see', async () => {
    const outsider = (await h.user('outsider', [{ role: 'viewer', namespace: 'elsewhere' }])).token;
    const stream = await openSse(`${h.url}${V1}/events`, { authorization: `Bearer ${outsider}` });
    const watcher = await openSse(`${h.url}${V1}/events`, { authorization: `Bearer ${viewer}` });
    const run = (await trigger()).body;
    await watcher.waitFor((e) => e.event === 'run.created' && JSON.parse(e.data).run.id === run.id);
    expect(stream.events.filter((e) => e.event.startsWith('run.'))).toEqual([]);
    stream.close();
    watcher.close();
  });
});

describe('deliveries', () => {
  it('lists the history of a run and redelivers', async () => {
    const run = (await trigger()).body;
    const id = randomUUID();
    await h.store.enqueueOutbox([
      { id, topic: 'webhook', runId: run.id, payload: { type: 'run.finished' }, createdAt: Date.now() },
    ]);
    await h.store.recordDelivery(id, {
      attempt: {
        outboxId: id,
        attempt: 1,
        at: Date.now(),
        ok: false,
        statusCode: 503,
        error: 'unavailable',
        durationMs: 12,
      },
      outcome: 'failed',
    });
    const list = await h.request<
      Array<{ id: string; status: string; history: Array<{ statusCode: number }> }>
    >('GET', `${NS}/runs/${run.id}/deliveries`, {
      token: viewer,
    });
    expect(list.body).toHaveLength(1);
    expect(list.body[0]).toMatchObject({ id, status: 'failed', history: [{ statusCode: 503 }] });
    // Who may redeliver is decided by the run's namespace: an editor elsewhere does not even see it, a
    // viewer of its namespace may not, an editor of its namespace may.
    const namespace = run.namespace;
    const elsewhere = (await h.user('ed-elsewhere', [{ role: 'editor', namespace: 'elsewhere' }])).token;
    const nsViewer = (await h.user('vi-ns', [{ role: 'viewer', namespace }])).token;
    const nsEditor = (await h.user('ed-ns', [{ role: 'editor', namespace }])).token;
    const redeliver = async (token: string) =>
      (await h.request('POST', `${NS}/deliveries/${id}/redeliver`, { token })).status;
    expect(await redeliver(elsewhere)).toBe(404);
    expect(await redeliver(nsViewer)).toBe(403);
    expect(await redeliver(nsEditor)).toBe(202);
    const after = await h.request<Array<{ status: string }>>('GET', `${NS}/runs/${run.id}/deliveries`, {
      token: viewer,
    });
    expect(after.body[0]?.status).toBe('pending');
    // Pending already: nothing to redeliver.
    const again = await h.request<{ code: string }>('POST', `${NS}/deliveries/${id}/redeliver`, {
      token: editor,
    });
    expect([again.status, again.body.code]).toEqual([409, 'DELIVERY_PENDING']);
    expect(
      (await h.request('POST', `${NS}/deliveries/${randomUUID()}/redeliver`, { token: editor })).status,
    ).toBe(404);
  });
});

describe('users and audit', () => {
  it('creates, updates, resets, and records who did what from where', async () => {
    const created = await h.request<{ id: string; mustChangePassword: boolean }>('POST', `${V1}/users`, {
      token: admin,
      body: {
        username: 'newbie',
        password: 'first-password',
        roles: [{ role: 'viewer', namespace: 'team-a' }],
      },
    });
    expect(created.status).toBe(201);
    expect(created.body.mustChangePassword).toBe(true);
    expect(
      (
        await h.request('POST', `${V1}/users`, {
          token: admin,
          body: { username: 'newbie', password: 'first-password' },
        })
      ).status,
    ).toBe(409);
    const updated = await h.request<{ roles: unknown[]; disabled: boolean }>(
      'PATCH',
      `${V1}/users/${created.body.id}`,
      {
        token: admin,
        body: { roles: [{ role: 'editor', namespace: null }], disabled: true },
      },
    );
    expect(updated.body).toMatchObject({ roles: [{ role: 'editor', namespace: null }], disabled: true });
    expect(
      (
        await h.request('POST', `${V1}/users/${created.body.id}/password`, {
          token: admin,
          body: { password: 'second-password' },
        })
      ).status,
    ).toBe(204);
    expect(
      (await h.request('PATCH', `${V1}/users/${randomUUID()}`, { token: admin, body: { disabled: true } }))
        .status,
    ).toBe(404);
    const me = await h.request<{ id: string }>('GET', `${V1}/me`, { token: admin });
    const selfLock = await h.request<{ code: string }>('PATCH', `${V1}/users/${me.body.id}`, {
      token: admin,
      body: { disabled: true },
    });
    expect(selfLock.status).toBe(409);
    const users = await h.request<{ items: Array<{ username: string }> }>('GET', `${V1}/users`, {
      token: admin,
    });
    expect(users.body.items.map((u) => u.username)).toContain('newbie');

    const audit = await h.request<{
      items: Array<{ actor: string; action: string; target: string; ip: string }>;
      nextCursor: string | null;
    }>('GET', `${V1}/audit?actor=boss&limit=3`, { token: admin });
    expect(audit.body.items[0]).toMatchObject({
      actor: 'boss',
      action: 'user.reset-password',
      target: 'newbie',
    });
    expect(audit.body.items[0]?.ip).toMatch(/127\.0\.0\.1/);
    expect(audit.body.nextCursor).not.toBeNull();
    const next = await h.request<{ items: Array<{ action: string }> }>(
      'GET',
      `${V1}/audit?actor=boss&limit=3&cursor=${audit.body.nextCursor}`,
      {
        token: admin,
      },
    );
    expect(next.body.items.length).toBeGreaterThan(0);
    const triggers = await h.request<{ items: Array<{ actor: string }> }>(
      'GET',
      `${V1}/audit?action=run.trigger`,
      { token: admin },
    );
    expect(triggers.body.items.every((i) => i.actor === 'ed')).toBe(true);
    expect(triggers.body.items.length).toBeGreaterThan(0);
  });
});
