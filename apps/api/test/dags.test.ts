/** DAG routes: every format, versions, diff, validation, errors as problem+json. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUCCEED, sampleDag, startHarness, type Harness } from './support/harness.js';

const V1 = '/api/v1';
/** The default namespace's DAGs and runs. */
const NS = `${V1}/namespaces/default`;
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
    const first = await h.request<SaveResult>('POST', `${NS}/dags`, {
      token: editor,
      body: sampleDag('etl'),
    });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      created: true,
      version: { version: 1, createdBy: 'ed' },
      dag: { name: 'etl', taskCount: 2, namespace: 'default' },
    });
    const again = await h.request<SaveResult>('POST', `${NS}/dags`, {
      token: editor,
      body: sampleDag('etl'),
    });
    expect(again.status).toBe(200);
    expect(again.body.created).toBe(false);
    expect(again.body.version.hash).toBe(first.body.version.hash);
    const changed = await h.request<SaveResult>('PUT', `${NS}/dags/etl`, {
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
    const fromYaml = await h.request<SaveResult>('POST', `${NS}/dags`, {
      token: editor,
      body: yaml,
      contentType: 'application/yaml',
    });
    expect(fromYaml.status, fromYaml.text).toBe(201);
    expect(fromYaml.body.dag.taskCount).toBe(2);

    const version = await h.request<{ yaml: string; dsl: string; spec: { name: string } }>(
      'GET',
      `${NS}/dags/from-yaml/versions/1`,
      { token: viewer },
    );
    expect(version.status).toBe(200);
    expect(version.body.yaml).toContain('kind: DAG');
    expect(version.body.dsl.length).toBeGreaterThan(0);
    const fromDsl = await h.request<SaveResult>('POST', `${NS}/dags?format=dsl&name=from-dsl`, {
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
    }>('POST', `${NS}/dags`, {
      token: editor,
      body: cyclic,
    });
    expect(reply.status).toBe(422);
    expect(reply.headers.get('content-type')).toContain('application/problem+json');
    expect(reply.body.code).toBe('DAG_INVALID');
    expect(reply.body.errors.some((e) => e.code === 'CYCLE')).toBe(true);
    const unknownDep = await h.request<{ errors: Array<{ code: string; task?: string; path: string }> }>(
      'POST',
      `${NS}/dags`,
      {
        token: editor,
        body: sampleDag('dep', {
          tasks: [{ name: 'a', image: 'alpine', command: ['true'], runAfter: ['ghost'] }],
        }),
      },
    );
    expect(unknownDep.status).toBe(422);
    expect(unknownDep.body.errors[0]).toMatchObject({ code: 'UNKNOWN_DEPENDENCY', task: 'a' });
    const badYaml = await h.request('POST', `${NS}/dags`, {
      token: editor,
      body: 'a: [',
      contentType: 'application/yaml',
    });
    expect(badYaml.status).toBe(422);
    const noName = await h.request('POST', `${NS}/dags`, {
      token: editor,
      body: 'a -> b',
      contentType: 'text/plain',
    });
    expect(noName.status).toBe(422);
    const mismatch = await h.request<{ code: string }>('PUT', `${NS}/dags/other`, {
      token: editor,
      body: sampleDag('etl'),
    });
    expect(mismatch.status).toBe(422);
    expect(mismatch.body.code).toBe('NAME_MISMATCH');
  });

  it('answers 400, 413 and 415 for malformed, huge and unsupported bodies', async () => {
    const malformed = await h.request<{ code: string }>('POST', `${NS}/dags`, {
      token: editor,
      body: '{"name": ',
      contentType: 'application/json',
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.code).toBe('MALFORMED_JSON');
    const huge = await h.request('POST', `${NS}/dags`, {
      token: editor,
      body: { name: 'x', pad: 'x'.repeat(2_000_000) },
    });
    expect(huge.status).toBe(413);
    const xml = await h.request('POST', `${NS}/dags`, {
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
    expect((await h.request('GET', `${NS}/dags/preview`, { token: viewer })).status).toBe(404);
  });
});

describe('reading', () => {
  it('gets a DAG with its next fire times, lists with search and pagination', async () => {
    const detail = await h.request<{
      dag: { name: string };
      version: { spec: { name: string } };
      nextRuns: string[];
    }>('GET', `${NS}/dags/etl`, {
      token: viewer,
    });
    expect(detail.status).toBe(200);
    expect(detail.body.version.spec.name).toBe('etl');
    expect(detail.body.nextRuns).toHaveLength(5);
    expect(new Date(detail.body.nextRuns[0] ?? '').getUTCHours()).toBe(3);
    for (const n of ['p1', 'p2', 'p3'])
      await h.request('POST', `${NS}/dags`, { token: editor, body: sampleDag(n) });
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
      `${NS}/dags/etl/versions`,
      { token: viewer },
    );
    expect(versions.body.items.map((v) => v.version)).toEqual([2, 1]);
    const diff = await h.request<{ changes: Array<{ path: string; kind: string }>; unified: string }>(
      'GET',
      `${NS}/dags/etl/diff?from=1&to=2`,
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
    expect((await h.request('GET', `${NS}/dags/etl/diff?from=1&to=9`, { token: viewer })).status).toBe(404);
    expect((await h.request('GET', `${NS}/dags/etl/versions/9`, { token: viewer })).status).toBe(404);
    expect((await h.request('GET', `${NS}/dags/etl/versions/abc`, { token: viewer })).status).toBe(400);
  });

  it('suspends, resumes and deletes (keeping history)', async () => {
    const s = await h.request<{ suspended: boolean; nextRunAt: string | null }>(
      'POST',
      `${NS}/dags/etl/suspend`,
      { token: editor },
    );
    expect(s.body).toMatchObject({ suspended: true, nextRunAt: null });
    const r = await h.request<{ suspended: boolean; nextRunAt: string | null }>(
      'POST',
      `${NS}/dags/etl/resume`,
      { token: editor },
    );
    expect(r.body.suspended).toBe(false);
    expect(r.body.nextRunAt).not.toBeNull();
    expect((await h.request('DELETE', `${NS}/dags/p3`, { token: editor })).status).toBe(204);
    expect((await h.request('GET', `${NS}/dags/p3`, { token: viewer })).status).toBe(404);
    expect((await h.request('DELETE', `${NS}/dags/p3`, { token: editor })).status).toBe(404);
    expect((await h.request('GET', `${NS}/dags/p3/versions`, { token: viewer })).status).toBe(200);
    expect((await h.request('POST', `${NS}/dags/ghost/suspend`, { token: editor })).status).toBe(404);
  });
});

describe('namespaces', () => {
  it('hides other namespaces and scopes writes', async () => {
    const teamA = (await h.user('team-a-ed', [{ role: 'editor', namespace: 'team-a' }])).token;
    expect(
      (await h.request('POST', `${V1}/namespaces/team-a/dags`, { token: teamA, body: sampleDag('a-dag') }))
        .status,
    ).toBe(201);
    expect(
      (await h.request('POST', `${V1}/namespaces/team-b/dags`, { token: teamA, body: sampleDag('b-dag') }))
        .status,
    ).toBe(403);
    const list = await h.request<{ items: Array<{ name: string; namespace: string }> }>('GET', `${V1}/dags`, {
      token: teamA,
    });
    expect(list.body.items.map((i) => i.name)).toEqual(['a-dag']);
    expect((await h.request('GET', `${NS}/dags/etl`, { token: teamA })).status).toBe(404);
    expect((await h.request('POST', `${NS}/dags/etl/runs`, { token: teamA, body: {} })).status).toBe(404);
  });

  it('keeps the same DAG name in two namespaces as two DAGs that run side by side', async () => {
    const admin = (await h.user('twin-admin', [{ role: 'admin', namespace: null }])).token;
    const onlyA = (await h.user('twin-a', [{ role: 'editor', namespace: 'twin-a' }])).token;
    const runs: Record<string, string> = {};
    h.runtime.script({ task: 'twin-task' }, SUCCEED);
    for (const ns of ['twin-a', 'twin-b']) {
      const saved = await h.request<SaveResult>('POST', `${V1}/namespaces/${ns}/dags`, {
        token: admin,
        body: sampleDag('twin', {
          description: ns,
          tasks: [{ name: 'twin-task', image: 'alpine', command: ['true'] }],
        }),
      });
      // Not "a new version of twin": each namespace's DAG starts at version 1.
      expect(saved.status, saved.text).toBe(201);
      expect(saved.body.dag).toMatchObject({ name: 'twin', namespace: ns, latestVersion: 1 });
      const run = await h.request<{ id: string; namespace: string }>(
        'POST',
        `${V1}/namespaces/${ns}/dags/twin/runs`,
        { token: admin, body: {} },
      );
      expect(run.body.namespace).toBe(ns);
      runs[ns] = run.body.id;
    }
    await h.waitForRun(runs['twin-a'] ?? '', 'succeeded');
    await h.waitForRun(runs['twin-b'] ?? '', 'succeeded');
    const detail = await h.request<{ version: { spec: { description: string } } }>(
      'GET',
      `${V1}/namespaces/twin-b/dags/twin`,
      { token: admin },
    );
    expect(detail.body.version.spec.description).toBe('twin-b');
    // A user of twin-a sees and touches nothing of twin-b's `twin`, and learns nothing of it.
    const theirs = await h.request<{ detail: string }>(
      'GET',
      `${V1}/namespaces/twin-b/runs/${runs['twin-b']}`,
      {
        token: onlyA,
      },
    );
    expect(theirs.status).toBe(404);
    // The right id under the wrong namespace is not found either, even for the run's own editor.
    const misplaced = await h.request('GET', `${V1}/namespaces/twin-a/runs/${runs['twin-b']}`, {
      token: admin,
    });
    expect(misplaced.status).toBe(404);
    expect(
      (await h.request('POST', `${V1}/namespaces/twin-b/dags/twin/suspend`, { token: onlyA })).status,
    ).toBe(404);
    expect(
      (await h.request('POST', `${V1}/namespaces/twin-a/dags/twin/suspend`, { token: onlyA })).status,
    ).toBe(200);
    const mine = await h.request<{ items: Array<{ namespace: string; suspended: boolean }> }>(
      'GET',
      `${V1}/dags?search=twin`,
      { token: admin },
    );
    expect(mine.body.items.map((d) => [d.namespace, d.suspended])).toEqual([
      ['twin-a', true],
      ['twin-b', false],
    ]);
  });

  it('answers 403 before reading a document for a namespace the caller may not write', async () => {
    const teamA = (await h.user('team-a-writer', [{ role: 'editor', namespace: 'team-a' }])).token;
    const invalid = await h.request<{ code: string }>('POST', `${V1}/namespaces/team-b/dags`, {
      token: teamA,
      body: { name: 'broken', tasks: 'not a list' },
    });
    expect(invalid.status).toBe(403);
    expect(invalid.body.code).not.toBe('DAG_INVALID');
  });

  it('refuses a document whose namespace is not the path namespace, naming the field', async () => {
    const json = await h.request<{ code: string; errors: Array<{ path: string }> }>(
      'POST',
      `${V1}/namespaces/team-a/dags`,
      { token: editor, body: { ...sampleDag('moved'), namespace: 'team-b' } },
    );
    expect(json.status).toBe(422);
    expect(json.body).toMatchObject({ code: 'NAMESPACE_MISMATCH', errors: [{ path: '/namespace' }] });
    const yaml = await h.request<{ code: string; errors: Array<{ path: string }> }>(
      'POST',
      `${V1}/namespaces/team-a/dags`,
      {
        token: editor,
        contentType: 'application/yaml',
        body: [
          'apiVersion: kontroler.greedykomodo/v1alpha1',
          'kind: DAG',
          'metadata: {name: moved, namespace: team-b}',
          'spec:',
          '  task:',
          '    - {name: a, image: alpine, command: ["true"]}',
        ].join('\n'),
      },
    );
    expect(yaml.status).toBe(422);
    expect(yaml.body.errors[0]?.path).toBe('/metadata/namespace');
    // The same namespace in the document and the path is fine.
    const same = await h.request('POST', `${V1}/namespaces/team-a/dags`, {
      token: editor,
      body: { ...sampleDag('stays'), namespace: 'team-a' },
    });
    expect(same.status).toBe(201);
  });

  it('writes the audit row of a saved DAG with its version, target namespace/name', async () => {
    const saved = await h.request<SaveResult>('POST', `${V1}/namespaces/audited/dags`, {
      token: editor,
      body: sampleDag('logged'),
    });
    expect(saved.status).toBe(201);
    const rows = await h.store.sql<{ action: string; actor: string; details: { version: number } }>(
      `select action, actor, details from audit_log where target = 'audited/logged'`,
    );
    expect(rows).toEqual([
      { action: 'dag.create', actor: 'ed', details: expect.objectContaining({ version: 1 }) },
    ]);
  });

  it('lists DAGs and runs of every namespace a user may view, merged, without ?namespace=', async () => {
    const admin = (await h.user('ns-admin', [{ role: 'admin', namespace: null }])).token;
    for (const ns of ['merge-a', 'merge-b', 'merge-c']) {
      const saved = await h.request('POST', `${V1}/namespaces/${ns}/dags`, {
        token: admin,
        body: sampleDag(`dag-${ns}`),
      });
      expect(saved.status, saved.text).toBe(201);
      const trigger = `${V1}/namespaces/${ns}/dags/dag-${ns}/runs`;
      expect((await h.request('POST', trigger, { token: admin, body: {} })).status).toBe(201);
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
