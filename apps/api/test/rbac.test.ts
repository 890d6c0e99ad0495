/**
 * The RBAC matrix, generated from the OpenAPI document: every operation × role (viewer, editor, admin, none,
 * anonymous) × where the role is granted (the resources' own namespace, another namespace, or globally),
 * each against fresh resources in namespace `OWN`, with the status the rule table implies. A caller whose
 * roles are elsewhere sees nothing of `OWN`: resources are "not found" (never "forbidden", which would
 * confirm they exist), lists are empty, and no answer or SSE event carries what they did not already send.
 * A new operation without a rule or without a request recipe here fails the suite.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { secretsFile } from '@kontroler/plugins';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../src/openapi/document.js';
import { roleRank } from '../src/rbac/grants.js';
import { OPERATION_RULES, ruleFor, type OperationId } from '../src/rbac/rules.js';
import type { Role } from '../src/types.js';
import { FAIL, PASSWORD, sampleDag, startHarness, type Harness } from './support/harness.js';
import { openSse } from './support/sse-client.js';

/** Namespace of every fixture; `OTHER` is where "other" actors hold their roles. */
const OWN = 'mx-own';
const OTHER = 'mx-other';

type Scope = 'own' | 'other' | 'global';
interface Actor {
  readonly label: string;
  /** `undefined`: no credential; `none`: logged in without any role. */
  readonly role: Role | 'none' | undefined;
  readonly scope: Scope;
}
const ACTORS: Actor[] = [
  { label: 'anonymous', role: undefined, scope: 'global' },
  { label: 'none', role: 'none', scope: 'global' },
  ...(['viewer', 'editor', 'admin'] as const).flatMap((role) =>
    (['own', 'other'] as const).map((scope) => ({ label: `${role}@${scope}`, role, scope })),
  ),
  { label: 'admin@global', role: 'admin', scope: 'global' },
];

interface Fixture {
  namespace: string;
  /** Where the acting user holds their role (`null`: globally); their API token is scoped to it. */
  grantNamespace: string | null;
  dag: string;
  runId: string;
  failedRunId: string;
  attemptId: string;
  deliveryId: string;
  victimId: string;
  tokenId: string | undefined;
  refreshToken: string;
  secret: string;
  /** Trigger `fx` of `dag`: its hook id and signing secret. */
  triggerId: string;
  triggerSecret: string;
  /** A backfill of `dag` (one tick). */
  backfillId: string;
  /** A shared task (one version). */
  dagTask: string;
  /** A run whose approval task `gate` (approvers: viewer) awaits a decision; made only for its operations. */
  approvalRunId: string;
}

interface Recipe {
  path: (fx: Fixture) => string;
  body?: (fx: Fixture) => unknown;
  headers?: (fx: Fixture) => Record<string, string>;
  sse?: boolean;
}

/** Standard Webhooks headers for `body` (as the harness sends it: JSON.stringify) signed with `secret`. */
function signedHeaders(secret: string, body: unknown): Record<string, string> {
  const id = `msg_${randomUUID()}`;
  const at = new Date();
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(id, at, JSON.stringify(body)),
  };
}

