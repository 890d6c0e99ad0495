import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_MANIFEST_BYTES,
  loadManifest,
  toManifest,
  validateDag,
  type DagSpec,
  type ManifestResult,
} from '../../src/dag/index.js';
import { generateDag } from './fixtures.js';

function documents(result: ManifestResult) {
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.documents;
}

const KONTROLER_DAG = `apiVersion: kontroler.greedykomodo/v1alpha1
kind: DAG
metadata:
  name: nightly
  namespace: data
  labels: { team: etl }
spec:
  schedule: "0 3 * * *"
  parameters:
    - name: region
      defaultValue: eu-west-1
  task:
    - name: extract
      image: alpine
      command: ["sh", "-c", "echo $region"]
      parameters: [region]
    - name: load
      image: alpine
      script: echo load
      runAfter: [extract]
`;

describe('loadManifest', () => {
  it("reads Kontroler's DAG form (spec.task) into a valid DagSpec", () => {
    const [doc] = documents(loadManifest(KONTROLER_DAG));
    expect(doc).toEqual({
      kind: 'DAG',
      metadata: { name: 'nightly', namespace: 'data', labels: { team: 'etl' } },
      dag: {
        name: 'nightly',
        namespace: 'data',
        schedule: '0 3 * * *',
        parameters: [{ name: 'region', defaultValue: 'eu-west-1' }],
        tasks: [
          { name: 'extract', image: 'alpine', command: ['sh', '-c', 'echo $region'], parameters: ['region'] },
          { name: 'load', image: 'alpine', script: 'echo load', runAfter: ['extract'] },
        ],
      },
    });
    expect(doc?.kind === 'DAG' && validateDag(doc.dag).ok).toBe(true);
  });

  it('reads several documents: DAG, DagRun, DagTask, a bare DagSpec and kind DAG with spec.tasks', () => {
    const text = `${KONTROLER_DAG}---
apiVersion: kontroler.greedykomodo/v1alpha1
kind: DagRun
metadata: { name: run-1 }
spec:
  dagName: nightly
  parameters:
    - { name: region, value: us-east-1 }
    - { name: token, fromSecret: api-token }
---
apiVersion: kontroler.greedykomodo/v1alpha1
kind: DagTask
metadata: { name: git-clone }
spec:
  image: alpine/git
  command: [git, clone]
  backoff: { limit: 1 }
  conditional: { enabled: false, retryCodes: [] }
---
# a bare DagSpec
name: bare
tasks:
  - { name: only, image: alpine, script: "true" }
---
---
kind: DAG
metadata: { name: ours }
spec:
  timezone: Europe/Paris
  tasks: [{ name: t, image: alpine, script: "true" }]
`;
    const docs = documents(loadManifest(text));
    expect(docs.map((d) => d.kind)).toEqual(['DAG', 'DagRun', 'DagTask', 'DAG', 'DAG']);
    expect(docs[1]).toEqual({
      kind: 'DagRun',
      metadata: { name: 'run-1' },
      run: {
        name: 'run-1',
        dagName: 'nightly',
        parameters: [
          { name: 'region', value: 'us-east-1' },
          { name: 'token', fromSecret: 'api-token' },
        ],
      },
    });
    expect(docs[2]).toMatchObject({ kind: 'DagTask', task: { name: 'git-clone', image: 'alpine/git' } });
    expect(docs[3]).toMatchObject({ kind: 'DAG', dag: { name: 'bare', tasks: [{ name: 'only' }] } });
    expect(docs[4]).toMatchObject({ kind: 'DAG', dag: { name: 'ours', timezone: 'Europe/Paris' } });
    for (const d of docs) if (d.kind === 'DAG') expect(validateDag(d.dag).errors).toEqual([]);
  });

  it('expands spec.dsl and merges the fields the DSL cannot express', () => {
    const text = `apiVersion: kontroler.greedykomodo/v1alpha1
kind: DAG
metadata:
  name: dsl-dag
spec:
  suspended: true
  webhook: { url: "https://hooks.example.com/k", verifySSL: true }
  workspace: { enable: true }
  podTemplate: { serviceAccountName: runner }
  task:
    - name: load
      podTemplate: { activeDeadlineSeconds: 60 }
    - name: shared
      taskRef: { name: git-clone, version: 1 }
      runAfter: [extract]
  dsl: |
    schedule "@daily"
    graph { extract -> load }
    task extract { image "alpine" script "echo e" }
    task load { image "alpine" script "echo l" retry [1] }
`;
    const [doc] = documents(loadManifest(text));
    if (doc?.kind !== 'DAG') throw new Error('a DAG');
    expect(doc.dag).toMatchObject({
      name: 'dsl-dag',
      schedule: '@daily',
      suspended: true,
      webhook: { url: 'https://hooks.example.com/k', verifySSL: true },
      workspace: { enable: true },
    });
    expect(doc.dag.tasks).toEqual([
      {
        name: 'extract',
        image: 'alpine',
        script: 'echo e',
        backoff: { limit: 3 },
        conditional: { enabled: false, retryCodes: [] },
        podTemplate: { serviceAccountName: 'runner' },
      },
      {
        name: 'load',
        image: 'alpine',
        script: 'echo l',
        runAfter: ['extract'],
        backoff: { limit: 3 },
        conditional: { enabled: true, retryCodes: [1] },
        podTemplate: { activeDeadlineSeconds: 60 },
      },
      {
        name: 'shared',
        taskRef: { name: 'git-clone', version: 1 },
        runAfter: ['extract'],
        podTemplate: { serviceAccountName: 'runner' },
      },
    ]);
    expect(validateDag(doc.dag).errors).toEqual([]);
  });

  it('places DSL errors at their line and column in the YAML file', () => {
    const text = `kind: DAG
metadata:
  name: broken
spec:
  dsl: |
    task a { image "x" }
    graph {
      a -> b
    }
`;
    const result = loadManifest(text);
    expect(result.ok ? [] : result.errors).toEqual([
      {
        code: 'UNKNOWN_DEPENDENCY',
        path: '/spec/dsl',
        pointer: '/spec/dsl',
        task: 'b',
        message: 'spec.dsl: edge target "b" is not a defined task',
        line: 8,
        column: 12,
      },
    ]);
  });

  it('refuses spec.schedule or spec.parameters next to spec.dsl, as Kontroler does', () => {
    const text =
      'kind: DAG\nmetadata: { name: x }\nspec:\n  schedule: "@daily"\n  dsl: task a { image "i" script "s" }\n';
    const result = loadManifest(text);
    expect(result.ok ? [] : result.errors).toEqual([
      {
        code: 'SCHEMA',
        path: '/spec/schedule',
        pointer: '/spec/schedule',
        message: 'spec.schedule cannot be combined with spec.dsl; set it in the DSL',
        line: 4,
        column: 13,
      },
    ]);
  });

  it('checks DagRun parameters: exactly one of value and fromSecret', () => {
    const text = `kind: DagRun
metadata: { name: r }
spec:
  dagName: d
  parameters:
    - { name: a, value: "1", fromSecret: s }
    - { name: b }
`;
    const result = loadManifest(text);
    expect(result.ok ? [] : result.errors.map((e) => [e.code, e.path, e.line])).toEqual([
      ['INVALID_PARAMETER', '/spec/parameters/0', 6],
      ['INVALID_PARAMETER', '/spec/parameters/1', 7],
    ]);
    const missing = loadManifest('kind: DagRun\nmetadata: { name: r }\nspec: {}\n');
    expect(missing.ok ? [] : missing.errors.map((e) => e.message)).toEqual([
      'the DagRun has no spec.dagName',
    ]);
  });

  it('reads a DagRun’s priority and deadline, and refuses them out of range at their lines', () => {
    const ok = loadManifest(
      'kind: DagRun\nmetadata: { name: r }\nspec:\n  dagName: d\n  priority: -5\n  activeDeadlineSeconds: 600\n',
    );
    expect(ok.ok && ok.documents[0]).toMatchObject({
      kind: 'DagRun',
      run: { dagName: 'd', priority: -5, activeDeadlineSeconds: 600 },
    });
    const bad = loadManifest(
      'kind: DagRun\nmetadata: { name: r }\nspec:\n  dagName: d\n  priority: 1.5\n  activeDeadlineSeconds: 0\n',
    );
    expect(bad.ok ? [] : bad.errors.map((e) => [e.path, e.line, e.message])).toEqual([
      ['/spec/priority', 5, 'spec.priority must be an integer from -1000000 to 1000000'],
      [
        '/spec/activeDeadlineSeconds',
        6,
        'spec.activeDeadlineSeconds must be an integer from 1 to 2147483647',
      ],
    ]);
  });

  it('rejects unknown kinds and ignores WorkerPool with a warning', () => {
    const text =
      'kind: CronJob\nmetadata: { name: x }\nspec: {}\n---\nkind: WorkerPool\nmetadata: { name: w }\n';
    const result = loadManifest(text);
    expect(result.ok ? [] : result.errors).toEqual([
      {
        code: 'UNKNOWN_KIND',
        path: '/kind',
        pointer: '/kind',
        message: 'document 1: unknown kind "CronJob"; expected DAG, DagRun or DagTask',
        line: 1,
        column: 7,
      },
    ]);
    const pool = loadManifest('kind: WorkerPool\nmetadata: { name: w }\n');
    expect(pool).toEqual({
      ok: true,
      documents: [],
      warnings: [
        {
          code: 'UNKNOWN_KIND',
          path: '/kind',
          pointer: '/kind',
          message: 'kind WorkerPool is not supported; the document is ignored',
          line: 1,
          column: 7,
        },
      ],
    });
  });

  it('reports malformed YAML with line and column', () => {
    const result = loadManifest('kind: DAG\nspec:\n  task: [a, b\n  other: 1\n');
    expect(result.ok).toBe(false);
    const error = !result.ok ? result.errors[0] : undefined;
    expect(error).toMatchObject({ code: 'PARSE_ERROR', path: '' });
    expect(error?.line).toBeGreaterThanOrEqual(3);
    expect(error?.column).toBeGreaterThanOrEqual(1);
    expect(loadManifest('a: 1\na: 2\n')).toMatchObject({
      ok: false,
      errors: [{ code: 'PARSE_ERROR', line: 2 }],
    });
    expect(loadManifest('')).toMatchObject({ ok: false, errors: [{ code: 'PARSE_ERROR' }] });
    expect(loadManifest('- 1\n- 2\n')).toMatchObject({
      ok: false,
      errors: [{ message: 'the document is not a mapping' }],
    });
  });

  it('caps the text size and alias expansion', () => {
    const big = `name: x\ntasks: []\n#${'x'.repeat(MAX_MANIFEST_BYTES)}`;
    expect(loadManifest(big)).toMatchObject({ ok: false, errors: [{ code: 'DOCUMENT_TOO_LARGE' }] });
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 8; i++)
      lines.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10)
          .fill(`*${String.fromCharCode(96 + i)}`)
          .join(', ')}]`,
      );
    expect(loadManifest(`${lines.join('\n')}\ntasks: []\n`).ok).toBe(false);
  });

  it('never throws, on any text', () => {
    const yamlish = fc
      .array(
        fc.constantFrom(
          'kind: DAG',
          'spec:',
          '  task:',
          '  - name: a',
          '---',
          'metadata: {name: x}',
          '  dsl: |',
          '    task a {',
          '[',
          '&a',
          '*a',
          ': ',
          '"',
          '\t',
          'tasks: [1]',
        ),
        { maxLength: 12 },
      )
      .map((lines) => lines.join('\n'));
    fc.assert(
      fc.property(fc.oneof(fc.string(), yamlish), (text) => {
        const result = loadManifest(text);
        expect(typeof result.ok).toBe('boolean');
      }),
      { numRuns: 500 },
    );
    expect(loadManifest(undefined as unknown as string).ok).toBe(false);
  });
});

describe('toManifest', () => {
  it("writes Kontroler's form (spec.task) that loads back to the same DagSpec", () => {
    const dag: DagSpec = {
      name: 'nightly',
      namespace: 'data',
      schedule: '0 3 * * *',
      tasks: [
        {
          name: 'a',
          image: 'alpine',
          script: 'echo "hi"\nexit 0\n',
          podTemplate: { nodeSelector: { disk: 'ssd' } },
        },
        {
          name: 'b',
          image: 'alpine',
          command: ['true'],
          runAfter: ['a'],
          conditional: { enabled: true, retryCodes: [1] },
        },
      ],
    };
    const text = toManifest(dag);
    expect(text).toMatch(
      /^apiVersion: kontroler\.greedykomodo\/v1alpha1\nkind: DAG\nmetadata:\n {2}name: nightly\n {2}namespace: data\nspec:\n/,
    );
    expect(text).toContain('\n  task:\n');
    const [doc] = documents(loadManifest(text));
    expect(doc?.kind === 'DAG' && doc.dag).toEqual(dag);
    expect(toManifest(dag, { apiVersion: 'example.dev/v1' })).toMatch(/^apiVersion: example\.dev\/v1\n/);
  });

  it('round-trips a generated 1,000-task DAG', () => {
    const dag = generateDag(1_000, 11);
    const [doc] = documents(loadManifest(toManifest(dag)));
    expect(doc?.kind === 'DAG' && doc.dag).toEqual(dag);
  });
});
