/**
 * Fuzzing from the OpenAPI document: ≥ 10,000 generated requests (fast-check) over every operation, with
 * valid, edge and garbage path values, query strings, bodies (oversized too), content types, unknown paths
 * and methods, and credentials of every role (global and per namespace, API tokens, none, forged and
 * expired). No answer may be a 5xx, every error must be problem+json matching the document's `Problem`
 * schema, the server must still be healthy and every table of the database consistent afterwards.
 *
 * CI runs a fixed seed; `KONTROLER_FUZZ_REQUESTS` and `KONTROLER_FUZZ_SEED` run longer or other sequences
 * (apps/api/README.md).
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCESS_AUDIENCE, ACCESS_ISSUER } from '../src/auth/authenticator.js';
import { buildOpenApiDocument } from '../src/openapi/document.js';
import type { ParameterDef } from '../src/openapi/operations.js';
import { inconsistencies, tables, CONSISTENCY_CHECKS } from './support/consistency.js';
import { PASSWORD, sampleDag, startHarness, type Harness } from './support/harness.js';

const REQUESTS = positiveInt(process.env.KONTROLER_FUZZ_REQUESTS, 10_000);
const SEED = positiveInt(process.env.KONTROLER_FUZZ_SEED, 20261125);
const CONCURRENCY = 8;

function positiveInt(raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`not a positive integer: ${raw}`);
  return value;
}

interface Op {
  method: string;
  path: string;
  operationId: string;
  parameters: ParameterDef[];
  sse: boolean;
}

const document = buildOpenApiDocument();

/**
 * The document's `Problem` schema, compiled with the other components so that OpenAPI 3.1's
 * `#/components/schemas/...` references resolve against the document itself.
 */
const problemSchema = (() => {
  const base = 'https://kontroler.test/openapi.json';
  const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
  ajv.addSchema({ $id: base, components: { schemas: document.components.schemas } });
  const validate = ajv.getSchema(`${base}#/components/schemas/Problem`);
  if (!validate) throw new Error('the OpenAPI document has no Problem schema');
  return validate;
})();
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
const known: Record<string, string[]> = {
  namespace: ['default', 'team-b'],
  name: ['etl'],
  id: [],
  attemptId: [],
  version: ['1', '2'],
};
/** Bearer credentials, by what they are; the fuzzer picks among them (admin twice, to reach more 2xx). */
const credentials: Array<{ label: string; token: string | undefined }> = [
  { label: 'none', token: undefined },
  { label: 'garbage', token: 'garbage' },
  { label: 'unknown API token', token: `kt_${'x'.repeat(43)}` },
  { label: 'unsigned JWT', token: 'eyJhbGciOiJub25lIn0.e30.' },
];

const signAccess = (secret: string, sub: string, exp: number): Promise<string> =>
  new SignJWT({ typ: 'access', name: 'fuzz-admin', cv: 0 })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuer(ACCESS_ISSUER)
    .setAudience(ACCESS_AUDIENCE)
    .setIssuedAt(exp - 900)
    .setExpirationTime(exp)
    .sign(new TextEncoder().encode(secret));