const V1 = '/api/v1';
const ns = (fx: Fixture) => `${V1}/namespaces/${fx.namespace}`;
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
  createToken: {
    path: () => `${V1}/tokens`,
    body: (fx) => ({
      name: 'matrix',
      ...(fx.grantNamespace !== null ? { namespace: fx.grantNamespace } : {}),
    }),
  },
  deleteToken: { path: (fx) => `${V1}/tokens/${fx.tokenId ?? randomUUID()}` },
  listDags: { path: () => `${V1}/dags` },
  listNamespaceDags: { path: (fx) => `${ns(fx)}/dags` },
  createDag: { path: (fx) => `${ns(fx)}/dags`, body: () => sampleDag(`m-${randomUUID().slice(0, 8)}`) },
  validateDag: { path: () => `${V1}/dags/validate`, body: () => sampleDag('v') },
  getDag: { path: (fx) => `${ns(fx)}/dags/${fx.dag}` },
  updateDag: {
    path: (fx) => `${ns(fx)}/dags/${fx.dag}`,
    body: (fx) => sampleDag(fx.dag, { description: 'changed' }),
  },
  deleteDag: { path: (fx) => `${ns(fx)}/dags/${fx.dag}` },
  suspendDag: { path: (fx) => `${ns(fx)}/dags/${fx.dag}/suspend` },
  resumeDag: { path: (fx) => `${ns(fx)}/dags/${fx.dag}/resume` },
  listDagVersions: { path: (fx) => `${ns(fx)}/dags/${fx.dag}/versions` },
  getDagVersion: { path: (fx) => `${ns(fx)}/dags/${fx.dag}/versions/1` },
  diffDagVersions: { path: (fx) => `${ns(fx)}/dags/${fx.dag}/diff?from=1&to=1` },
  triggerRun: { path: (fx) => `${ns(fx)}/dags/${fx.dag}/runs`, body: () => ({}) },
  previewDagPlan: { path: (fx) => `${ns(fx)}/dags/${fx.dag}/plan?param=unused=1` },
  previewDraftPlan: { path: () => `${V1}/dags/plan`, body: () => sampleDag('p') },
  listRuns: { path: () => `${V1}/runs` },
  getRun: { path: (fx) => `${ns(fx)}/runs/${fx.runId}` },
  cancelRun: { path: (fx) => `${ns(fx)}/runs/${fx.runId}/cancel` },
  retryRun: { path: (fx) => `${ns(fx)}/runs/${fx.failedRunId}/retry`, body: () => ({}) },
  getAttemptLogs: { path: (fx) => `${ns(fx)}/runs/${fx.runId}/attempts/${fx.attemptId}/logs` },
  streamAttemptLogs: {
    path: (fx) => `${ns(fx)}/runs/${fx.runId}/attempts/${fx.attemptId}/logs/stream`,
    sse: true,
  },
  listRunDeliveries: { path: (fx) => `${ns(fx)}/runs/${fx.runId}/deliveries` },
  redeliver: { path: (fx) => `${ns(fx)}/deliveries/${fx.deliveryId}/redeliver` },
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
  unlockUser: { path: (fx) => `${V1}/users/${fx.victimId}/unlock` },
  listAudit: { path: () => `${V1}/audit` },
  getServerInfo: { path: () => `${V1}/info` },
  listSecrets: { path: () => `${V1}/secrets` },
  setSecret: { path: (fx) => `${V1}/secrets/${fx.secret}`, body: () => ({ value: 'matrix-value' }) },
  deleteSecret: { path: (fx) => `${V1}/secrets/${fx.secret}` },
  getDashboardSummary: { path: () => `${V1}/dashboard/summary` },
  getDashboardTasks: { path: () => `${V1}/dashboard/tasks` },
  getDashboardQueue: { path: () => `${V1}/dashboard/queue` },
  listTriggers: { path: (fx) => `${ns(fx)}/dags/${fx.dag}/triggers` },
  createTrigger: {
    path: (fx) => `${ns(fx)}/dags/${fx.dag}/triggers`,
    body: () => ({ name: `m-${randomUUID().slice(0, 8)}` }),
  },
  rotateTriggerSecret: { path: (fx) => `${ns(fx)}/dags/${fx.dag}/triggers/fx/rotate`, body: () => ({}) },
  deleteTrigger: { path: (fx) => `${ns(fx)}/dags/${fx.dag}/triggers/fx` },
  receiveHook: {
    path: (fx) => `${V1}/hooks/${fx.triggerId}`,
    body: () => ({ hello: 'world' }),
    headers: (fx) => signedHeaders(fx.triggerSecret, { hello: 'world' }),
  },
  createBackfill: {
    path: (fx) => `${ns(fx)}/dags/${fx.dag}/backfills`,
    body: () => ({ from: '2025-01-01T00:00:00Z', to: '2025-01-02T00:00:00Z' }),
  },
  listBackfills: { path: (fx) => `${ns(fx)}/dags/${fx.dag}/backfills` },
  getBackfill: { path: (fx) => `${ns(fx)}/backfills/${fx.backfillId}` },
  cancelBackfill: { path: (fx) => `${ns(fx)}/backfills/${fx.backfillId}/cancel` },
  listDagTasks: { path: (fx) => `${ns(fx)}/tasks` },
  putDagTask: {
    path: (fx) => `${ns(fx)}/tasks/m-${randomUUID().slice(0, 8)}`,
    body: () => ({ image: 'alpine', command: ['true'] }),
  },
  getDagTask: { path: (fx) => `${ns(fx)}/tasks/${fx.dagTask}` },
  listDagTaskVersions: { path: (fx) => `${ns(fx)}/tasks/${fx.dagTask}/versions` },
  getDagTaskVersion: { path: (fx) => `${ns(fx)}/tasks/${fx.dagTask}/versions/1` },
  diffDagTaskVersions: { path: (fx) => `${ns(fx)}/tasks/${fx.dagTask}/diff?from=1&to=1` },
  deleteDagTask: { path: (fx) => `${ns(fx)}/tasks/${fx.dagTask}` },
  rerunTask: { path: (fx) => `${ns(fx)}/runs/${fx.failedRunId}/tasks/doomed/rerun`, body: () => ({}) },
  markTask: {
    path: (fx) => `${ns(fx)}/runs/${fx.failedRunId}/tasks/doomed/mark`,
    body: () => ({ state: 'succeeded' }),
  },
  approveTask: {
    path: (fx) => `${ns(fx)}/runs/${fx.approvalRunId}/tasks/gate/approve`,
    body: () => ({ comment: 'matrix' }),
  },
  rejectTask: { path: (fx) => `${ns(fx)}/runs/${fx.approvalRunId}/tasks/gate/reject`, body: () => ({}) },
  getNamespaceLimits: { path: (fx) => `${ns(fx)}/limits` },
  putNamespaceLimits: { path: (fx) => `${ns(fx)}/limits`, body: () => ({ maxActiveRuns: null }) },
};

