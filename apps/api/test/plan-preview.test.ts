/**
 * Plan previews through the API (core's `previewPlan`, as `kontroler plan` prints it): a draft document in
 * any format, not saved, and a stored DAG's latest or chosen version, with `?param=name=value`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/harness.js';

const V1 = '/api/v1';
const DAGS = `${V1}/namespaces/default/dags`;
let h: Harness;
let viewer: string;
let editor: string;

interface Plan {
  version?: number;
  dag: string;
  levels: string[][];
  criticalPath: { tasks: string[]; weight: number };
  tasks: Array<{ name: string; level: number; outcome: string; reason?: string; onCriticalPath: boolean }>;
  parameters: Array<{ name: string; value: { value?: string }; source: string }>;
  problems: Array<{ name: string; reason: string }>;
}

/** A diamond with a longer branch: a → (b, c → d) → e; the critical path is a, c, d, e. */
const diamond = (name: string) => ({
  name,
  parameters: [{ name: 'region', defaultValue: 'eu' }],
  tasks: [
    { name: 'a', image: 'alpine', script: 'true' },
    { name: 'b', image: 'alpine', script: 'true', runAfter: ['a'] },
    { name: 'c', image: 'alpine', script: 'true', runAfter: ['a'] },
    { name: 'd', image: 'alpine', script: 'true', runAfter: ['c'] },
    { name: 'e', image: 'alpine', script: 'true', runAfter: ['b', 'd'], parameters: ['region'] },
  ],
});

beforeAll(async () => {
  h = await startHarness();
  viewer = (await h.user('plan-viewer', [{ role: 'viewer', namespace: null }])).token;
  editor = (await h.user('plan-editor', [{ role: 'editor', namespace: null }])).token;
});
afterAll(async () => h?.close());

describe('POST /dags/plan (a draft, not saved)', () => {
  it('previews levels and the critical path of a JSON draft, and saves nothing', async () => {
    const reply = await h.request<{ ok: boolean; plan: Plan }>('POST', `${V1}/dags/plan`, {
      token: viewer,
      body: diamond('draft'),
    });
    expect(reply.status, reply.text).toBe(200);
    expect(reply.body.ok).toBe(true);
    expect(reply.body.plan.levels).toEqual([['a'], ['b', 'c'], ['d'], ['e']]);
    expect(reply.body.plan.criticalPath).toEqual({ tasks: ['a', 'c', 'd', 'e'], weight: 4 });
    expect(reply.body.plan.tasks.find((t) => t.name === 'b')).toMatchObject({
      level: 1,
      outcome: 'run',
      onCriticalPath: false,
    });
    expect(await h.store.getDag({ namespace: 'default', name: 'draft' })).toBeUndefined();
  });

  it('reads YAML and DSL drafts like validation does, with the run parameters given', async () => {
    const yaml = await h.request<{ ok: boolean; plan: Plan }>('POST', `${V1}/dags/plan?param=region=us`, {
      token: viewer,
      contentType: 'application/yaml',
      body: [
        'apiVersion: kontroler.greedykomodo/v1alpha1',
        'kind: DAG',
        'metadata: {name: y}',
        'spec:',
        '  parameters: [{name: region, defaultValue: eu}]',
        '  task:',
        '    - {name: a, image: alpine, script: "echo $region", parameters: [region]}',
      ].join('\n'),
    });
    expect(yaml.status, yaml.text).toBe(200);
    expect(yaml.body.plan.parameters).toEqual([{ name: 'region', value: { value: 'us' }, source: 'given' }]);
    const dsl = await h.request<{ ok: boolean; plan: Plan }>('POST', `${V1}/dags/plan?format=dsl&name=d`, {
      token: viewer,
      contentType: 'text/plain',
      body: 'graph {\n  x -> y\n}\ntask x { image "alpine" script "x" }\ntask y { image "alpine" script "y" }\n',
    });
    expect(dsl.status, dsl.text).toBe(200);
    expect(dsl.body.plan.levels).toEqual([['x'], ['y']]);
  });

  it('decides `when` conditions for the given parameters, and greys what they skip', async () => {
    const draft = {
      name: 'gated',
      parameters: [{ name: 'env', defaultValue: 'dev' }],
      tasks: [
        { name: 'build', image: 'alpine', script: 'true' },
        {
          name: 'deploy',
          image: 'alpine',
          script: 'true',
          runAfter: ['build'],
          when: "params.env == 'prod'",
        },
        { name: 'notify', image: 'alpine', script: 'true', runAfter: ['deploy'], triggerRule: 'all_done' },
      ],
    };
    const outcomes = async (query: string) => {
      const reply = await h.request<{ ok: boolean; plan: Plan }>('POST', `${V1}/dags/plan${query}`, {
        token: viewer,
        body: draft,
      });
      expect(reply.status, reply.text).toBe(200);
      return reply.body.plan.tasks.map((t) => [t.name, t.outcome, t.reason ?? null]);
    };
    expect(await outcomes('')).toEqual([
      ['build', 'run', null],
      ['deploy', 'skip', 'ConditionFalse'],
      ['notify', 'run', null],
    ]);
    expect(await outcomes('?param=env=prod')).toEqual([
      ['build', 'run', null],
      ['deploy', 'run', null],
      ['notify', 'run', null],
    ]);
  });

  it('answers an invalid draft with its errors (pointing into the document), and no plan', async () => {
    const reply = await h.request<{
      ok: boolean;
      errors: Array<{ code: string; pointer: string }>;
      plan?: Plan;
    }>('POST', `${V1}/dags/plan`, {
      token: viewer,
      body: {
        name: 'bad',
        tasks: [
          { name: 'r', image: 'x', script: 's' },
          { name: 'a', image: 'x', script: 's', runAfter: ['zz'] },
        ],
      },
    });
    expect(reply.status).toBe(200);
    expect(reply.body.ok).toBe(false);
    expect(reply.body.plan).toBeUndefined();
    expect(reply.body.errors).toEqual([
      expect.objectContaining({ code: 'UNKNOWN_DEPENDENCY', pointer: '/tasks/1/runAfter/0' }),
    ]);
  });

  it('refuses a param that is not name=value with a problem naming it', async () => {
    const reply = await h.request<{ code: string; errors: Array<{ path: string; message: string }> }>(
      'POST',
      `${V1}/dags/plan?param=region`,
      { token: viewer, body: diamond('p') },
    );
    expect(reply.status).toBe(400);
    expect(reply.headers.get('content-type')).toContain('application/problem+json');
    expect(reply.body.errors).toEqual([expect.objectContaining({ path: '/param/0' })]);
  });
});

