/**
 * The RBAC matrix, generated from the OpenAPI document: every operation × admin/editor/viewer/anonymous,
 * each against fresh resources, with the status the rule table implies. A new operation without a rule
 * or without a request recipe here fails the suite.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { secretsFile } from '@kontroler/plugins';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../src/openapi/document.js';
import { roleRank } from '../src/rbac/grants.js';
import { OPERATION_RULES, ruleFor, type OperationId } from '../src/rbac/rules.js';
import type { Role } from '../src/types.js';
import { FAIL, PASSWORD, sampleDag, startHarness, type Harness } from './support/harness.js';

type Actor = Role | 'anonymous';
const ACTORS: Actor[] = ['anonymous', 'viewer', 'editor', 'admin'];

interface Fixture {
  dag: string;
  runId: string;
  failedRunId: string;
  attemptId: string;
  deliveryId: string;
  victimId: string;
  tokenId: string | undefined;
  refreshToken: string;
  secret: string;
}

interface Recipe {
  path: (fx: Fixture) => string;
  body?: (fx: Fixture) => unknown;
  sse?: boolean;
}

const V1 = '/api/v1';
const RECIPES: Record<OperationId, Recipe> = {
  healthz: { path: () => '/healthz' },
  readyz: { path: () => '/readyz' },
  getOpenApi: { path: () => '/api/openapi.json' },
  login: { path: () => `${V1}/auth/login`, body: () => ({ username: 'matrix-login', password: PASSWORD }) },
  refresh: { path: () => `${V1}/auth/refresh`, body: (fx) => ({ refreshToken: fx.refreshToken }) },
  logout: { path: () => `${V1}/auth/logout`, body: () => ({}) },
  getMe: { path: () => `${V1}/me` },
  changePassword: {
    path: () => `${V1}/me/password`,
    body: () => ({ currentPassword: PASSWORD, newPassword: `${PASSWORD}-2` }),
  },
  listTokens: { path: () => `${V1}/tokens` },
  createToken: { path: () => `${V1}/tokens`, body: () => ({ name: 'matrix' }) },
  deleteToken: { path: (fx) => `${V1}/tokens/${fx.tokenId ?? randomUUID()}` },
  listDags: { path: () => `${V1}/dags` },
  createDag: { path: () => `${V1}/dags`, body: () => sampleDag(`m-${randomUUID().slice(0, 8)}`) },
  validateDag: { path: () => `${V1}/dags/validate`, body: () => sampleDag('v') },
  getDag: { path: (fx) => `${V1}/dags/${fx.dag}` },
  updateDag: {
    path: (fx) => `${V1}/dags/${fx.dag}`,
    body: (fx) => sampleDag(fx.dag, { description: 'changed' }),
  },
  deleteDag: { path: (fx) => `${V1}/dags/${fx.dag}` },
  suspendDag: { path: (fx) => `${V1}/dags/${fx.dag}/suspend` },
  resumeDag: { path: (fx) => `${V1}/dags/${fx.dag}/resume` },
  listDagVersions: { path: (fx) => `${V1}/dags/${fx.dag}/versions` },
  getDagVersion: { path: (fx) => `${V1}/dags/${fx.dag}/versions/1` },
  diffDagVersions: { path: (fx) => `${V1}/dags/${fx.dag}/diff?from=1&to=1` },
  triggerRun: { path: (fx) => `${V1}/dags/${fx.dag}/runs`, body: () => ({}) },
  listRuns: { path: () => `${V1}/runs` },
  getRun: { path: (fx) => `${V1}/runs/${fx.runId}` },
  cancelRun: { path: (fx) => `${V1}/runs/${fx.runId}/cancel` },
  retryRun: { path: (fx) => `${V1}/runs/${fx.failedRunId}/retry`, body: () => ({}) },
  getAttemptLogs: { path: (fx) => `${V1}/runs/${fx.runId}/attempts/${fx.attemptId}/logs` },
  streamAttemptLogs: {
    path: (fx) => `${V1}/runs/${fx.runId}/attempts/${fx.attemptId}/logs/stream`,
    sse: true,
  },
  listRunDeliveries: { path: (fx) => `${V1}/runs/${fx.runId}/deliveries` },
  redeliver: { path: (fx) => `${V1}/deliveries/${fx.deliveryId}/redeliver` },
  streamEvents: { path: () => `${V1}/events`, sse: true },
  listUsers: { path: () => `${V1}/users` },
  createUser: {
    path: () => `${V1}/users`,
    body: () => ({ username: `u-${randomUUID().slice(0, 8)}`, password: 'password-123' }),
  },
  updateUser: { path: (fx) => `${V1}/users/${fx.victimId}`, body: () => ({ roles: [{ role: 'viewer' }] }) },
  resetUserPassword: {
    path: (fx) => `${V1}/users/${fx.victimId}/password`,
    body: () => ({ password: 'password-456' }),
  },
  listAudit: { path: () => `${V1}/audit` },
  getServerInfo: { path: () => `${V1}/info` },
  listSecrets: { path: () => `${V1}/secrets` },
  setSecret: { path: (fx) => `${V1}/secrets/${fx.secret}`, body: () => ({ value: 'matrix-value' }) },
  deleteSecret: { path: (fx) => `${V1}/secrets/${fx.secret}` },
};

const document = buildOpenApiDocument();
const operations = Object.entries(document.paths).flatMap(([, methods]) =>
  Object.entries(methods).map(([method, op]) => ({
    method: method.toUpperCase(),
    operationId: (op as { operationId: string }).operationId,
  })),
);

function expected(operationId: string, actor: Actor): 'ok' | 401 | 403 {
  const rule = ruleFor(operationId);
  if (rule === 'public') return 'ok';
  if (actor === 'anonymous') return 401;
  if (rule === 'authenticated') return 'ok';
  return rule !== undefined && roleRank(actor) >= roleRank(rule) ? 'ok' : 403;
}

let h: Harness;
let secretsDir: string | undefined;
const tokens = new Map<Actor, string | undefined>();

beforeAll(async () => {
  secretsDir = await mkdtemp(join(os.tmpdir(), 'kontroler-rbac-secrets-'));
  h = await startHarness({ deps: { secrets: secretsFile(join(secretsDir, 'secrets.json')) } });
  for (const role of ['viewer', 'editor', 'admin'] as const) {
    tokens.set(role, (await h.user(`matrix-${role}`, [{ role, namespace: null }])).token);
  }
  tokens.set('anonymous', undefined);
  await h.user('matrix-login', []);
  // Runs of the fixtures' "-failing" DAGs fail at once; every other task hangs, so `runId` stays active.
  h.runtime.script({ task: 'doomed' }, FAIL);
});
afterAll(async () => {
  await h?.close();
  if (secretsDir) await rm(secretsDir, { recursive: true, force: true });
});

async function fixture(actor: Actor): Promise<Fixture> {
  const admin = tokens.get('admin');
  const dag = `fx-${randomUUID().slice(0, 8)}`;
  expect((await h.request('POST', `${V1}/dags`, { token: admin, body: sampleDag(dag) })).status).toBe(201);
  const run = await h.request<{ id: string }>('POST', `${V1}/dags/${dag}/runs`, { token: admin, body: {} });
  const failing = sampleDag(`${dag}-failing`, {
    tasks: [{ name: 'doomed', image: 'alpine', command: ['false'] }],
  });
  expect((await h.request('POST', `${V1}/dags`, { token: admin, body: failing })).status).toBe(201);
  const failed = await h.request<{ id: string }>('POST', `${V1}/dags/${dag}-failing/runs`, {
    token: admin,
    body: {},
  });
  await h.waitForRun(failed.body.id, 'failed');
  const detail = await h.request<{ attempts: Array<{ id: string }> }>('GET', `${V1}/runs/${run.body.id}`, {
    token: admin,
  });
  const deliveryId = randomUUID();
  await h.store.enqueueOutbox([
    {
      id: deliveryId,
      topic: 'webhook',
      runId: run.body.id,
      payload: { hello: 'world' },
      createdAt: Date.now(),
    },
  ]);
  await h.store.recordDelivery(deliveryId, {
    attempt: {
      outboxId: deliveryId,
      attempt: 1,
      at: Date.now(),
      ok: false,
      statusCode: 500,
      error: 'boom',
      durationMs: 3,
    },
    outcome: 'failed',
  });
  const victim = await h.request<{ id: string }>('POST', `${V1}/users`, {
    token: admin,
    body: { username: `victim-${randomUUID().slice(0, 8)}`, password: 'password-123' },
  });
  let tokenId: string | undefined;
  if (actor !== 'anonymous') {
    const created = await h.request<{ id: string }>('POST', `${V1}/tokens`, {
      token: tokens.get(actor),
      body: { name: 'own' },
    });
    tokenId = created.body.id;
  }
  const secret = `fx-secret-${randomUUID().slice(0, 8)}`;
  const stored = await h.request('PUT', `${V1}/secrets/${secret}`, { token: admin, body: { value: 'v' } });
  expect(stored.status).toBe(200);
  const login = await h.request<{ refreshToken: string }>('POST', `${V1}/auth/login`, {
    body: { username: 'matrix-login', password: PASSWORD },
  });
  return {
    dag,
    runId: run.body.id,
    failedRunId: failed.body.id,
    attemptId: detail.body.attempts[0]?.id ?? 'none',
    deliveryId,
    victimId: victim.body.id,
    tokenId,
    refreshToken: login.body.refreshToken,
    secret,
  };
}

async function status(
  method: string,
  recipe: Recipe,
  fx: Fixture,
  token: string | undefined,
): Promise<number> {
  const path = recipe.path(fx);
  if (recipe.sse) {
    const controller = new AbortController();
    const response = await fetch(h.url + path, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
      signal: controller.signal,
    });
    controller.abort();
    await response.body?.cancel().catch(() => undefined);
    return response.status;
  }
  const body = recipe.body?.(fx);
  return (await h.request(method, path, { token, ...(body !== undefined ? { body } : {}) })).status;
}

describe('RBAC rules', () => {
  it('has a rule and a request recipe for every operation of the document, and no stale rules', () => {
    const ids = operations.map((o) => o.operationId);
    expect(ids.filter((id) => ruleFor(id) === undefined)).toEqual([]);
    expect(ids.filter((id) => !(id in RECIPES))).toEqual([]);
    expect(Object.keys(OPERATION_RULES).filter((id) => !ids.includes(id))).toEqual([]);
  });
});

describe.each(operations)('$method $operationId', ({ method, operationId }) => {
  it.each(ACTORS)('as %s', async (actor) => {
    const fx = await fixture(actor);
    const recipe = RECIPES[operationId as OperationId];
    const got = await status(method, recipe, fx, tokens.get(actor));
    const want = expected(operationId, actor);
    if (want === 'ok') expect(got, `${operationId} as ${actor}`).toBeGreaterThanOrEqual(200);
    if (want === 'ok') expect(got, `${operationId} as ${actor}`).toBeLessThan(300);
    else expect(got, `${operationId} as ${actor}`).toBe(want);
  });
});
