/**
 * Fuzzing from the OpenAPI document: ≥ 10,000 generated requests (fast-check) over every operation, with
 * valid, edge and garbage path values, query strings, bodies, content types and credentials. No answer may
 * be a 5xx, every error must be problem+json, and the server must still be healthy afterwards.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../src/openapi/document.js';
import type { ParameterDef } from '../src/openapi/operations.js';
import { sampleDag, startHarness, type Harness } from './support/harness.js';

const REQUESTS = 10_000;
const CONCURRENCY = 8;

interface Op {
  method: string;
  path: string;
  operationId: string;
  parameters: ParameterDef[];
  sse: boolean;
}

const document = buildOpenApiDocument();
const operations: Op[] = Object.entries(document.paths).flatMap(([path, methods]) =>
  Object.entries(methods).map(([method, raw]) => {
    const op = raw as {
      operationId: string;
      parameters?: ParameterDef[];
      responses: Record<string, { content?: Record<string, unknown> }>;
    };
    return {
      method: method.toUpperCase(),
      path,
      operationId: op.operationId,
      parameters: op.parameters ?? [],
      sse: Object.values(op.responses).some((r) => r.content && 'text/event-stream' in r.content),
    };
  }),
);

let h: Harness;
const known: Record<string, string[]> = { name: ['etl'], id: [], attemptId: [], version: ['1', '2'] };
const credentials: Array<string | undefined> = [
  undefined,
  'garbage',
  `kt_${'x'.repeat(43)}`,
  'eyJhbGciOiJub25lIn0.e30.',
];

beforeAll(async () => {
  h = await startHarness({ deps: { loginRateLimit: 1_000_000 } });
  const admin = await h.user('fuzz-admin', [{ role: 'admin', namespace: null }]);
  const viewer = await h.user('fuzz-viewer', [{ role: 'viewer', namespace: null }]);
  credentials.push(admin.token, admin.token, viewer.token);
  await h.request('POST', '/api/v1/namespaces/default/dags', { token: admin.token, body: sampleDag('etl') });
  const run = await h.request<{ id: string }>('POST', '/api/v1/namespaces/default/dags/etl/runs', {
    token: admin.token,
    body: {},
  });
  const detail = await h.request<{ attempts: Array<{ id: string }> }>(
    'GET',
    `/api/v1/namespaces/default/runs/${run.body.id}`,
    {
      token: admin.token,
    },
  );
  known.id?.push(run.body.id);
  known.attemptId?.push(...detail.body.attempts.map((a) => a.id));
}, 60_000);
afterAll(async () => h?.close());

const weird = fc.constantFrom(
  '',
  ' ',
  '..',
  '%',
  '%00',
  '%2F',
  '💥',
  'a'.repeat(300),
  '-1',
  '0',
  '1e3',
  'null',
  '[]',
  '{}',
  "'; drop table users;--",
);
const scalar = fc.oneof(fc.string({ maxLength: 40 }), fc.integer().map(String), weird, fc.uuid());

function paramValue(p: ParameterDef): fc.Arbitrary<string> {
  const schema = p.schema as { type?: string; enum?: string[]; minimum?: number; maximum?: number };
  const valid: Array<fc.Arbitrary<string>> = [];
  if (schema.enum) valid.push(fc.constantFrom(...schema.enum));
  if (schema.type === 'integer')
    valid.push(fc.integer({ min: schema.minimum ?? -10, max: schema.maximum ?? 1000 }).map(String));
  if (schema.type === 'boolean') valid.push(fc.constantFrom('true', 'false'));
  const fromKnown = known[p.name];
  if (fromKnown && fromKnown.length > 0) valid.push(fc.constantFrom(...fromKnown));
  if (p.name === 'state') valid.push(fc.constantFrom('running', 'failed,succeeded', 'pending,'));
  if (p.name === 'from' || p.name === 'to')
    valid.push(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()));
  return valid.length > 0
    ? fc.oneof({ arbitrary: fc.oneof(...valid), weight: 3 }, { arbitrary: scalar, weight: 1 })
    : scalar;
}

const bodies: fc.Arbitrary<{ text: string | undefined; type: string | undefined }> = fc.oneof(
  fc.constant({ text: undefined, type: undefined }),
  fc.jsonValue({ maxDepth: 4 }).map((v) => ({ text: JSON.stringify(v), type: 'application/json' })),
  fc
    .record(
      {
        name: fc.oneof(fc.constant('etl'), scalar),
        tasks: fc.array(
          fc.record(
            { name: scalar, image: scalar, runAfter: fc.array(scalar, { maxLength: 3 }) },
            { requiredKeys: ['name'] },
          ),
          { maxLength: 5 },
        ),
      },
      { requiredKeys: [] },
    )
    .map((v) => ({ text: JSON.stringify(v), type: 'application/json' })),
  fc.constant({
    text: JSON.stringify(sampleDag('etl', { description: 'fuzzed' })),
    type: 'application/json',
  }),
  fc
    .record(
      {
        username: scalar,
        password: scalar,
        refreshToken: scalar,
        name: scalar,
        role: fc.constantFrom('admin', 'viewer', 'root'),
        roles: fc.array(fc.record({ role: scalar, namespace: scalar })),
      },
      { requiredKeys: [] },
    )
    .map((v) => ({ text: JSON.stringify(v), type: 'application/json' })),
  fc.string({ maxLength: 200 }).map((t) => ({ text: t, type: 'application/json' })),
  fc.string({ maxLength: 200 }).map((t) => ({ text: t, type: 'application/yaml' })),
  fc
    .constantFrom(
      'a -> b',
      'a: [',
      'kind: DAG\nmetadata: {name: x}\nspec: {task: []}',
      'task a { image: alpine }',
    )
    .map((t) => ({ text: t, type: 'text/plain' })),
  fc.string({ maxLength: 50 }).map((t) => ({
    text: t,
    type: fc.sample(
      fc.constantFrom(
        'application/xml',
        'text/html',
        'multipart/form-data',
        'application/json; charset=utf-7',
      ),
      1,
    )[0],
  })),
);

const requests = fc.record({
  op: fc.constantFrom(...operations),
  seed: fc.integer(),
  credential: fc.constantFrom(...credentials.map((_, i) => i)),
  body: bodies,
  extraQuery: fc.option(fc.tuple(fc.string({ minLength: 1, maxLength: 10 }), scalar)),
  dropRequired: fc.boolean(),
  accept: fc.constantFrom(undefined, 'application/json', 'text/plain', '*/*', 'text/event-stream'),
  range: fc.option(fc.constantFrom('bytes=0-10', 'bytes=-5', 'bytes=999999-', 'bytes=5-1', 'lines=1-2')),
  lastEventId: fc.option(
    fc.oneof(fc.integer({ min: 0 }).map(String), scalar).filter((v) => /^[\x20-\x7e]*$/.test(v)),
  ),
});

