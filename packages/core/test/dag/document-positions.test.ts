/**
 * Regression (issue 15): parse and validation errors had no line and column, and their paths named the
 * internal model (`/tasks/0/colour`) instead of the document the user sent (`/spec/task/0/colour`).
 * `checkDagDocument` points every issue into the user's document; the lines asserted here are the real
 * positions in the texts below (counted from 1).
 */
import { describe, expect, it } from 'vitest';
import { checkDagDocument, loadManifest, type DagIssue } from '../../src/dag/index.js';

const where = (issues: readonly DagIssue[]) =>
  issues.map((i) => ({ code: i.code, path: i.path, pointer: i.pointer, line: i.line, column: i.column }));

const yaml = (...lines: string[]) => checkDagDocument({ format: 'yaml', text: lines.join('\n') });

describe('checkDagDocument: a Kontroler manifest', () => {
  it('points a misspelled task field at /spec/task/i/<field>, on its line and column', () => {
    const result = yaml(
      'apiVersion: kontroler.greedykomodo/v1alpha1', // 1
      'kind: DAG', // 2
      'metadata:', // 3
      '  name: nightly', // 4
      'spec:', // 5
      '  task:', // 6
      '    - name: a', // 7
      '      image: alpine', // 8
      '      script: echo a', // 9
      '      colour: red', // 10
      '    - name: b', // 11
      '      script: echo b', // 12
      '      runAfter: [a, ghost]', // 13
    );
    expect(result.ok).toBe(false);
    expect(where(result.errors)).toEqual([
      { code: 'UNKNOWN_FIELD', path: '/tasks/0/colour', pointer: '/spec/task/0/colour', line: 10, column: 7 },
      { code: 'MISSING_IMAGE', path: '/tasks/1/image', pointer: '/spec/task/1/image', line: 11, column: 7 },
      {
        code: 'UNKNOWN_DEPENDENCY',
        path: '/tasks/1/runAfter/1',
        pointer: '/spec/task/1/runAfter/1',
        line: 13,
        column: 21,
      },
    ]);
  });

  it('reports misspelled top-level, metadata and spec fields at their names instead of dropping them', () => {
    const misspelledTop = yaml(
      'kind: DAG', // 1
      'metadata:', // 2
      '  name: x', // 3
      '  namespce: data', // 4
      'sepc: {}', // 5
      'spec:', // 6
      '  task: [{ name: a, image: alpine, script: echo }]', // 7
    );
    expect(where(misspelledTop.errors)).toEqual([
      { code: 'UNKNOWN_FIELD', path: '/sepc', pointer: '/sepc', line: 5, column: 1 },
      {
        code: 'UNKNOWN_FIELD',
        path: '/metadata/namespce',
        pointer: '/metadata/namespce',
        line: 4,
        column: 3,
      },
    ]);
    const misspelledSpec = yaml(
      'kind: DAG', // 1
      'metadata: { name: x }', // 2
      'spec:', // 3
      '  schedul: "0 3 * * *"', // 4
      '  task: [{ name: a, image: alpine, script: echo }]', // 5
    );
    expect(where(misspelledSpec.errors)).toEqual([
      { code: 'UNKNOWN_FIELD', path: '/schedul', pointer: '/spec/schedul', line: 4, column: 3 },
    ]);
  });

  it('keeps loading what real manifests carry: status and the metadata the API server writes', () => {
    const result = yaml(
      'apiVersion: kontroler.greedykomodo/v1alpha1',
      'kind: DAG',
      'metadata:',
      '  name: exported',
      '  namespace: data',
      '  uid: 0b6f7c1e-3f7a-4a43-9d43-3c1f1f0f7b10',
      '  resourceVersion: "4711"',
      '  generation: 3',
      '  creationTimestamp: "2026-11-25T10:00:00Z"',
      '  finalizers: [kontroler.greedykomodo/finalizer]',
      '  annotations: { kontroler/dsl-hash: abc }',
      'spec:',
      '  schedule: "0 3 * * *"',
      '  task: [{ name: a, image: alpine, script: echo }]',
      'status: { phase: Successful, message: ok }',
    );
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect(result.ok && result.namespace).toBe('data');
  });

  it('reports an unknown DagRun spec field at its line', () => {
    const loaded = loadManifest(
      'kind: DagRun\nmetadata: { name: r }\nspec:\n  dagName: d\n  paramters: []\n',
    );
    expect(loaded.ok ? [] : where(loaded.errors)).toEqual([
      { code: 'UNKNOWN_FIELD', path: '/spec/paramters', pointer: '/spec/paramters', line: 5, column: 3 },
    ]);
  });

  it('points issues of a DSL inside spec.dsl at their line in the YAML, and overlay fields at spec.task', () => {
    const result = yaml(
      'kind: DAG', // 1
      'metadata: { name: m }', // 2
      'spec:', // 3
      '  dsl: |', // 4
      '    schedule "61 * * * *"', // 5
      '    graph {', // 6
      '      a -> b', // 7
      '    }', // 8
      '    task a { image "x" script "s" }', // 9
      '    task b { script "s" }', // 10
      '  task:', // 11
      '    - name: a', // 12
      '      podTemplate: { nodeSelectr: {} }', // 13
    );
    expect(where(result.errors)).toEqual([
      {
        code: 'UNKNOWN_FIELD',
        path: '/tasks/0/podTemplate/nodeSelectr',
        pointer: '/spec/task/0/podTemplate/nodeSelectr',
        line: 13,
        column: 22,
      },
      { code: 'MISSING_IMAGE', path: '/tasks/1/image', pointer: '/spec/dsl', line: 10, column: 10 },
      { code: 'INVALID_CRON', path: '/schedule', pointer: '/spec/dsl', line: 5, column: 14 },
    ]);
  });

  it('places YAML syntax errors at their line', () => {
    const result = yaml('kind: DAG', 'metadata: { name: x }', 'spec:', '  task: [ { name: a ]');
    expect(result.ok).toBe(false);
    expect(result.errors[0]).toMatchObject({ code: 'PARSE_ERROR', pointer: '', line: 4 });
  });
});

