/**
 * The dashboard endpoints over real PostgreSQL: figures computed from runs seeded at known times (the app's
 * clock is fixed), limited to the namespaces the caller may read, and bad parameters refused by name.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bucketMidpoint, durationBucket, type RunState } from '@kontroler/core';
import { startHarness, sampleDag, type Harness } from './support/harness.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const HALF_PAST_NOON = 12 * HOUR + 30 * 60_000;
const TODAY = Math.floor(Date.now() / DAY) * DAY;
// 12:30 UTC (the day buckets below rely on the time of day), never earlier than the real clock: the API
// signs access tokens at NOW and passport verifies their expiry against the real clock.
const NOW = TODAY + HALF_PAST_NOON >= Date.now() ? TODAY + HALF_PAST_NOON : TODAY + DAY + HALF_PAST_NOON;
/** The UTC day `daysAgo` days before NOW, as the API names it. */
const dayOf = (daysAgo: number): string => new Date(NOW - daysAgo * DAY).toISOString().slice(0, 10);
const [A, B] = ['dash-a', 'dash-b'];

let h: Harness;
let viewerA: string;
let admin: string;

async function finished(
  namespace: string,
  dagName: string,
  state: RunState,
  finishedAt: number,
  durationMs: number,
  tasks: Array<{ name: string; state: 'succeeded' | 'failed'; ms: number }> = [],
): Promise<void> {
  const id = randomUUID();
  const startedAt = finishedAt - durationMs;
  await h.store.createRun({
    run: {
      id,
      dagName,
      namespace,
      dagVersion: 1,
      state,
      parameters: {},
      trigger: 'api',
      revision: 0,
      round: 1,
      cancelRequested: false,
      createdAt: startedAt,
      startedAt,
      finishedAt,
      reason: null,
      idempotencyKey: null,
      scheduledFor: null,
      labels: {},
      priority: 0,
    },
    attempts: tasks.map((t, i) => ({
      id: randomUUID(),
      runId: id,
      taskName: t.name,
      attempt: i + 1,
      round: 1,
      state: t.state,
      exitCode: t.state === 'succeeded' ? 0 : 1,
      reason: null,
      message: null,
      createdAt: startedAt,
      availableAt: null,
      startedAt: finishedAt - t.ms,
      finishedAt,
      leaseOwner: null,
      leaseExpiresAt: null,
      runtime: 'fake',
      nonRetryable: false,
      retryAfterMs: null,
      failureKind: null,
    })),
  });
}

beforeAll(async () => {
  h = await startHarness({ deps: { now: () => NOW } });
  viewerA = (await h.user('dash-viewer-a', [{ role: 'viewer', namespace: A }])).token;
  admin = (await h.user('dash-admin', [{ role: 'admin', namespace: null }])).token;
  // etl in A: 3 succeeded and 1 failed in the last day, 1 more succeeded 3 days ago, 1 failed 10 days ago.
  await finished(A, 'etl', 'succeeded', NOW - 10 * 60_000, 1000, [
    { name: 'extract', state: 'succeeded', ms: 400 },
    { name: 'load', state: 'succeeded', ms: 500 },
  ]);
  await finished(A, 'etl', 'succeeded', NOW - 2 * HOUR, 1000, [{ name: 'load', state: 'failed', ms: 900 }]);
  await finished(A, 'etl', 'succeeded', NOW - 20 * HOUR, 1000);
  await finished(A, 'etl', 'failed', NOW - 5 * HOUR, 64_000, [{ name: 'load', state: 'failed', ms: 700 }]);
  await finished(A, 'etl', 'succeeded', NOW - 3 * DAY, 2000);
  await finished(A, 'etl', 'failed', NOW - 10 * DAY, 5);
  await finished(A, 'etl', 'canceled', NOW - HOUR, 5);
  // B is another team's: the viewer of A must see none of it.
  await finished(B, 'secret-dag', 'failed', NOW - HOUR, 1000, [
    { name: 'hidden', state: 'failed', ms: 9000 },
  ]);
  // Waiting runs, oldest first.
  for (const [namespace, dagName] of [
    [A, 'etl'],
    [B, 'secret-dag'],
    [A, 'report'],
  ] as const) {
    const run = await h.store.createRun({
      run: {
        id: randomUUID(),
        dagName,
        namespace,
        dagVersion: 1,
        state: 'pending',
        parameters: {},
        trigger: 'api',
        revision: 0,
        round: 1,
        cancelRequested: false,
        createdAt: NOW - 60_000 + dagName.length,
        startedAt: null,
        finishedAt: null,
        reason: null,
        idempotencyKey: null,
        scheduledFor: null,
        labels: {},
        priority: 0,
      },
      attempts: [],
    });
    expect(run.created).toBe(true);
  }
  // A scheduled DAG in A, and one in B.
  for (const [namespace, name, schedule] of [
    [A, 'hourly', '0 * * * *'],
    [B, 'nightly-b', '0 3 * * *'],
  ] as const) {
    const saved = await h.request('POST', `/api/v1/namespaces/${namespace}/dags`, {
      token: admin,
      body: sampleDag(name, { schedule, suspended: true }),
    });
    expect(saved.status).toBe(201);
  }
}, 60_000);
afterAll(async () => {
  await h?.close();
});

