/** DAG routes: every format, versions, diff, validation, errors as problem+json. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleDag, startHarness, type Harness } from './support/harness.js';

const V1 = '/api/v1';
let h: Harness;
let editor: string;
let viewer: string;

beforeAll(async () => {
  h = await startHarness();
  editor = (await h.user('ed', [{ role: 'editor', namespace: null }])).token;
  viewer = (await h.user('vi', [{ role: 'viewer', namespace: null }])).token;
});
afterAll(async () => h?.close());

interface SaveResult {
  created: boolean;
  version: { version: number; hash: string; createdBy: string };
  dag: { name: string; namespace: string; latestVersion: number; taskCount: number; schedule: string | null };
}

describe('saving', () => {
  it('creates from JSON, makes no version for an unchanged save, and a new one for a change', async () => {
    const first = await h.request<SaveResult>('POST', `${V1}/dags`, {
      token: editor,
      body: sampleDag('etl'),
    });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      created: true,
      version: { version: 1, createdBy: 'ed' },
      dag: { name: 'etl', taskCount: 2, namespace: 'default' },
    });
    const again = await h.request<SaveResult>('POST', `${V1}/dags`, {
      token: editor,
      body: sampleDag('etl'),
    });
    expect(again.status).toBe(200);
    expect(again.body.created).toBe(false);
    expect(again.body.version.hash).toBe(first.body.version.hash);
    const changed = await h.request<SaveResult>('PUT', `${V1}/dags/etl`, {
      token: editor,
      body: sampleDag('etl', { schedule: '0 3 * * *', description: 'nightly' }),
    });
    expect(changed.status).toBe(201);
    expect(changed.body.version.version).toBe(2);
    expect(changed.body.dag.schedule).toBe('0 3 * * *');
  });

  it('creates from a Kontroler YAML manifest and from the DSL', async () => {
    const yaml = [
      'apiVersion: kontroler.greedykomodo/v1alpha1',
      'kind: DAG',
      'metadata:',
      '  name: from-yaml',
      'spec:',
      '  task:',
      '    - name: a',
      '      image: alpine',
      '      command: ["sh", "-c"]',
      '      args: ["echo a"]',
      '    - name: b',
      '      image: alpine',
      '      command: ["sh", "-c"]',
      '      args: ["echo b"]',
      '      runAfter: ["a"]',
    ].join('\n');
    const fromYaml = await h.request<SaveResult>('POST', `${V1}/dags`, {
      token: editor,
      body: yaml,
      contentType: 'application/yaml',
    });
    expect(fromYaml.status, fromYaml.text).toBe(201);
    expect(fromYaml.body.dag.taskCount).toBe(2);

    const version = await h.request<{ yaml: string; dsl: string; spec: { name: string } }>(
      'GET',
      `${V1}/dags/from-yaml/versions/1`,
      { token: viewer },
    );
    expect(version.status).toBe(200);
    expect(version.body.yaml).toContain('kind: DAG');
    expect(version.body.dsl.length).toBeGreaterThan(0);
    const fromDsl = await h.request<SaveResult>('POST', `${V1}/dags?format=dsl&name=from-dsl`, {
      token: editor,
      body: version.body.dsl,
      contentType: 'text/plain',
    });
    expect(fromDsl.status, fromDsl.text).toBe(201);
    expect(fromDsl.body.dag).toMatchObject({ name: 'from-dsl', taskCount: 2 });
  });

  it('answers 422 with errors naming the task and path', async () => {
    const cyclic = sampleDag('cyclic', {
      tasks: [
        { name: 'a', image: 'alpine', command: ['true'], runAfter: ['b'] },
        { name: 'b', image: 'alpine', command: ['true'], runAfter: ['a'] },
      ],
    });
    const reply = await h.request<{
      code: string;
      errors: Array<{ code: string; path: string; task?: string }>;
    }>('POST', `${V1}/dags`, {
      token: editor,
      body: cyclic,
    });
    expect(reply.status).toBe(422);
    expect(reply.headers.get('content-type')).toContain('application/problem+json');
    expect(reply.body.code).toBe('DAG_INVALID');
    expect(reply.body.errors.some((e) => e.code === 'CYCLE')).toBe(true);
    const unknownDep = await h.request<{ errors: Array<{ code: string; task?: string; path: string }> }>(
      'POST',
      `${V1}/dags`,
      {
        token: editor,
        body: sampleDag('dep', {
          tasks: [{ name: 'a', image: 'alpine', command: ['true'], runAfter: ['ghost'] }],
        }),
      },
    );
    expect(unknownDep.status).toBe(422);
    expect(unknownDep.body.errors[0]).toMatchObject({ code: 'UNKNOWN_DEPENDENCY', task: 'a' });
    const badYaml = await h.request('POST', `${V1}/dags`, {
      token: editor,
      body: 'a: [',
      contentType: 'application/yaml',
    });
    expect(badYaml.status).toBe(422);
    const noName = await h.request('POST', `${V1}/dags`, {
      token: editor,
      body: 'a -> b',
      contentType: 'text/plain',
    });
    expect(noName.status).toBe(422);
    const mismatch = await h.request<{ code: string }>('PUT', `${V1}/dags/other`, {
      token: editor,
      body: sampleDag('etl'),
    });
    expect(mismatch.status).toBe(422);
    expect(mismatch.body.code).toBe('NAME_MISMATCH');
  });

  it('answers 400, 413 and 415 for malformed, huge and unsupported bodies', async () => {
    const malformed = await h.request<{ code: string }>('POST', `${V1}/dags`, {
      token: editor,
      body: '{"name": ',
      contentType: 'application/json',
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.code).toBe('MALFORMED_JSON');
    const huge = await h.request('POST', `${V1}/dags`, {
      token: editor,
      body: { name: 'x', pad: 'x'.repeat(2_000_000) },
    });
    expect(huge.status).toBe(413);
    const xml = await h.request('POST', `${V1}/dags`, {
      token: editor,
      body: '<dag/>',
      contentType: 'application/xml',
    });
    expect(xml.status).toBe(415);
  });

  it('validates without saving and returns the order and levels', async () => {
    const ok = await h.request<{ ok: boolean; order: string[]; levels: string[][] }>(
      'POST',
      `${V1}/dags/validate`,
      {
        token: viewer,
        body: sampleDag('preview'),
      },
    );
    expect(ok.body).toMatchObject({ ok: true, order: ['extract', 'load'], levels: [['extract'], ['load']] });
    const bad = await h.request<{ ok: boolean; errors: unknown[] }>('POST', `${V1}/dags/validate`, {
      token: viewer,
      body: { name: 'x', tasks: [] },
    });
    expect(bad.status).toBe(200);
    expect(bad.body.ok).toBe(false);
    expect(bad.body.errors.length).toBeGreaterThan(0);
    expect((await h.request('GET', `${V1}/dags/preview`, { token: viewer })).status).toBe(404);
  });
});

describe('reading', () => {
  it('gets a DAG with its next fire times, lists with search and pagination', async () => {
    const detail = await h.request<{
      dag: { name: string };
      version: { spec: { name: string } };
      nextRuns: string[];
    }>('GET', `${V1}/dags/etl`, {
      token: viewer,
    });
    expect(detail.status).toBe(200);
    expect(detail.body.version.spec.name).toBe('etl');
    expect(detail.body.nextRuns).toHaveLength(5);
    expect(new Date(detail.body.nextRuns[0] ?? '').getUTCHours()).toBe(3);
    for (const n of ['p1', 'p2', 'p3'])
      await h.request('POST', `${V1}/dags`, { token: editor, body: sampleDag(n) });
    const page1 = await h.request<{ items: Array<{ name: string }>; nextCursor: string | null }>(
      'GET',
      `${V1}/dags?search=p&limit=2`,
      { token: viewer },
    );
    expect(page1.body.items).toHaveLength(2);
    expect(page1.body.nextCursor).not.toBeNull();
    const page2 = await h.request<{ items: Array<{ name: string }>; nextCursor: string | null }>(
      'GET',
      `${V1}/dags?search=p&limit=2&cursor=${encodeURIComponent(page1.body.nextCursor ?? '')}`,
      { token: viewer },
    );
    const names = [...page1.body.items, ...page2.body.items].map((i) => i.name);
    expect(names.filter((n) => /^p\d$/.test(n)).sort()).toEqual(['p1', 'p2', 'p3']);
    const badCursor = await h.request<{ code: string }>('GET', `${V1}/dags?cursor=garbage`, {
      token: viewer,
    });
    expect(badCursor.status).toBe(400);
    expect(badCursor.body.code).toBe('INVALID_CURSOR');
    const badLimit = await h.request('GET', `${V1}/dags?limit=500`, { token: viewer });
    expect(badLimit.status).toBe(400);
    expect((await h.request('GET', `${V1}/dags?bogus=1`, { token: viewer })).status).toBe(400);
  });

  it('lists versions newest first and diffs them', async () => {
    const versions = await h.request<{ items: Array<{ version: number }> }>(
      'GET',
      `${V1}/dags/etl/versions`,
      { token: viewer },
    );
    expect(versions.body.items.map((v) => v.version)).toEqual([2, 1]);
    const diff = await h.request<{ changes: Array<{ path: string; kind: string }>; unified: string }>(
      'GET',
      `${V1}/dags/etl/diff?from=1&to=2`,
      {
        token: viewer,
      },
    );
    expect(diff.body.changes).toEqual(
      expect.arrayContaining([
        { path: '/schedule', kind: 'added', after: '0 3 * * *' },
        { path: '/description', kind: 'added', after: 'nightly' },
      ]),
    );
    expect(diff.body.unified).toContain('+  schedule: 0 3 * * *');
    expect((await h.request('GET', `${V1}/dags/etl/diff?from=1&to=9`, { token: viewer })).status).toBe(404);
    expect((await h.request('GET', `${V1}/dags/etl/versions/9`, { token: viewer })).status).toBe(404);
    expect((await h.request('GET', `${V1}/dags/etl/versions/abc`, { token: viewer })).status).toBe(400);
  });

  it('suspends, resumes and deletes (keeping history)', async () => {
    const s = await h.request<{ suspended: boolean; nextRunAt: string | null }>(
      'POST',
      `${V1}/dags/etl/suspend`,
      { token: editor },
    );
    expect(s.body).toMatchObject({ suspended: true, nextRunAt: null });
    const r = await h.request<{ suspended: boolean; nextRunAt: string | null }>(
      'POST',
      `${V1}/dags/etl/resume`,
      { token: editor },
    );
    expect(r.body.suspended).toBe(false);
    expect(r.body.nextRunAt).not.toBeNull();
    expect((await h.request('DELETE', `${V1}/dags/p3`, { token: editor })).status).toBe(204);
    expect((await h.request('GET', `${V1}/dags/p3`, { token: viewer })).status).toBe(404);
    expect((await h.request('DELETE', `${V1}/dags/p3`, { token: editor })).status).toBe(404);
    expect((await h.request('GET', `${V1}/dags/p3/versions`, { token: viewer })).status).toBe(200);
    expect((await h.request('POST', `${V1}/dags/ghost/suspend`, { token: editor })).status).toBe(404);
  });
});

describe('namespaces', () => {
  it('hides other namespaces and scopes writes', async () => {
    const teamA = (await h.user('team-a-ed', [{ role: 'editor', namespace: 'team-a' }])).token;
    expect(
      (await h.request('POST', `${V1}/dags?namespace=team-a`, { token: teamA, body: sampleDag('a-dag') }))
        .status,
    ).toBe(201);
    expect(
      (await h.request('POST', `${V1}/dags?namespace=team-b`, { token: teamA, body: sampleDag('b-dag') }))
        .status,
    ).toBe(403);
    const list = await h.request<{ items: Array<{ name: string; namespace: string }> }>('GET', `${V1}/dags`, {
      token: teamA,
    });
    expect(list.body.items.map((i) => i.name)).toEqual(['a-dag']);
    expect((await h.request('GET', `${V1}/dags/etl`, { token: teamA })).status).toBe(404);
    expect((await h.request('POST', `${V1}/dags/etl/runs`, { token: teamA, body: {} })).status).toBe(404);
    // a DAG of the default namespace cannot be taken over from another namespace
    const takeover = await h.request('POST', `${V1}/dags?namespace=team-a`, {
      token: editor,
      body: sampleDag('etl'),
    });
    expect(takeover.status).toBe(409);
  });

  it('lists DAGs and runs of every namespace a user may view, merged, without ?namespace=', async () => {
    const admin = (await h.user('ns-admin', [{ role: 'admin', namespace: null }])).token;
    for (const ns of ['merge-a', 'merge-b', 'merge-c']) {
      const saved = await h.request('POST', `${V1}/dags?namespace=${ns}`, {
        token: admin,
        body: sampleDag(`dag-${ns}`),
      });
      expect(saved.status, saved.text).toBe(201);
      expect((await h.request('POST', `${V1}/dags/dag-${ns}/runs`, { token: admin, body: {} })).status).toBe(
        201,
      );
    }
    const two = (
      await h.user('ns-two', [
        { role: 'viewer', namespace: 'merge-a' },
        { role: 'editor', namespace: 'merge-b' },
      ])
    ).token;
    const dags = await h.request<{ items: Array<{ name: string }> }>('GET', `${V1}/dags?search=dag-merge`, {
      token: two,
    });
    expect(dags.status, dags.text).toBe(200);
    expect(dags.body.items.map((d) => d.name).sort()).toEqual(['dag-merge-a', 'dag-merge-b']);
    const runs = await h.request<{ items: Array<{ dagName: string }> }>('GET', `${V1}/runs`, { token: two });
    expect(runs.status, runs.text).toBe(200);
    expect(runs.body.items.map((r) => r.dagName).sort()).toEqual(['dag-merge-a', 'dag-merge-b']);
    // One namespace asked for: that one only; one the user cannot view: nothing.
    const onlyB = await h.request<{ items: Array<{ dagName: string }> }>(
      'GET',
      `${V1}/runs?namespace=merge-b`,
      {
        token: two,
      },
    );
    expect(onlyB.body.items.map((r) => r.dagName)).toEqual(['dag-merge-b']);
    const hidden = await h.request<{ items: unknown[] }>('GET', `${V1}/dags?namespace=merge-c`, {
      token: two,
    });
    expect(hidden.body.items).toEqual([]);
  });
});