describe('checkDagDocument: plain documents and the DSL', () => {
  it('a plain YAML DagSpec with Kontroler\'s "task" keeps its own key in the pointer', () => {
    const result = yaml(
      'name: plain', // 1
      'task:', // 2
      '  - name: a', // 3
      '    image: alpine', // 4
      '    script: echo', // 5
      '    runAfter: [a]', // 6
    );
    expect(where(result.errors)).toEqual([
      {
        code: 'SELF_DEPENDENCY',
        path: '/tasks/0/runAfter/0',
        pointer: '/task/0/runAfter/0',
        line: 6,
        column: 16,
      },
      { code: 'NO_ROOT_TASK', path: '/tasks', pointer: '/task', line: 2, column: 1 },
    ]);
  });

  it('a JSON document is the DagSpec: pointers are its paths and there are no lines', () => {
    const result = checkDagDocument({
      format: 'json',
      value: { name: 'j', tasks: [{ name: 'a', image: 'alpine', script: 'echo', colour: 'red' }] },
    });
    expect(where(result.errors)).toEqual([
      {
        code: 'UNKNOWN_FIELD',
        path: '/tasks/0/colour',
        pointer: '/tasks/0/colour',
        line: undefined,
        column: undefined,
      },
    ]);
  });

  it('a DSL file: validation issues sit on the token that caused them', () => {
    const text = [
      'schedule "* * *"', // 1
      'graph {', // 2
      '  a -> b', // 3
      '  b -> a', // 4
      '}', // 5
      'task a { image "x" script "s" }', // 6
      'task b {', // 7
      '  script "s"', // 8
      '}', // 9
    ].join('\n');
    const result = checkDagDocument({ format: 'dsl', text, name: 'loop' });
    expect(where(result.errors)).toEqual([
      { code: 'MISSING_IMAGE', path: '/tasks/1/image', pointer: '', line: 7, column: 6 },
      { code: 'NO_ROOT_TASK', path: '/tasks', pointer: '', line: 2, column: 1 },
      { code: 'CYCLE', path: '/tasks/0/runAfter/0', pointer: '', line: 4, column: 3 },
      { code: 'INVALID_CRON', path: '/schedule', pointer: '', line: 1, column: 10 },
    ]);
  });

  it("a DSL syntax error keeps the lexer's position", () => {
    const result = checkDagDocument({ format: 'dsl', text: 'task a {\n  imagee "x"\n}', name: 'x' });
    expect(where(result.errors)).toEqual([
      { code: 'PARSE_ERROR', path: '', pointer: '', line: 2, column: 3 },
    ]);
  });
});
