/**
 * Regression (issue 15): a 422 named the internal model (`/tasks/0/colour`) and had no line or column.
 * Field errors now carry `pointer` into the body as sent, and `line`/`column` for YAML and DSL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/harness.js';

const DAGS = '/api/v1/namespaces/default/dags';
/** Validation needs no namespace: it saves nothing. */
const VALIDATE = '/api/v1/dags/validate';
let h: Harness;
let editor: string;

beforeAll(async () => {
  h = await startHarness();
  editor = (await h.user('pos-ed', [{ role: 'editor', namespace: null }])).token;
});
afterAll(async () => h?.close());

interface FieldError {
  code: string;
  path: string;
  pointer?: string;
  line?: number;
  column?: number;
}

const manifest = [
  'apiVersion: kontroler.greedykomodo/v1alpha1', // 1
  'kind: DAG', // 2
  'metadata:', // 3
  '  name: misspelled', // 4
  'spec:', // 5
  '  task:', // 6
  '    - name: a', // 7
  '      image: alpine', // 8
  '      script: echo a', // 9
  '      colour: red', // 10
].join('\n');

describe('errors point into the document the user sent', () => {
  it('answers 422 problem+json whose field error names /spec/task/0/colour at line 10, column 7', async () => {
    const reply = await h.request<{ code: string; errors: FieldError[] }>('POST', DAGS, {
      token: editor,
      body: manifest,
      contentType: 'application/yaml',
    });
    expect(reply.status, reply.text).toBe(422);
    expect(reply.headers.get('content-type')).toContain('application/problem+json');
    expect(reply.body.code).toBe('DAG_INVALID');
    expect(reply.body.errors).toEqual([
      expect.objectContaining({
        code: 'UNKNOWN_FIELD',
        path: '/tasks/0/colour',
        pointer: '/spec/task/0/colour',
        line: 10,
        column: 7,
      }),
    ]);
  });

  it('reports a misspelled top-level field at its line instead of dropping it', async () => {
    const reply = await h.request<{ errors: FieldError[] }>('POST', DAGS, {
      token: editor,
      body: [
        ...manifest.split('\n').slice(0, 6), // 1-6
        '    - { name: a, image: alpine, script: echo a }', // 7
        'statsu: {}', // 8
      ].join('\n'),
      contentType: 'text/yaml',
    });
    expect(reply.status, reply.text).toBe(422);
    expect(reply.body.errors).toEqual([
      expect.objectContaining({ code: 'UNKNOWN_FIELD', pointer: '/statsu', line: 8, column: 1 }),
    ]);
  });

  it('validates a DSL body with the line and column of the task at fault', async () => {
    const reply = await h.request<{ ok: boolean; errors: FieldError[] }>(
      'POST',
      `${VALIDATE}?format=dsl&name=dsl-pos`,
      {
        token: editor,
        body: 'task a {\n  image "alpine"\n  script "echo"\n}\ntask b {\n  script "echo"\n}\n',
        contentType: 'text/plain',
      },
    );
    expect(reply.status, reply.text).toBe(200);
    expect(reply.body.ok).toBe(false);
    expect(reply.body.errors).toEqual([
      expect.objectContaining({
        code: 'MISSING_IMAGE',
        path: '/tasks/1/image',
        pointer: '',
        line: 5,
        column: 6,
      }),
    ]);
  });

  it('a JSON body gets pointers equal to its own paths', async () => {
    const reply = await h.request<{ errors: FieldError[] }>('POST', DAGS, {
      token: editor,
      body: { name: 'json-pos', tasks: [{ name: 'a', image: 'alpine', script: 'echo', colour: 'red' }] },
    });
    expect(reply.status).toBe(422);
    expect(reply.body.errors).toEqual([
      expect.objectContaining({ code: 'UNKNOWN_FIELD', path: '/tasks/0/colour', pointer: '/tasks/0/colour' }),
    ]);
    expect(reply.body.errors[0]?.line).toBeUndefined();
  });
});