beforeAll(async () => {
  h = await startHarness({ deps: { loginRateLimit: 1_000_000 } });
  const admin = await h.user('fuzz-admin', [{ role: 'admin', namespace: null }]);
  const users: Array<[string, Parameters<Harness['user']>[1]]> = [
    ['fuzz-editor', [{ role: 'editor', namespace: null }]],
    ['fuzz-viewer', [{ role: 'viewer', namespace: null }]],
    ['fuzz-ns-admin', [{ role: 'admin', namespace: 'default' }]],
    ['fuzz-ns-editor', [{ role: 'editor', namespace: 'default' }]],
    ['fuzz-ns-viewer', [{ role: 'viewer', namespace: 'default' }]],
    ['fuzz-other-editor', [{ role: 'editor', namespace: 'team-b' }]],
    ['fuzz-nobody', []],
  ];
  credentials.push({ label: 'admin', token: admin.token }, { label: 'admin', token: admin.token });
  for (const [username, grants] of users) {
    credentials.push({ label: username, token: (await h.user(username, grants)).token });
  }
  const now = Math.floor(Date.now() / 1000);
  credentials.push(
    { label: 'expired admin JWT', token: await signAccess(h.jwtSecret, admin.id, now - 60) },
    { label: 'admin JWT, wrong key', token: await signAccess('0'.repeat(64), admin.id, now + 600) },
  );
  // API tokens: the admin's narrowed to viewer, and one limited to a namespace.
  for (const body of [
    { name: 'fuzz-viewer-token', role: 'viewer' },
    { name: 'fuzz-ns-token', role: 'editor', namespace: 'default' },
  ]) {
    const created = await h.request<{ token: string }>('POST', '/api/v1/tokens', {
      token: admin.token,
      body,
    });
    if (created.status !== 201) throw new Error(`token ${body.name}: ${created.status} ${created.text}`);
    credentials.push({ label: `API token ${body.name}`, token: created.body.token });
  }
  await h.request('POST', '/api/v1/namespaces/default/dags', { token: admin.token, body: sampleDag('etl') });
  await h.request('POST', '/api/v1/namespaces/team-b/dags', { token: admin.token, body: sampleDag('etl') });
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
  // Ids a request may disable, re-grant or revoke without taking the fuzzer's own credentials away.
  known.id?.push((await h.user('fuzz-throwaway', [{ role: 'viewer', namespace: 'team-b' }])).id);
  const spare = await h.request<{ id: string }>('POST', '/api/v1/tokens', {
    token: admin.token,
    body: { name: 'fuzz-spare' },
  });
  known.id?.push(spare.body.id);
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

const grant = fc.record({
  role: fc.constantFrom('admin', 'editor', 'viewer'),
  namespace: fc.constantFrom(null, 'default', 'team-b'),
});
/**
 * A valid body per operation that takes one, sent with a quarter of the requests to that operation, so
 * that authorised requests get past validation and write to the database.
 */
const validBodies: Readonly<Record<string, fc.Arbitrary<unknown>>> = {
  triggerRun: fc.record(
    { parameters: fc.dictionary(fc.constantFrom('region', 'day'), scalar), idempotencyKey: scalar },
    { requiredKeys: [] },
  ),
  login: fc.record({
    username: fc.constantFrom('fuzz-viewer', 'fuzz-nobody', 'fuzz-throwaway'),
    password: fc.constantFrom(PASSWORD, 'wrong password'),
  }),
  createUser: fc.record(
    {
      username: fc.stringMatching(/^[a-z0-9.@-]{1,20}$/),
      password: fc.constantFrom('long enough password', 'short'),
      roles: fc.array(grant, { maxLength: 3 }),
    },
    { requiredKeys: ['username', 'password'] },
  ),
  updateUser: fc.record(
    { disabled: fc.boolean(), roles: fc.array(grant, { maxLength: 3 }) },
    { requiredKeys: [] },
  ),
  resetUserPassword: fc.record({ password: fc.constantFrom('long enough password', 'short') }),
  createToken: fc.record(
    {
      name: fc.string({ minLength: 1, maxLength: 20 }),
      role: fc.constantFrom('admin', 'editor', 'viewer'),
      namespace: fc.constantFrom('default', 'team-b'),
      expiresInDays: fc.integer({ min: 0, max: 4000 }),
    },
    { requiredKeys: ['name'] },
  ),
  setSecret: fc.record({ value: fc.string({ maxLength: 100 }) }),
  createDag: fc.constantFrom('etl', 'etl2').map((name) => sampleDag(name)),
  updateDag: fc.constantFrom(undefined, 'fuzzed').map((description) => sampleDag('etl', { description })),
  validateDag: fc.constant(sampleDag('etl')),
};

const bodies: fc.Arbitrary<{ text: string | undefined; type: string | undefined }> = fc.oneof(
  fc.constant({ text: undefined, type: undefined }),
  // A body valid for some other operation.
  fc.oneof(...Object.values(validBodies)).map((v) => ({ text: JSON.stringify(v), type: 'application/json' })),
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
  // An index, taken modulo the credentials known once `beforeAll` has added the real ones (this
  // arbitrary is built before it runs).
  credential: fc.nat({ max: 10_000 }),
  body: bodies,
  // Unknown query parameters are refused; mostly leave them out so that the rest of a request counts.
  extraQuery: fc.oneof(
    { arbitrary: fc.constant(null), weight: 4 },
    { arbitrary: fc.tuple(fc.string({ minLength: 1, maxLength: 10 }), scalar), weight: 1 },
  ),
  dropRequired: fc.boolean(),
  valid: fc.nat(3).map((n) => n === 0),
  accept: fc.constantFrom(undefined, 'application/json', 'text/plain', '*/*', 'text/event-stream'),
  range: fc.option(fc.constantFrom('bytes=0-10', 'bytes=-5', 'bytes=999999-', 'bytes=5-1', 'lines=1-2')),
  lastEventId: fc.option(
    fc.oneof(fc.integer({ min: 0 }).map(String), scalar).filter((v) => /^[\x20-\x7e]*$/.test(v)),
  ),
  // Now and then a method the path does not have, a path the document does not have, a body over
  // the size limit.
  method: fc.oneof(
    { arbitrary: fc.constant(undefined), weight: 19 },
    { arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE'), weight: 1 },
  ),
  suffix: fc.oneof(
    { arbitrary: fc.constant(''), weight: 19 },
    { arbitrary: fc.constantFrom('/', '/x', '//', '/%2e%2e', '/..%2f', '.json'), weight: 1 },
  ),
  oversized: fc.nat(199).map((n) => n === 0),
});

type Sample = typeof requests extends fc.Arbitrary<infer T> ? T : never;

interface Answer {
  status: number;
  type: string;
  text: string;
  url: string;
}

async function send(r: Sample): Promise<Answer> {
  const { url, init, sse } = build(r);
  const controller = new AbortController();
  const response = await fetch(url, { ...init, signal: controller.signal });
  const type = response.headers.get('content-type') ?? '';
  let text = '';
  if (sse && response.status === 200) controller.abort();
  else text = await response.text();
  const who = credentials[r.credential % credentials.length]?.label ?? '?';
  return { status: response.status, type, text, url: `${init.method} ${url} as ${who}` };
}

/** What is wrong with an answer, if anything: a 5xx, or an error that is not a valid problem document. */
function fault(answer: Answer): string | undefined {
  const { status, type, text, url } = answer;
  if (status >= 500) return `${status} ${url}: ${text.slice(0, 200)}`;
  if (status < 400) return undefined;
  if (!type.startsWith('application/problem+json')) return `${status} as ${type || 'no type'}: ${url}`;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return `${status} problem+json that is not JSON: ${url}`;
  }
  if (!problemSchema(body)) {
    return `${status} problem not matching the schema (${JSON.stringify(problemSchema.errors)}): ${url}: ${text}`;
  }
  if ((body as { status: number }).status !== status) return `${status} problem says another status: ${url}`;
  return undefined;
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
  const credential = credentials[r.credential % credentials.length]?.token;
  if (credential) headers.authorization = `Bearer ${credential}`;
  if (r.accept) headers.accept = r.accept;
  if (r.range) headers.range = r.range;
  if (r.lastEventId) headers['last-event-id'] = r.lastEventId;
  const valid = r.valid ? validBodies[r.op.operationId] : undefined;
  const body = r.oversized
    ? { text: JSON.stringify({ name: 'x'.repeat(3 * 1024 * 1024) }), type: 'application/json' }
    : valid
      ? { text: JSON.stringify(fc.sample(valid, { numRuns: 1, seed: r.seed })[0]), type: 'application/json' }
      : r.body;
  const method = r.method ?? r.op.method;
  const hasBody = method !== 'GET' && body.text !== undefined;
  if (hasBody && body.type) headers['content-type'] = body.type;
  const qs = query.toString();
  return {
    url: `${h.url}${path}${r.suffix}${qs ? `?${qs}` : ''}`,
    init: { method, headers, ...(hasBody ? { body: body.text } : {}) },
    sse: r.op.sse,
  };
}

describe('fuzz', () => {
  it(`answers ${REQUESTS} generated requests (seed ${SEED}) without a 5xx, errors as valid problems`, async () => {
    const samples = fc.sample(requests, { numRuns: REQUESTS, seed: SEED });
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    let sent = 0;
    /** Successful answers per operation: how far past validation and authorisation the fuzzer gets. */
    const byOp: Record<string, number> = {};
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < samples.length) {
        const sample = samples[next];
        next += 1;
        if (!sample) continue;
        const result = await send(sample);
        sent += 1;
        statuses.set(result.status, (statuses.get(result.status) ?? 0) + 1);
        if (result.status < 300) byOp[sample.op.operationId] = (byOp[sample.op.operationId] ?? 0) + 1;
        const wrong = fault(result);
        if (wrong) failures.push(wrong);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    expect(failures.slice(0, 20)).toEqual([]);
    expect(sent).toBeGreaterThanOrEqual(REQUESTS);
    // The generator reaches success, client errors and auth failures alike.
    expect(statuses.get(200)).toBeGreaterThan(0);
    if (REQUESTS >= 10_000) {
      // Enough requests to get past validation and authorisation of most operations and to write.
      expect(statuses.get(201)).toBeGreaterThan(0);
      expect(Object.keys(byOp).length).toBeGreaterThanOrEqual(20);
      // …and to reach the mutations: unknown paths, wrong methods, oversized bodies.
      for (const status of [404, 405, 413]) expect(statuses.get(status)).toBeGreaterThan(0);
    }
    expect(statuses.get(401)).toBeGreaterThan(0);
    expect(statuses.get(400)).toBeGreaterThan(0);
    expect(statuses.get(403)).toBeGreaterThan(0);
    expect((await h.request('GET', '/healthz')).status).toBe(200);
  }, 3_600_000);

  it("checks errors against the document's Problem schema", async () => {
    const missing = await h.request('GET', '/api/v1/namespaces/default/runs/no-such-run', {
      token: credentials.find((c) => c.label === 'admin')?.token,
    });
    expect(fault({ status: 404, type: 'application/problem+json', text: missing.text, url: 'x' })).toBe(
      undefined,
    );
    const withoutCode = JSON.stringify({ type: 'about:blank', title: 'Not Found', status: 404, detail: 'x' });
    const extra = JSON.stringify({ ...(missing.body as object), stack: 'at x' });
    for (const text of [withoutCode, extra, '[]']) {
      expect(fault({ status: 404, type: 'application/problem+json', text, url: 'x' })).toMatch(/schema/);
    }
    expect(fault({ status: 404, type: 'application/json', text: missing.text, url: 'x' })).toMatch(/as /);
  });

  it('leaves every table of the database consistent', async () => {
    expect(Object.keys(CONSISTENCY_CHECKS).sort()).toEqual(await tables(h.store.sql));
    expect(await inconsistencies(h.store.sql)).toEqual({});
  });

  it('has checks that find a broken row in every table', async () => {
    const rollback = new Error('rollback');
    const found = await h.store
      .transaction(async (sql) => {
        const now = new Date();
        await sql(`update dags set latest_version = latest_version + 5 where name = 'etl'`);
        await sql(`update dag_versions set hash = ''`);
        await sql(
          `insert into runs (id, dag_name, namespace, dag_version, state, trigger, created_at)
           values ('fuzz-orphan-run', 'etl', 'default', 99, 'running', 'manual', $1)`,
          [now],
        );
        await sql(`update attempts set task_name = 'ghost'`);
        await sql(`insert into schedules (namespace, dag_name, last_tick) values ('nowhere', 'ghost', $1)`, [
          now,
        ]);
        await sql(
          `insert into outbox (id, topic, payload, created_at, next_attempt_at, status)
           values ('fuzz-outbox', 'run.finished', '{}', $1, $1, 'delivered')`,
          [now],
        );
        await sql(
          `insert into delivery_attempts (outbox_id, attempt, at, ok, duration_ms)
           values ('fuzz-outbox', 0, $1, true, 1)`,
          [now],
        );
        await sql(
          `insert into log_lines (attempt_id, seq, ts, stream, line) values ('ghost', 1, $1, 'stdout', 'x')`,
          [now],
        );
        await sql(`update users set credentials_version = -1 where username = 'fuzz-throwaway'`);
        await sql(
          `insert into role_bindings (id, subject_kind, subject, role) values (gen_random_uuid(), 'user', 'ghost', 'admin')`,
        );
        await sql(`update api_tokens set expires_at = created_at`);
        await sql(`update refresh_tokens set replaced_by = gen_random_uuid()`);
        await sql(`insert into audit_log (actor, action) values ('fuzz', '')`);
        await sql(`insert into login_failures (username, failures, last_failed_at) values ('ghost', 0, $1)`, [
          now,
        ]);
        await sql(`update runs set finished_at = null where state in ('succeeded', 'failed', 'canceled')`);
        await sql(
          `insert into run_events (namespace, run_id, type, payload, created_at)
           values ('default', 'ghost', 'task.exploded', '{"run": {"id": "other"}}', $1)`,
          [now],
        );
        await sql(
          `insert into triggers (id, namespace, dag_name, name, secrets, mapping, tolerance_seconds, rate_per_minute,
             created_at, updated_at) values ('fuzz-trigger', 'default', 'etl', 'broken', '[]', '{}', 300, 60, $1, $1)`,
          [now],
        );
        await sql(
          `insert into trigger_messages (trigger_id, message_id, expires_at) values ('fuzz-trigger', '', $1)`,
          [now],
        );
        await sql(
          `insert into backfills (id, namespace, dag_name, range_from, range_to, schedule, max_active_runs, state,
             total, submitted, done, failed, next_tick, in_flight, revision, created_at, updated_at)
           values ('fuzz-backfill', 'default', 'etl', $1, $1, '* * * * *', 1, 'completed', 1, 1, 2, 0, $1, '[]', 0, $1, $1)`,
          [now],
        );
        await sql(
          `insert into namespace_limits (namespace, max_active_runs, updated_at, updated_by) values ('', 2, $1, '')`,
          [now],
        );
        await sql(
          `insert into dag_tasks (namespace, name, latest_version, created_at, updated_at)
           values ('default', 'fuzz-task', 2, $1, $1)`,
          [now],
        );
        await sql(
          `insert into dag_task_versions (namespace, name, version, spec, hash, created_at)
           values ('default', 'fuzz-task', 1, '[]', '', $1)`,
          [now],
        );
        for (const [table, column] of [
          ['run_rollup', 'hour'],
          ['run_rollup_daily', 'day'],
        ] as const) {
          await sql(
            `insert into ${table} (${column}, namespace, dag_name, state, bucket, runs)
             values ($1, 'ghost', 'nothing', 'failed', 0, 3)`,
            [now],
          );
        }
        await sql(
          `insert into task_rollup (hour, namespace, dag_name, task_name, state, attempts, timed, duration_ms_sum)
           values ($1, 'ghost', 'nothing', 't', 'failed', 2, 2, 10)`,
          [now],
        );
        const result = await inconsistencies(sql);
        throw Object.assign(rollback, { result });
      })
      .catch((error: unknown) => {
        if (error !== rollback) throw error;
        return (error as Error & { result: Record<string, unknown[]> }).result;
      });
    expect(Object.keys(found).sort()).toEqual(Object.keys(CONSISTENCY_CHECKS).sort());
    // The transaction rolled back: the database is as the fuzzer left it.
    expect(await inconsistencies(h.store.sql)).toEqual({});
  });
});
