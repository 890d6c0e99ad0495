/**
 * Shared tasks (DagTask) over real HTTP on PostgreSQL: versions by content hash (a revert reuses its
 * version), diff, a DAG task filled from `taskRef` with its own fields winning, a version bump taken on
 * the next save, unknown references refused, and deleting a task in use refused with 409 and its users.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/harness.js';

let h: Harness;
let editor: string;
let viewer: string;
const NS = 'shared';
const base = `/api/v1/namespaces/${NS}`;

beforeAll(async () => {
  h = await startHarness();
  editor = (await h.user('tasks-editor', [{ role: 'editor', namespace: NS }])).token;
  viewer = (await h.user('tasks-viewer', [{ role: 'viewer', namespace: NS }])).token;
});
afterAll(async () => h?.close());

interface Saved {
  created: boolean;
  version: { version: number; spec: Record<string, unknown> };
}

const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;
const put = (name: string, body: unknown) =>
  h.request<Saved>('PUT', `${base}/tasks/${name}`, { token: editor, body });
const notify = (message: string) => ({
  image: 'curlimages/curl:8.10.1',
  command: ['sh', '-c', `echo ${message}`],
  backoff: { limit: 2 },
});

/** A DAG with one plain task and one task that uses `task` at `version`, with extra own fields. */
function dagUsing(name: string, task: string, version: number, own: Record<string, unknown> = {}) {
  return {
    name,
    tasks: [
      { name: 'build', image: 'alpine', command: ['true'] },
      { name: 'notify', runAfter: ['build'], taskRef: { name: task, version }, ...own },
    ],
  };
}

describe('shared tasks', () => {
  it('versions by content: unchanged and reverted specs reuse their version; diff names the change', async () => {
    const name = unique('notify');
    const first = await put(name, notify('one'));
    expect([first.status, first.body.created, first.body.version.version]).toEqual([201, true, 1]);
    expect((await put(name, notify('one'))).status).toBe(200);
    expect((await put(name, notify('two'))).body.version.version).toBe(2);
    const reverted = await put(name, notify('one'));
    expect([reverted.status, reverted.body.version.version]).toEqual([200, 1]);
    const versions = await h.request<{ items: Array<{ version: number }> }>(
      'GET',
      `${base}/tasks/${name}/versions`,
      { token: viewer },
    );
    expect(versions.body.items.map((v) => v.version)).toEqual([2, 1]);
    const diff = await h.request<{ changes: Array<{ path: string; kind: string }> }>(
      'GET',
      `${base}/tasks/${name}/diff?from=1&to=2`,
      { token: viewer },
    );
    expect(diff.body.changes).toEqual([expect.objectContaining({ path: '/command/2', kind: 'changed' })]);
    const listed = await h.request<{ items: Array<{ name: string; latestVersion: number }> }>(
      'GET',
      `${base}/tasks`,
      { token: viewer },
    );
    expect(listed.body.items).toContainEqual(expect.objectContaining({ name, latestVersion: 2 }));
  });

  it('refuses an invalid task with 422 naming the field', async () => {
    const bad = await h.request<{ errors: Array<{ path: string }> }>(
      'PUT',
      `${base}/tasks/${unique('bad')}`,
      {
        token: editor,
        body: { image: 'alpine', backoff: { limit: -1 } },
      },
    );
    expect(bad.status).toBe(422);
    expect(bad.body.errors.map((e) => e.path)).toContain('/backoff/limit');
  });

  it('fills a taskRef task from its version, own fields winning, and follows a version bump', async () => {
    const task = unique('notify');
    await put(task, notify('v1'));
    await put(task, notify('v2'));
    const dag = unique('uses');
    const saved = await h.request('POST', `${base}/dags`, {
      token: editor,
      body: dagUsing(dag, task, 1, { timeoutSeconds: 30 }),
    });
    expect(saved.status, saved.text).toBe(201);
    const version = await h.store.getDagVersion({ namespace: NS, name: dag }, 1);
    const stored = version?.spec.tasks.find((t) => t.name === 'notify');
    expect(stored).toMatchObject({
      image: 'curlimages/curl:8.10.1',
      command: ['sh', '-c', 'echo v1'],
      backoff: { limit: 2 },
      timeoutSeconds: 30,
      runAfter: ['build'],
      taskRef: { name: task, version: 1 },
    });
    // Saving the stored document with the reference moved takes version 2's fields, keeps the own one.
    const bumped = {
      ...version?.spec,
      tasks: version?.spec.tasks.map((t) =>
        t.name === 'notify' ? { ...t, taskRef: { name: task, version: 2 } } : t,
      ),
    };
    expect((await h.request('PUT', `${base}/dags/${dag}`, { token: editor, body: bumped })).status).toBe(201);
    const next = await h.store.getDagVersion({ namespace: NS, name: dag }, 2);
    expect(next?.spec.tasks.find((t) => t.name === 'notify')).toMatchObject({
      command: ['sh', '-c', 'echo v2'],
      timeoutSeconds: 30,
    });
  });

  it('refuses a DAG naming an unknown shared task or version', async () => {
    const task = unique('notify');
    await put(task, notify('x'));
    const missing = await h.request<{ errors: Array<{ path: string; message: string }> }>(
      'POST',
      `${base}/dags`,
      {
        token: editor,
        body: dagUsing(unique('d'), task, 7),
      },
    );
    expect(missing.status).toBe(422);
    expect(missing.body.errors[0]).toMatchObject({ path: '/tasks/1/taskRef' });
    expect(missing.body.errors[0]?.message).toContain('has no version 7 (versions: 1)');
    const unknown = await h.request<{ errors: Array<{ message: string }> }>('POST', `${base}/dags`, {
      token: editor,
      body: dagUsing(unique('d'), unique('nope'), 1),
    });
    expect(unknown.body.errors[0]?.message).toMatch(/no shared task named/);
  });

  it('refuses to delete a shared task a DAG uses (409 listing them), and deletes it once unused', async () => {
    const task = unique('notify');
    await put(task, notify('x'));
    const dag = unique('uses');
    await h.request('POST', `${base}/dags`, { token: editor, body: dagUsing(dag, task, 1) });
    const detail = await h.request<{ usedBy: Array<{ dag: string; tasks: string[] }> }>(
      'GET',
      `${base}/tasks/${task}`,
      { token: viewer },
    );
    expect(detail.body.usedBy).toEqual([{ dag, version: 1, tasks: ['notify'] }]);
    expect((await h.request('DELETE', `${base}/tasks/${task}`, { token: viewer })).status).toBe(403);
    const refused = await h.request<{ code: string; errors: Array<{ path: string }> }>(
      'DELETE',
      `${base}/tasks/${task}`,
      { token: editor },
    );
    expect([refused.status, refused.body.code]).toEqual([409, 'DAG_TASK_IN_USE']);
    expect(refused.body.errors.map((e) => e.path)).toEqual([`/dags/${dag}`]);
    // The DAG stops using it (a plain task again): now it can go.
    await h.request('PUT', `${base}/dags/${dag}`, {
      token: editor,
      body: { name: dag, tasks: [{ name: 'build', image: 'alpine', command: ['true'] }] },
    });
    expect((await h.request('DELETE', `${base}/tasks/${task}`, { token: editor })).status).toBe(204);
    expect((await h.request('GET', `${base}/tasks/${task}`, { token: viewer })).status).toBe(404);
  });
});
