/**
 * SSE from the run event journal: two API replicas over one PostgreSQL. Runs execute on the harness's
 * engine (behind replica A); replica B runs an engine that is never started, as an API beside a
 * controller does, so everything B streams came through `run_events`. `Last-Event-ID` resumes on the
 * other replica and after a replica restarts; per-namespace visibility is as strict on B as on A.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  HANG,
  SUCCEED,
  sampleDag,
  startApiReplica,
  startHarness,
  type ApiReplica,
  type Harness,
} from './support/harness.js';
import { openSse, type SseClient, type SseEvent } from './support/sse-client.js';

const V1 = '/api/v1';
let h: Harness;
let b: ApiReplica;
let editor: string;
let viewerA: string;
let outsider: string;

/** The lifecycle of a two-task run that succeeds. */
const LIFECYCLE = [
  'run.created',
  'run.started',
  'task.ready:extract',
  'task.started:extract',
  'task.succeeded:extract',
  'task.ready:load',
  'task.started:load',
  'task.succeeded:load',
  'run.finished',
];

const label = (e: SseEvent): string => {
  const data = JSON.parse(e.data) as { attempt?: { taskName: string } };
  return data.attempt ? `${e.event}:${data.attempt.taskName}` : e.event;
};
const ofRun = (client: SseClient, runId: string): SseEvent[] =>
  client.events.filter(
    (e) => e.event !== 'reset' && (JSON.parse(e.data) as { run: { id: string } }).run.id === runId,
  );
const finishedRun = (runId: string) => (e: SseEvent) =>
  e.event === 'run.finished' && (JSON.parse(e.data) as { run: { id: string } }).run.id === runId;

beforeAll(async () => {
  h = await startHarness();
  b = await startApiReplica(h);
  editor = (await h.user('ed', [{ role: 'editor', namespace: 'team-a' }])).token;
  viewerA = (await h.user('va', [{ role: 'viewer', namespace: 'team-a' }])).token;
  outsider = (await h.user('vb', [{ role: 'viewer', namespace: 'team-b' }])).token;
  const saved = await h.request('POST', `${V1}/namespaces/team-a/dags`, {
    token: editor,
    body: { ...sampleDag('etl'), namespace: 'team-a' },
  });
  expect(saved.status, saved.text).toBe(201);
  h.runtime.script({ task: 'extract' }, SUCCEED).script({ task: 'load' }, SUCCEED);
});

afterAll(async () => {
  h?.runtime.script({ task: 'extract' }, HANG).script({ task: 'load' }, HANG);
  await b?.close();
  await h?.close();
});

const trigger = async (): Promise<string> => {
  const reply = await h.request<{ id: string }>('POST', `${V1}/namespaces/team-a/dags/etl/runs`, {
    token: editor,
    body: {},
  });
  expect(reply.status, reply.text).toBe(201);
  return reply.body.id;
};

describe('SSE from the run event journal', () => {
  it('streams every transition once, in order, at a replica whose engine executes nothing', async () => {
    const stream = await openSse(`${b.url}${V1}/events`, { authorization: `Bearer ${viewerA}` });
    const blind = await openSse(`${b.url}${V1}/events`, { authorization: `Bearer ${outsider}` });
    const runId = await trigger();
    await stream.waitFor(finishedRun(runId));
    const events = ofRun(stream, runId);
    expect(events.map(label)).toEqual(LIFECYCLE);
    const ids = events.map((e) => Number(e.id));
    expect(ids).toEqual([...ids].sort((x, y) => x - y));
    expect(new Set(ids).size).toBe(ids.length);
    // The journal id is the SSE id: the same event has the same id on both replicas.
    const rows = await h.store.readRunEvents({ afterId: 0, limit: 100, runId });
    expect(rows.map((r) => r.id)).toEqual(ids);
    // Nothing of team-a reaches a viewer of team-b on this replica either.
    expect(blind.events.filter((e) => e.data.includes(runId))).toEqual([]);
    stream.close();
    blind.close();
  });

  it('resumes with Last-Event-ID on the other replica and after that replica restarts', async () => {
    const first = await openSse(`${h.url}${V1}/events`, { authorization: `Bearer ${viewerA}` });
    const runId = await trigger();
    const started = await first.waitFor(
      (e) => e.event === 'run.started' && (JSON.parse(e.data) as { run: { id: string } }).run.id === runId,
    );
    first.close();
    await h.waitForRun(runId, 'succeeded');

    const resumed = await openSse(`${b.url}${V1}/events?runId=${runId}`, {
      authorization: `Bearer ${viewerA}`,
      'last-event-id': started.id ?? '',
    });
    await resumed.waitFor(finishedRun(runId));
    expect(ofRun(resumed, runId).map(label)).toEqual(LIFECYCLE.slice(2));
    resumed.close();

    // A restarted replica has no memory of its own: the journal in PostgreSQL is all it needs.
    await b.close();
    b = await startApiReplica(h);
    const again = await openSse(`${b.url}${V1}/events?runId=${runId}`, {
      authorization: `Bearer ${viewerA}`,
      'last-event-id': started.id ?? '',
    });
    await again.waitFor(finishedRun(runId));
    expect(ofRun(again, runId).map(label)).toEqual(LIFECYCLE.slice(2));
    expect(again.events.some((e) => e.event === 'reset')).toBe(false);
    again.close();
  });

  it('replays only the namespaces the caller may read', async () => {
    const teamB = (await h.user('eb', [{ role: 'editor', namespace: 'team-b' }])).token;
    const saved = await h.request('POST', `${V1}/namespaces/team-b/dags`, {
      token: teamB,
      body: { ...sampleDag('etl'), namespace: 'team-b' },
    });
    expect(saved.status, saved.text).toBe(201);
    const hidden = await trigger();
    const reply = await h.request<{ id: string }>('POST', `${V1}/namespaces/team-b/dags/etl/runs`, {
      token: teamB,
      body: {},
    });
    expect(reply.status, reply.text).toBe(201);
    await h.waitForRun(hidden, 'succeeded');
    await h.waitForRun(reply.body.id, 'succeeded');
    const resumed = await openSse(`${b.url}${V1}/events`, {
      authorization: `Bearer ${outsider}`,
      'last-event-id': '0',
    });
    // Replayed in id order: by the time team-b's run has finished, every earlier event was considered.
    await resumed.waitFor(finishedRun(reply.body.id));
    expect(ofRun(resumed, reply.body.id).map(label)).toEqual(LIFECYCLE);
    expect(resumed.events.filter((e) => e.data.includes('team-a'))).toEqual([]);
    resumed.close();
  });

  it('asks a client whose Last-Event-ID was pruned to reload', async () => {
    const runId = await trigger();
    await h.waitForRun(runId, 'succeeded');
    const [oldest] = await h.store.readRunEvents({ afterId: 0, limit: 1 });
    expect(oldest).toBeDefined();
    await h.store.deleteRunEventsBefore(Date.now() + 60_000, 1);
    const stale = await openSse(`${b.url}${V1}/events?runId=${runId}`, {
      authorization: `Bearer ${viewerA}`,
      'last-event-id': String((oldest?.id ?? 1) - 1),
    });
    await stale.waitFor((e) => e.event === 'reset');
    await stale.waitFor(finishedRun(runId));
    stale.close();
  });
});