type Sample = typeof requests extends fc.Arbitrary<infer T> ? T : never;

async function send(r: Sample): Promise<{ status: number; type: string; url: string }> {
  const { url, init, sse } = build(r);
  const controller = new AbortController();
  const response = await fetch(url, { ...init, signal: controller.signal });
  const type = response.headers.get('content-type') ?? '';
  if (sse && response.status === 200) controller.abort();
  else await response.arrayBuffer();
  return { status: response.status, type, url: `${init.method} ${url}` };
}

function build(r: Sample) {
  const values =
    fc.sample(fc.tuple(...r.op.parameters.map(paramValue), fc.constant('')), {
      numRuns: 1,
      seed: r.seed,
    })[0] ?? [];
  let path = r.op.path;
  const query = new URLSearchParams();
  r.op.parameters.forEach((p, i) => {
    const value = String(values[i] ?? '');
    if (p.in === 'path') path = path.replace(`{${p.name}}`, encodeURIComponent(value));
    else if (p.in === 'query' && (!r.dropRequired || (i + r.seed) % 2 === 0)) query.set(p.name, value);
  });
  if (r.extraQuery) query.set(r.extraQuery[0], r.extraQuery[1]);
  const headers: Record<string, string> = {};
  const credential = credentials[r.credential];
  if (credential) headers.authorization = `Bearer ${credential}`;
  if (r.accept) headers.accept = r.accept;
  if (r.range) headers.range = r.range;
  if (r.lastEventId) headers['last-event-id'] = r.lastEventId;
  const hasBody = r.op.method !== 'GET' && r.body.text !== undefined;
  if (hasBody && r.body.type) headers['content-type'] = r.body.type;
  const qs = query.toString();
  return {
    url: `${h.url}${path}${qs ? `?${qs}` : ''}`,
    init: { method: r.op.method, headers, ...(hasBody ? { body: r.body.text } : {}) },
    sse: r.op.sse,
  };
}

describe('fuzz', () => {
  it(`answers ${REQUESTS} generated requests without a 5xx`, async () => {
    const samples = fc.sample(requests, { numRuns: REQUESTS, seed: 20261125 });
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    let sent = 0;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < samples.length) {
        const sample = samples[next];
        next += 1;
        if (!sample) continue;
        const result = await send(sample);
        sent += 1;
        statuses.set(result.status, (statuses.get(result.status) ?? 0) + 1);
        if (result.status >= 500) failures.push(`${result.status} ${result.url}`);
        if (result.status >= 400 && !result.type.includes('application/problem+json')) {
          failures.push(`${result.status} without problem+json: ${result.url}`);
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    expect(failures.slice(0, 20)).toEqual([]);
    expect(sent).toBeGreaterThanOrEqual(REQUESTS);
    // The generator reaches success, client errors and auth failures alike.
    expect([...statuses.keys()].some((s) => s >= 200 && s < 300)).toBe(true);
    expect(statuses.get(401)).toBeGreaterThan(0);
    expect(statuses.get(400)).toBeGreaterThan(0);
    expect((await h.request('GET', '/healthz')).status).toBe(200);
  }, 300_000);
});
