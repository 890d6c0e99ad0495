/**
 * Run limits over real HTTP on PostgreSQL (docs/run-limits.md): a DAG's maxActiveRuns queues
 * what is over it, with positions in the run list and run view; priority on submit; the namespace limit
 * set by an admin (and refused to an editor); lifting it starts what waited; the state filter `queued`.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleDag, startHarness, type Harness } from './support/harness.js';

let h: Harness;
let admin: string;
let editor: string;
const NS = 'limits';
const base = `/api/v1/namespaces/${NS}`;

interface RunJson {
  id: string;
  state: string;
  priority: number;
  queuePosition: number | null;
}

beforeAll(async () => {
  h = await startHarness();
  admin = (await h.user('limits-admin', [{ role: 'admin', namespace: null }])).token;
  editor = (await h.user('limits-editor', [{ role: 'editor', namespace: NS }])).token;
});
afterAll(async () => h?.close());

/** A DAG whose one task hangs (the harness's default) until its run is canceled. */
async function dag(extra: Record<string, unknown> = {}): Promise<string> {
  const name = `lim-${randomUUID().slice(0, 8)}`;
  const spec = sampleDag(name, { tasks: [{ name: 'slow', image: 'alpine', command: ['true'] }], ...extra });
  expect((await h.request('POST', `${base}/dags`, { token: editor, body: spec })).status).toBe(201);
  return name;
}

const trigger = async (name: string, body: Record<string, unknown> = {}) => {
  const reply = await h.request<RunJson>('POST', `${base}/dags/${name}/runs`, { token: editor, body });
  expect(reply.status).toBe(201);
  return reply.body;
};

describe('run limits', () => {
  it('queues runs over maxActiveRuns, ordered by priority, with their positions', async () => {
    const name = await dag({ maxActiveRuns: 1 });
    const first = await trigger(name);
    const second = await trigger(name);
    const urgent = await trigger(name, { priority: 7 });
    expect(first.state).toBe('running');
    expect([second.state, second.queuePosition]).toEqual(['queued', 1]);
    expect([urgent.state, urgent.priority, urgent.queuePosition]).toEqual(['queued', 7, 1]);

    const list = await h.request<{ items: RunJson[] }>(
      'GET',
      `/api/v1/runs?namespace=${NS}&dag=${name}&state=queued`,
      { token: editor },
    );
    expect(Object.fromEntries(list.body.items.map((r) => [r.id, r.queuePosition]))).toEqual({
      [urgent.id]: 1,
      [second.id]: 2,
    });
    const view = await h.request<{ run: RunJson }>('GET', `${base}/runs/${second.id}`, { token: editor });
    expect(view.body.run.queuePosition).toBe(2);

    // The running run ends: the urgent one takes its slot.
    expect((await h.request('POST', `${base}/runs/${first.id}/cancel`, { token: editor })).status).toBe(200);
    await h.waitForRun(urgent.id, 'running');
    expect((await h.store.getRun(second.id))?.state).toBe('queued');
  });

  it('lets an admin set the namespace limit, refuses an editor, and starts queued runs when lifted', async () => {
    const name = await dag();
    const empty = await h.request('GET', `${base}/limits`, { token: editor });
    expect(empty.body).toMatchObject({ namespace: NS, maxActiveRuns: null, updatedBy: null });

    const refused = await h.request('PUT', `${base}/limits`, { token: editor, body: { maxActiveRuns: 1 } });
    expect(refused.status).toBe(403);
    const invalid = await h.request('PUT', `${base}/limits`, { token: admin, body: { maxActiveRuns: 0 } });
    expect(invalid.status).toBe(400);
    expect(invalid.headers.get('content-type')).toContain('application/problem+json');

    // Runs of the earlier test may still hold slots in this namespace: the limit counts them too.
    const active = (await h.request<{ active: number }>('GET', `${base}/limits`, { token: editor })).body
      .active;
    const set = await h.request('PUT', `${base}/limits`, {
      token: admin,
      body: { maxActiveRuns: active + 1 },
    });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ maxActiveRuns: active + 1, updatedBy: 'limits-admin' });
    const a = await trigger(name);
    const b = await trigger(name);
    expect([a.state, b.state]).toEqual(['running', 'queued']);
    const limits = await h.request<{ queued: number }>('GET', `${base}/limits`, { token: editor });
    expect(limits.body.queued).toBeGreaterThanOrEqual(1);

    const lifted = await h.request('PUT', `${base}/limits`, { token: admin, body: { maxActiveRuns: null } });
    expect(lifted.status).toBe(200);
    expect((await h.store.getRun(b.id))?.state).toBe('running');
  });

  // A retry of a finished run took a slot past maxActiveRuns instead of waiting for one.
  it('queues a retried run while its DAG is at maxActiveRuns, and starts it when the slot frees', async () => {
    const name = await dag({ maxActiveRuns: 1 });
    const first = await trigger(name);
    expect(first.state).toBe('running');
    await h.request('POST', `${base}/runs/${first.id}/cancel`, { token: editor });
    await h.waitForRun(first.id, 'canceled');
    const holder = await trigger(name);
    expect(holder.state).toBe('running');

    const retried = await h.request<RunJson>('POST', `${base}/runs/${first.id}/retry`, {
      token: editor,
      body: {},
    });
    expect(retried.status).toBe(200);
    expect(retried.body.state).toBe('queued');
    const view = await h.request<{ run: RunJson }>('GET', `${base}/runs/${first.id}`, { token: editor });
    expect([view.body.run.state, view.body.run.queuePosition]).toEqual(['queued', 1]);

    await h.request('POST', `${base}/runs/${holder.id}/cancel`, { token: editor });
    await h.waitForRun(first.id, (s) => s.run.state === 'running' && s.run.round === 2);
    await h.request('POST', `${base}/runs/${first.id}/cancel`, { token: editor });
  });
});
