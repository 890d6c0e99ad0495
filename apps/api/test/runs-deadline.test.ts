/**
 * A run's own deadline (docs/flow/deadline.md): `activeDeadlineSeconds` on `POST …/runs` wins over the
 * DAG's, is stored on the run and returned with it, and stops the run when the engine's (fake) clock passes
 * it: the running task is aborted with `DeadlineExceeded`, the exit handler still runs, the run fails.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, SUCCEED, type Harness } from './support/harness.js';

const NS = '/api/v1/namespaces/default';
let h: Harness;
let editor: string;
let viewer: string;

interface Run {
  id: string;
  state: string;
  reason: string | null;
  startedAt: string | null;
  activeDeadlineSeconds: number | null;
}
interface Detail {
  run: Run;
  attempts: Array<{ id: string; taskName: string; state: string; reason: string | null }>;
  deadline: { seconds: number; source: 'run' | 'dag'; at: string | null } | null;
}
interface Problem {
  code: string;
  errors?: Array<{ path: string; message: string }>;
}

const SLOW = {
  name: 'slow',
  activeDeadlineSeconds: 3600,
  tasks: [{ name: 'work', image: 'alpine', command: ['sleep', 'forever'] }],
  onExit: [{ name: 'notify', image: 'alpine', command: ['notify'], args: ['{{ run.status }}'] }],
};

beforeAll(async () => {
  h = await startHarness();
  editor = (await h.user('ed', [{ role: 'editor', namespace: null }])).token;
  viewer = (await h.user('vi', [{ role: 'viewer', namespace: null }])).token;
  const saved = await h.request('POST', `${NS}/dags`, { token: editor, body: SLOW });
  expect(saved.status, saved.text).toBe(201);
  // `work` hangs (the harness's default) until the deadline aborts it; the exit handler succeeds.
  h.runtime.script({ task: 'notify' }, SUCCEED);
});
afterAll(async () => h?.close());

const submit = (body: Record<string, unknown>) =>
  h.request<Run>('POST', `${NS}/dags/slow/runs`, { token: editor, body });

describe('per-run deadline', () => {
  it('stops a run at its own deadline, before the DAG’s, with DeadlineExceeded; the exit handler runs', async () => {
    const started = await submit({ activeDeadlineSeconds: 5 });
    expect(started.status, started.text).toBe(201);
    expect(started.body.activeDeadlineSeconds).toBe(5);
    const runId = started.body.id;
    await h.executed(runId, 'work');

    const before = await h.request<Detail>('GET', `${NS}/runs/${runId}`, { token: viewer });
    expect(before.status, before.text).toBe(200);
    expect(before.body.run.activeDeadlineSeconds).toBe(5);
    const startedAt = Date.parse(before.body.run.startedAt ?? '');
    expect(before.body.deadline).toEqual({
      seconds: 5,
      source: 'run',
      at: new Date(startedAt + 5000).toISOString(),
    });

    // One millisecond short of the deadline nothing happens; at the deadline the run is stopped.
    await h.clock.advance(4999);
    expect((await h.store.getRunSnapshot(runId))?.run.state).toBe('running');
    await h.clock.advance(1);
    const ended = await h.waitForRun(runId, 'failed');
    expect(ended.run.reason).toMatch(/^DeadlineExceeded/);
    const work = ended.attempts.find((a) => a.taskName === 'work');
    expect(h.runtime.aborts).toContainEqual({ attemptId: work?.id, reason: 'DeadlineExceeded' });
    const notify = h.runtime.calls.find((c) => c.runId === runId && c.taskName === 'notify');
    expect(notify?.task.spec.args).toEqual(['failed']);

    const after = await h.request<Detail>('GET', `${NS}/runs/${runId}`, { token: viewer });
    expect(after.body.run).toMatchObject({ state: 'failed', activeDeadlineSeconds: 5 });
    expect(after.body.run.reason).toMatch(/^DeadlineExceeded/);
    expect(after.body.attempts.find((a) => a.taskName === 'notify')?.state).toBe('succeeded');
  });

  it('without one, the DAG’s deadline applies and the run says so', async () => {
    const started = await submit({});
    expect(started.status, started.text).toBe(201);
    expect(started.body.activeDeadlineSeconds).toBeNull();
    await h.executed(started.body.id, 'work');
    const detail = await h.request<Detail>('GET', `${NS}/runs/${started.body.id}`, { token: viewer });
    expect(detail.body.deadline).toMatchObject({ seconds: 3600, source: 'dag' });
    await h.request('POST', `${NS}/runs/${started.body.id}/cancel`, { token: editor });
    await h.waitForRun(started.body.id, 'canceled');
  });

  it.each([0, -3, 1.5, '10', 2 ** 31, null])(
    'refuses activeDeadlineSeconds %j with a 400 problem naming the field, and starts nothing',
    async (value) => {
      const runs = async () =>
        (
          await h.store.listRuns(
            { dag: { namespace: 'default', name: 'slow' } },
            { limit: 100, cursor: null },
          )
        ).items.length;
      const before = await runs();
      const reply = await h.request<Problem>('POST', `${NS}/dags/slow/runs`, {
        token: editor,
        body: { activeDeadlineSeconds: value },
      });
      expect(reply.status, reply.text).toBe(400);
      expect(reply.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(reply.body.errors?.map((e) => e.path)).toContain('/body/activeDeadlineSeconds');
      expect(await runs()).toBe(before);
    },
  );
});