describe('GET /api/v1/dashboard/summary', () => {
  it('answers runs by state, per-DAG success rate and quantiles, and a daily chart, for A only', async () => {
    const reply = await h.request<{
      active: Record<string, number>;
      finished24h: Record<string, number>;
      dags: Array<{
        namespace: string;
        name: string;
        last24h: Record<string, unknown>;
        last7d: Record<string, unknown>;
      }>;
      daily: Array<{ day: string; succeeded: number; failed: number; canceled: number }>;
      generatedAt: string;
    }>('GET', '/api/v1/dashboard/summary?days=14', { token: viewerA });
    expect(reply.status).toBe(200);
    expect(reply.text).not.toContain(B);
    expect(reply.text).not.toContain('secret-dag');
    expect(reply.body.generatedAt).toBe(new Date(NOW).toISOString());
    expect(reply.body.active).toMatchObject({ pending: 2, running: 0 });
    expect(reply.body.finished24h).toEqual({ succeeded: 3, failed: 1, canceled: 1 });
    const mid = (ms: number) => Math.round(bucketMidpoint(durationBucket(ms)));
    expect(reply.body.dags).toEqual([
      {
        namespace: A,
        name: 'etl',
        last24h: {
          succeeded: 3,
          failed: 1,
          canceled: 1,
          successRate: 0.75,
          p50Ms: mid(1000),
          p95Ms: mid(64_000),
        },
        last7d: {
          succeeded: 4,
          failed: 1,
          canceled: 1,
          successRate: 0.8,
          p50Ms: mid(1000),
          p95Ms: mid(64_000),
        },
      },
    ]);
    expect(reply.body.daily).toHaveLength(14);
    expect(reply.body.daily.at(-1)).toEqual({ day: dayOf(0), succeeded: 2, failed: 1, canceled: 1 });
    expect(reply.body.daily.at(-2)).toEqual({ day: dayOf(1), succeeded: 1, failed: 0, canceled: 0 });
    expect(reply.body.daily.at(-4)).toEqual({ day: dayOf(3), succeeded: 1, failed: 0, canceled: 0 });
    expect(reply.body.daily[0]?.day).toBe(dayOf(13));
    expect(reply.body.daily.find((d) => d.day === dayOf(10))).toMatchObject({ failed: 1 });
    expect(reply.body.daily.reduce((n, d) => n + d.failed, 0)).toBe(2);
  });

  it('covers every namespace for a global reader, and one when asked', async () => {
    const all = await h.request<{ finished24h: Record<string, number> }>('GET', '/api/v1/dashboard/summary', {
      token: admin,
    });
    expect(all.body.finished24h).toEqual({ succeeded: 3, failed: 2, canceled: 1 });
    const onlyB = await h.request<{ dags: Array<{ name: string }> }>(
      'GET',
      `/api/v1/dashboard/summary?namespace=${B}`,
      { token: admin },
    );
    expect(onlyB.body.dags.map((d) => d.name)).toEqual(['secret-dag']);
    // Asking for a namespace one may not read gives nothing, as if it were empty.
    const denied = await h.request<{ dags: unknown[]; active: Record<string, number> }>(
      'GET',
      `/api/v1/dashboard/summary?namespace=${B}`,
      { token: viewerA },
    );
    expect(denied.status).toBe(200);
    expect(denied.body.dags).toEqual([]);
    expect(denied.body.active).toMatchObject({ pending: 0 });
  });

  it('refuses bad parameters by name with a problem', async () => {
    for (const query of ['days=0', 'days=91', 'days=x', 'bogus=1']) {
      const reply = await h.request<{ detail?: string }>('GET', `/api/v1/dashboard/summary?${query}`, {
        token: viewerA,
      });
      expect(reply.status, query).toBe(400);
      expect(reply.headers.get('content-type'), query).toContain('application/problem+json');
      expect(reply.text, query).toContain(query.split('=')[0] ?? '');
    }
  });
});

