/** Regression: `Content-Type: text/yaml` and `application/x-yaml` were answered 415 (issue 15). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/harness.js';

const DAGS = '/api/v1/namespaces/default/dags';
/** Validation needs no namespace: it saves nothing. */
const VALIDATE = '/api/v1/dags/validate';
let h: Harness;
let editor: string;

beforeAll(async () => {
  h = await startHarness();
  editor = (await h.user('yaml-ed', [{ role: 'editor', namespace: null }])).token;
});
afterAll(async () => h?.close());

const manifest = (name: string, echo: string) =>
  [
    'apiVersion: kontroler.greedykomodo/v1alpha1',
    'kind: DAG',
    'metadata:',
    `  name: ${name}`,
    'spec:',
    '  task:',
    '    - name: a',
    '      image: alpine',
    `      script: echo ${echo}`,
  ].join('\n');

describe('YAML media types', () => {
  it.each(['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml', 'text/yaml; charset=utf-8'])(
    'validates, creates and updates a DAG sent as %s',
    async (contentType) => {
      const name = `media-${contentType.replace(/[^a-z]+/g, '-')}`.replace(/-+$/, '');
      const validated = await h.request<{ ok: boolean }>('POST', VALIDATE, {
        token: editor,
        body: manifest(name, 'one'),
        contentType,
      });
      expect(validated.status, validated.text).toBe(200);
      expect(validated.body.ok).toBe(true);
      const created = await h.request<{ dag: { name: string } }>('POST', DAGS, {
        token: editor,
        body: manifest(name, 'one'),
        contentType,
      });
      expect(created.status, created.text).toBe(201);
      expect(created.body.dag.name).toBe(name);
      const updated = await h.request<{ version: { version: number } }>('PUT', `${DAGS}/${name}`, {
        token: editor,
        body: manifest(name, 'two'),
        contentType,
      });
      expect(updated.status, updated.text).toBe(201);
      expect(updated.body.version.version).toBe(2);
    },
  );

  it('still answers 415 for a type that is not a DAG document', async () => {
    const reply = await h.request<{ code: string }>('POST', DAGS, {
      token: editor,
      body: 'name: x',
      contentType: 'text/csv',
    });
    expect(reply.status).toBe(415);
  });
});