describe('GET /namespaces/{ns}/dags/{name}/plan (a stored DAG)', () => {
  it('previews the latest version, or the one asked for, and lists unknown parameters', async () => {
    const first = await h.request('POST', DAGS, { token: editor, body: diamond('stored') });
    expect(first.status, first.text).toBe(201);
    const second = diamond('stored');
    second.tasks = second.tasks.slice(0, 2);
    await h.request('PUT', `${DAGS}/stored`, { token: editor, body: second });

    const latest = await h.request<Plan>('GET', `${DAGS}/stored/plan`, { token: viewer });
    expect(latest.status, latest.text).toBe(200);
    expect(latest.body).toMatchObject({ version: 2, dag: 'stored', levels: [['a'], ['b']] });

    const v1 = await h.request<Plan>(
      'GET',
      `${DAGS}/stored/plan?version=1&param=region=us&param=colour=red`,
      {
        token: viewer,
      },
    );
    expect(v1.status, v1.text).toBe(200);
    expect(v1.body.version).toBe(1);
    expect(v1.body.criticalPath.tasks).toEqual(['a', 'c', 'd', 'e']);
    expect(v1.body.parameters).toEqual([{ name: 'region', value: { value: 'us' }, source: 'given' }]);
    expect(v1.body.problems).toEqual([expect.objectContaining({ name: 'colour', reason: 'unknown' })]);
  });

  it('answers 404 problems for an unknown DAG or version', async () => {
    const dag = await h.request<{ code: string }>('GET', `${DAGS}/nope/plan`, { token: viewer });
    expect(dag.status).toBe(404);
    expect(dag.body.code).toBe('DAG_NOT_FOUND');
    const version = await h.request<{ code: string }>('GET', `${DAGS}/stored/plan?version=9`, {
      token: viewer,
    });
    expect(version.status).toBe(404);
    expect(version.body.code).toBe('VERSION_NOT_FOUND');
  });
});