describe('GET /api/v1/dashboard/tasks', () => {
  it('ranks the slowest and the most failing tasks of the window', async () => {
    const reply = await h.request<{ window: string; slowest: unknown[]; failing: unknown[] }>(
      'GET',
      '/api/v1/dashboard/tasks?window=24h',
      { token: viewerA },
    );
    expect(reply.status).toBe(200);
    expect(reply.body.window).toBe('24h');
    expect(reply.body.slowest).toEqual([
      { namespace: A, dagName: 'etl', taskName: 'load', succeeded: 1, failed: 2, meanDurationMs: 700 },
      { namespace: A, dagName: 'etl', taskName: 'extract', succeeded: 1, failed: 0, meanDurationMs: 400 },
    ]);
    expect(reply.body.failing).toEqual([
      { namespace: A, dagName: 'etl', taskName: 'load', succeeded: 1, failed: 2, meanDurationMs: 700 },
    ]);
    const bad = await h.request('GET', '/api/v1/dashboard/tasks?window=1y', { token: viewerA });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('window');
  });
});

describe('GET /api/v1/dashboard/queue', () => {
  it('lists waiting runs oldest first with their position, and upcoming scheduled runs', async () => {
    const reply = await h.request<{
      queued: Array<{ position: number; run: { dagName: string; namespace: string } }>;
      upcoming: Array<{ namespace: string; dagName: string; at: string }>;
    }>('GET', '/api/v1/dashboard/queue?limit=3', { token: viewerA });
    expect(reply.status).toBe(200);
    expect(reply.text).not.toContain(B);
    expect(reply.body.queued.map((q) => [q.position, q.run.dagName])).toEqual([
      [1, 'etl'],
      [2, 'report'],
    ]);
    // Suspended DAGs fire nothing: none upcoming. Resume one and its next three ticks appear.
    expect(reply.body.upcoming).toEqual([]);
    expect(
      (await h.request('POST', `/api/v1/namespaces/${A}/dags/hourly/resume`, { token: admin })).status,
    ).toBe(200);
    const resumed = await h.request<{ upcoming: Array<{ dagName: string; at: string }> }>(
      'GET',
      '/api/v1/dashboard/queue?limit=3',
      { token: viewerA },
    );
    expect(resumed.body.upcoming).toEqual(
      // The next three top-of-the-hour ticks after 12:30.
      [1, 2, 3].map((i) => ({
        namespace: A,
        dagName: 'hourly',
        schedule: '0 * * * *',
        at: new Date(NOW - 30 * 60_000 + i * HOUR).toISOString(),
      })),
    );
  });
});
