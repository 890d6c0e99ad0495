/**
 * Backfills over real HTTP on PostgreSQL with the real engine: progress (done / total) as runs finish, the
 * concurrency cap, idempotency (a second backfill of the same range makes no run), cancel as a whole, and
 * the problems for a DAG without a schedule or an empty range.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUCCEED, sampleDag, startHarness, type Harness } from './support/harness.js';

let h: Harness;
let editor: string;
let viewer: string;
const NS = 'backfill';
const base = `/api/v1/namespaces/${NS}`;
const FROM = '2026-01-01T00:00:00.000Z';
const TO = '2026-01-01T06:00:00.000Z';

interface Backfill {
  id: string;
  state: string;
  total: number;
  submitted: number;
  done: number;
  failed: number;
  active: number;
}

beforeAll(async () => {
  h = await startHarness({ deps: { backfills: { pollIntervalMs: 50 } } });
  editor = (await h.user('backfill-editor', [{ role: 'editor', namespace: NS }])).token;
  viewer = (await h.user('backfill-viewer', [{ role: 'viewer', namespace: NS }])).token;
  h.runtime.script({ task: 'quick' }, SUCCEED);
});
afterAll(async () => h?.close());

/** An hourly DAG whose task `task` succeeds at once (`quick`) or hangs until canceled (`slow`). */
async function hourlyDag(task: 'quick' | 'slow'): Promise<string> {
  const name = `bf-${randomUUID().slice(0, 8)}`;
  const spec = sampleDag(name, {
    schedule: '0 * * * *',
    tasks: [{ name: task, image: 'alpine', command: ['true'] }],
  });
  expect((await h.request('POST', `${base}/dags`, { token: editor, body: spec })).status).toBe(201);
  return name;
}

/** Reads the backfill until `until` holds (the driver works in the background), for at most 15 s. */
async function progressUntil(id: string, until: (b: Backfill) => boolean): Promise<Backfill> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const reply = await h.request<Backfill>('GET', `${base}/backfills/${id}`, { token: viewer });
    if (until(reply.body)) return reply.body;
    if (Date.now() > deadline) throw new Error(`backfill ${id} stuck at ${JSON.stringify(reply.body)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const runsOf = async (dag: string) =>
  (await h.store.listRuns({ dag: { namespace: NS, name: dag } }, { limit: 100 })).items;

describe('backfills', () => {
  it('creates a run per tick and reports done / total until it completes', async () => {
    const dag = await hourlyDag('quick');
    const created = await h.request<Backfill>('POST', `${base}/dags/${dag}/backfills`, {
      token: editor,
      body: { from: FROM, to: TO, maxActiveRuns: 2 },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({ total: 6, state: 'running' });
    const done = await progressUntil(created.body.id, (b) => b.state === 'completed');
    expect(done).toMatchObject({ total: 6, submitted: 6, done: 6, failed: 0, active: 0 });
    const runs = await runsOf(dag);
    expect(runs.map((r) => new Date(r.scheduledFor ?? 0).toISOString()).sort()).toEqual(
      [0, 1, 2, 3, 4, 5].map((hour) => `2026-01-01T0${hour}:00:00.000Z`),
    );
    // The same range again: every tick already has its run, so nothing new is made.
    const again = await h.request<Backfill>('POST', `${base}/dags/${dag}/backfills`, {
      token: editor,
      body: { from: FROM, to: TO, maxActiveRuns: 6 },
    });
    await progressUntil(again.body.id, (b) => b.state === 'completed');
    expect(await runsOf(dag)).toHaveLength(6);
    const listed = await h.request<{ items: Backfill[] }>('GET', `${base}/dags/${dag}/backfills`, {
      token: viewer,
    });
    expect(listed.body.items.map((b) => b.id)).toEqual([again.body.id, created.body.id]);
  });

  it('keeps at most maxActiveRuns active and cancels as a whole', async () => {
    const dag = await hourlyDag('slow');
    const created = await h.request<Backfill>('POST', `${base}/dags/${dag}/backfills`, {
      token: editor,
      body: { from: FROM, to: TO, maxActiveRuns: 2 },
    });
    expect(created.body).toMatchObject({ total: 6, submitted: 2, active: 2, done: 0 });
    expect(
      (await h.request('POST', `${base}/backfills/${created.body.id}/cancel`, { token: viewer })).status,
    ).toBe(403);
    const canceled = await h.request<Backfill>('POST', `${base}/backfills/${created.body.id}/cancel`, {
      token: editor,
    });
    expect(canceled.body.state).toBe('canceled');
    const runs = await runsOf(dag);
    expect(runs).toHaveLength(2);
    for (const run of runs) await h.waitForRun(run.id, 'canceled');
  });

  it('refuses a DAG without a schedule (409) and an empty range (400), naming the field', async () => {
    const unscheduled = `bf-${randomUUID().slice(0, 8)}`;
    await h.request('POST', `${base}/dags`, { token: editor, body: sampleDag(unscheduled) });
    const no = await h.request<{ code: string }>('POST', `${base}/dags/${unscheduled}/backfills`, {
      token: editor,
      body: { from: FROM, to: TO },
    });
    expect([no.status, no.body.code]).toEqual([409, 'DAG_NOT_SCHEDULED']);
    const dag = await hourlyDag('slow');
    const empty = await h.request<{ errors: Array<{ path: string }> }>(
      'POST',
      `${base}/dags/${dag}/backfills`,
      {
        token: editor,
        body: { from: TO, to: FROM },
      },
    );
    expect(empty.status).toBe(400);
    expect(empty.body.errors.map((e) => e.path)).toEqual(['/to']);
    const noTick = await h.request<{ code: string }>('POST', `${base}/dags/${dag}/backfills`, {
      token: editor,
      body: { from: '2026-01-01T00:10:00Z', to: '2026-01-01T00:20:00Z' },
    });
    expect([noTick.status, noTick.body.code]).toEqual([422, 'PARAMETER_INVALID']);
    expect((await h.request('GET', `${base}/backfills/${randomUUID()}`, { token: viewer })).status).toBe(404);
  });
});