/** Operations whose fixture needs a run with an awaiting approval task. */
const NEEDS_APPROVAL: ReadonlySet<string> = new Set(['approveTask', 'rejectTask']);

/** A run of an approval DAG in `OWN` whose task `gate` awaits a decision (any viewer may decide it). */
async function approvalRun(dag: string): Promise<string> {
  const admin = tokens.get('admin@global');
  const base = `${V1}/namespaces/${OWN}`;
  const doc = {
    name: `${dag}-approval`,
    tasks: [{ name: 'gate', approval: { timeoutSeconds: 3600, onTimeout: 'reject', approvers: ['viewer'] } }],
  };
  expect((await h.request('POST', `${base}/dags`, { token: admin, body: doc })).status).toBe(201);
  const run = await h.request<{ id: string }>('POST', `${base}/dags/${doc.name}/runs`, {
    token: admin,
    body: {},
  });
  await h.waitForRun(run.body.id, (s) => s.attempts.some((a) => a.state === 'awaiting'));
  return run.body.id;
}

const document = buildOpenApiDocument();
const operations = Object.entries(document.paths).flatMap(([, methods]) =>
  Object.entries(methods).map(([method, op]) => ({
    method: method.toUpperCase(),
    operationId: (op as { operationId: string }).operationId,
  })),
);

/** Operations that name no resource of `OWN`: answered for anyone with the role, filtered to what they see. */
const NOT_NAMESPACED: ReadonlySet<string> = new Set([
  'listDags',
  'listRuns',
  'validateDag',
  'previewDraftPlan',
  'streamEvents',
  'listNamespaceDags',
  'getDashboardSummary',
  'getDashboardTasks',
  'getDashboardQueue',
]);

function expected(operationId: string, actor: Actor): 'ok' | 401 | 403 | 404 {
  const rule = ruleFor(operationId);
  if (rule === 'public') return 'ok';
  if (actor.role === undefined) return 401;
  if (rule === 'authenticated') {
    // A user without any role can hold no token: there is no scope to give it, and none to delete.
    if (actor.role === 'none' && operationId === 'createToken') return 403;
    if (actor.role === 'none' && operationId === 'deleteToken') return 404;
    return 'ok';
  }
  if (rule === undefined || actor.role === 'none') return 403;
  if (roleRank(actor.role) < roleRank(rule)) return 403;
  // Users and the audit log need a global admin; an admin of a namespace administers that namespace only.
  if (rule === 'admin') return actor.scope === 'global' ? 'ok' : 403;
  if (actor.scope !== 'other' || NOT_NAMESPACED.has(operationId)) return 'ok';
  // Saving a document into a namespace one may not write is refused as such, before the document is read
  // and whether or not the DAG exists; reading or changing its resources answers exactly as for resources
  // that do not exist.
  return operationId === 'createDag' || operationId === 'updateDag' ? 403 : 404;
}

let h: Harness;
let secretsDir: string | undefined;
const tokens = new Map<string, string | undefined>();

beforeAll(async () => {
  secretsDir = await mkdtemp(join(os.tmpdir(), 'kontroler-rbac-secrets-'));
  h = await startHarness({ deps: { secrets: secretsFile(join(secretsDir, 'secrets.json')) } });
  for (const actor of ACTORS) {
    if (actor.role === undefined) tokens.set(actor.label, undefined);
    else {
      const grants =
        actor.role === 'none'
          ? []
          : [
              {
                role: actor.role,
                namespace: actor.scope === 'global' ? null : actor.scope === 'own' ? OWN : OTHER,
              },
            ];
      tokens.set(actor.label, (await h.user(`matrix-${actor.label.replace('@', '-')}`, grants)).token);
    }
  }
  await h.user('matrix-login', []);
  // Runs of the fixtures' "-failing" DAGs fail at once; every other task hangs, so `runId` stays active.
  h.runtime.script({ task: 'doomed' }, FAIL);
});
afterAll(async () => {
  await h?.close();
  if (secretsDir) await rm(secretsDir, { recursive: true, force: true });
});

const grantNamespaceOf = (actor: Actor): string | null =>
  actor.scope === 'own' ? OWN : actor.scope === 'other' ? OTHER : null;

async function fixture(actor: Actor): Promise<Fixture> {
  const admin = tokens.get('admin@global');
  const base = `${V1}/namespaces/${OWN}`;
  const dag = `fx-${randomUUID().slice(0, 8)}`;
  // A yearly schedule (never due while the suite runs) so that the DAG can be backfilled.
  const scheduled = sampleDag(dag, { schedule: '0 0 1 1 *' });
  expect((await h.request('POST', `${base}/dags`, { token: admin, body: scheduled })).status).toBe(201);
  const run = await h.request<{ id: string }>('POST', `${base}/dags/${dag}/runs`, { token: admin, body: {} });
  const failing = sampleDag(`${dag}-failing`, {
    tasks: [{ name: 'doomed', image: 'alpine', command: ['false'] }],
  });
  expect((await h.request('POST', `${base}/dags`, { token: admin, body: failing })).status).toBe(201);
  const failed = await h.request<{ id: string }>('POST', `${base}/dags/${dag}-failing/runs`, {
    token: admin,
    body: {},
  });
  await h.waitForRun(failed.body.id, 'failed');
  const detail = await h.request<{ attempts: Array<{ id: string }> }>('GET', `${base}/runs/${run.body.id}`, {
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
  if (actor.role !== undefined) {
    const created = await h.request<{ id: string }>('POST', `${V1}/tokens`, {
      token: tokens.get(actor.label),
      body: { name: 'own', ...(actor.scope !== 'global' ? { namespace: grantNamespaceOf(actor) } : {}) },
    });
    tokenId = created.body.id;
  }
  const secret = `fx-secret-${randomUUID().slice(0, 8)}`;
  const stored = await h.request('PUT', `${V1}/secrets/${secret}`, { token: admin, body: { value: 'v' } });
  expect(stored.status).toBe(200);
  const trigger = await h.request<{ id: string; secret: string }>('POST', `${base}/dags/${dag}/triggers`, {
    token: admin,
    body: { name: 'fx' },
  });
  expect(trigger.status).toBe(201);
  const backfill = await h.request<{ id: string }>('POST', `${base}/dags/${dag}/backfills`, {
    token: admin,
    body: { from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' },
  });
  expect(backfill.status).toBe(201);
  const dagTask = `fxt-${randomUUID().slice(0, 8)}`;
  const shared = await h.request('PUT', `${base}/tasks/${dagTask}`, {
    token: admin,
    body: { image: 'alpine', command: ['true'] },
  });
  expect(shared.status).toBe(201);
  const login = await h.request<{ refreshToken: string }>('POST', `${V1}/auth/login`, {
    body: { username: 'matrix-login', password: PASSWORD },
  });
  return {
    namespace: OWN,
    grantNamespace: grantNamespaceOf(actor),
    dag,
    runId: run.body.id,
    failedRunId: failed.body.id,
    attemptId: detail.body.attempts[0]?.id ?? 'none',
    deliveryId,
    victimId: victim.body.id,
    tokenId,
    refreshToken: login.body.refreshToken,
    secret,
    triggerId: trigger.body.id,
    triggerSecret: trigger.body.secret,
    backfillId: backfill.body.id,
    dagTask,
    approvalRunId: 'none',
  };
}

/** The status and (except for event streams) the body text of one request. */
async function call(
  method: string,
  recipe: Recipe,
  fx: Fixture,
  token: string | undefined,
): Promise<{ status: number; text: string; body?: unknown }> {
  const path = recipe.path(fx);
  if (recipe.sse) {
    const controller = new AbortController();
    const response = await fetch(h.url + path, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
      signal: controller.signal,
    });
    const text = response.ok ? '' : await response.text();
    controller.abort();
    await response.body?.cancel().catch(() => undefined);
    return { status: response.status, text };
  }
  const body = recipe.body?.(fx);
  const headers = recipe.headers?.(fx);
  const reply = await h.request(method, path, {
    token,
    ...(body !== undefined ? { body } : {}),
    ...(headers !== undefined ? { headers } : {}),
  });
  return { status: reply.status, text: reply.text, body: reply.body };
}

/** What of `OWN` the request did not itself name: none of it may appear in an answer to an outsider. */
function secretsOf(fx: Fixture, operationId: string, recipe: Recipe): string[] {
  const sent = recipe.path(fx) + JSON.stringify(recipe.body?.(fx) ?? '');
  const secrets = [fx.dag, fx.runId, fx.failedRunId, fx.attemptId, fx.deliveryId, fx.backfillId];
  if (NEEDS_APPROVAL.has(operationId)) secrets.push(fx.approvalRunId);
  // Lists across namespaces must not even carry OWN's name.
  if (NOT_NAMESPACED.has(operationId)) secrets.push(OWN);
  return secrets.filter((secret) => !sent.includes(secret));
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
  it.each(ACTORS)('as $label', async (actor) => {
    const fx = await fixture(actor);
    if (NEEDS_APPROVAL.has(operationId)) fx.approvalRunId = await approvalRun(fx.dag);
    const recipe = RECIPES[operationId as OperationId];
    const got = await call(method, recipe, fx, tokens.get(actor.label));
    // A password change ends the actor's other sessions: carry on with the one it answers.
    const fresh = (got.body as { accessToken?: unknown } | undefined)?.accessToken;
    if (operationId === 'changePassword' && typeof fresh === 'string') tokens.set(actor.label, fresh);
    const want = expected(operationId, actor);
    const what = `${operationId} as ${actor.label}`;
    if (want === 'ok') expect(got.status, what).toBeGreaterThanOrEqual(200);
    if (want === 'ok') expect(got.status, what).toBeLessThan(300);
    else expect(got.status, what).toBe(want);
    if (actor.scope === 'other' || actor.role === 'none' || actor.role === undefined) {
      for (const secret of secretsOf(fx, operationId, recipe))
        expect(got.text, `${what} leaks`).not.toContain(secret);
    }
  });
});

describe('what another namespace sees', () => {
  it('lists and streams nothing of OWN to a viewer of OTHER, while a viewer of OWN sees it all', async () => {
    const ownViewer = tokens.get('viewer@own');
    const otherViewer = tokens.get('viewer@other');
    const admin = tokens.get('admin@global');
    const auth = (token: string | undefined) => ({ authorization: `Bearer ${token ?? ''}` });
    const [ownStream, otherStream, narrowed] = await Promise.all([
      openSse(`${h.url}${V1}/events`, auth(ownViewer)),
      openSse(`${h.url}${V1}/events`, auth(otherViewer)),
      // ?namespace= narrows even a global admin's stream to that namespace.
      openSse(`${h.url}${V1}/events?namespace=${OTHER}`, auth(admin)),
    ]);
    try {
      const fx = await fixture({ label: 'admin@global', role: 'admin', scope: 'global' });
      await ownStream.waitFor((e) => e.data.includes(fx.failedRunId) && e.event === 'run.finished');
      // A later event OTHER may see: when it arrives, every earlier event of OWN has been passed over.
      const theirs = `theirs-${randomUUID().slice(0, 8)}`;
      const base = `${V1}/namespaces/${OTHER}`;
      expect(
        (await h.request('POST', `${base}/dags`, { token: admin, body: sampleDag(theirs) })).status,
      ).toBe(201);
      const run = await h.request<{ id: string }>('POST', `${base}/dags/${theirs}/runs`, {
        token: admin,
        body: {},
      });
      await otherStream.waitFor((e) => e.data.includes(run.body.id));
      await narrowed.waitFor((e) => e.data.includes(run.body.id));
      for (const event of [...otherStream.events, ...narrowed.events]) expect(event.data).not.toContain(OWN);
      expect(ownStream.events.some((e) => e.data.includes(run.body.id))).toBe(false);

      for (const path of [
        `${V1}/dags`,
        `${V1}/runs`,
        `${V1}/dags?namespace=${OWN}`,
        `${V1}/runs?namespace=${OWN}`,
      ]) {
        const seen = await h.request<{ items: Array<{ namespace: string }> }>('GET', path, {
          token: otherViewer,
        });
        expect(seen.status, path).toBe(200);
        expect(
          seen.body.items.filter((item) => item.namespace === OWN),
          path,
        ).toEqual([]);
      }
      const mine = await h.request<{ items: Array<{ name: string; namespace: string }> }>(
        'GET',
        `${V1}/dags?search=${fx.dag}`,
        { token: ownViewer },
      );
      expect(mine.body.items.map((d) => [d.namespace, d.name]).sort()).toEqual([
        [OWN, fx.dag],
        [OWN, `${fx.dag}-failing`],
      ]);
    } finally {
      ownStream.close();
      otherStream.close();
      narrowed.close();
    }
  });
});
