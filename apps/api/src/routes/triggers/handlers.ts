/**
 * Inbound triggers: management per DAG (create, list, rotate the secret, delete; role editor in the DAG's
 * namespace; a secret is shown once, when it is made) and the public endpoint `POST /api/v1/hooks/{id}`,
 * authenticated by its Standard Webhooks signature only. Order of the checks there: the trigger exists →
 * rate limit → signature and timestamp → payload mapping → replay (message id) → submit. Every refusal is
 * a problem+json and starts nothing.
 */
import { randomBytes } from 'node:crypto';
import type { Request } from 'express';
import { generateWebhookSecret } from '@kontroler/plugins';
import type { DagRef, TriggerRecord, TriggerSecret } from '@kontroler/core';
import { createRateLimiter, type RateLimiter } from '../../auth/rate-limit.js';
import { ApiError, badRequest, conflict, notFound } from '../../problem.js';
import { authorize, param, type ApiContext, type Handlers } from '../context.js';
import { applyMapping, checkMapping, type PayloadMapping } from './mapping.js';
import { verifyTriggerRequest } from './verify.js';

/** @default tolerance of `webhook-timestamp`, as the Standard Webhooks libraries use. */
export const DEFAULT_TOLERANCE_SECONDS = 300;
/** @default accepted requests per minute per trigger (per API replica). */
export const DEFAULT_RATE_PER_MINUTE = 60;
/** Requests under this path keep their raw body for the signature check (see app.ts). */
export const HOOKS_PREFIX = '/api/v1/hooks/';

/** The raw bytes of a request body, kept by the JSON parser for the hooks path. */
export type WithRawBody = Request & { rawBody?: Buffer };

const iso = (ms: number): string => new Date(ms).toISOString();
const dagNotFound = (dag: DagRef) => () =>
  notFound('DAG_NOT_FOUND', `DAG "${dag.name}" does not exist in namespace ${dag.namespace}`);
const triggerNotFound = (name: string) => notFound('TRIGGER_NOT_FOUND', `the DAG has no trigger "${name}"`);

/** What the API shows of a trigger: never a secret, only when each was made and its first characters. */
export function triggerDto(t: TriggerRecord) {
  return {
    id: t.id,
    name: t.name,
    namespace: t.namespace,
    dagName: t.dagName,
    url: `${HOOKS_PREFIX}${t.id}`,
    mapping: t.mapping,
    toleranceSeconds: t.toleranceSeconds,
    ratePerMinute: t.ratePerMinute,
    secrets: t.secrets.map((s) => ({ hint: `${s.secret.slice(0, 10)}…`, createdAt: iso(s.createdAt) })),
    createdAt: iso(t.createdAt),
    updatedAt: iso(t.updatedAt),
    createdBy: t.createdBy,
  };
}

export function triggerHandlers(ctx: ApiContext): Handlers {
  const { store, engine, auditor, now, logger } = ctx;
  const limiters = new Map<string, RateLimiter>();
  const limiterFor = (t: TriggerRecord): RateLimiter => {
    let limiter = limiters.get(t.id);
    if (limiter === undefined) {
      if (limiters.size > 10_000) limiters.clear();
      limiter = createRateLimiter({ limit: t.ratePerMinute, windowMs: 60_000, now });
      limiters.set(t.id, limiter);
    }
    return limiter;
  };

  const dagOf = (req: Request): DagRef => ({ namespace: param(req, 'namespace'), name: param(req, 'name') });

  /** The DAG of the path, for an editor of its namespace; its latest spec. */
  async function editableDag(req: Request) {
    const ref = dagOf(req);
    const p = authorize(req, 'editor', ref.namespace, dagNotFound(ref));
    const dag = await store.getDag(ref);
    if (dag === undefined || dag.deletedAt !== null) throw dagNotFound(ref)();
    const version = await store.getDagVersion(ref, dag.latestVersion);
    if (version === undefined) throw dagNotFound(ref)();
    return { ref, p, spec: version.spec };
  }

  async function triggerOf(req: Request, ref: DagRef): Promise<TriggerRecord> {
    const name = param(req, 'trigger');
    const found = (await store.listTriggers(ref)).find((t) => t.name === name);
    if (found === undefined) throw triggerNotFound(name);
    return found;
  }

  const secret = (at: number): TriggerSecret => ({ secret: generateWebhookSecret(), createdAt: at });

  return {
    async listTriggers(req, res) {
      const { ref } = await editableDag(req);
      res.json({ items: (await store.listTriggers(ref)).map(triggerDto) });
    },

    async createTrigger(req, res) {
      const { ref, p, spec } = await editableDag(req);
      const body = req.body as {
        name: string;
        mapping?: Record<string, string>;
        toleranceSeconds?: number;
        ratePerMinute?: number;
      };
      const mapping: PayloadMapping = body.mapping ?? {};
      const problems = checkMapping(mapping, spec);
      if (problems.length > 0) {
        throw badRequest(`the mapping does not fit the parameters of DAG "${ref.name}"`, problems);
      }
      const at = now();
      const first = secret(at);
      const { trigger, created } = await store.createTrigger({
        id: `trg_${randomBytes(18).toString('base64url')}`,
        namespace: ref.namespace,
        dagName: ref.name,
        name: body.name,
        secrets: [first],
        mapping,
        toleranceSeconds: body.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS,
        ratePerMinute: body.ratePerMinute ?? DEFAULT_RATE_PER_MINUTE,
        createdAt: at,
        updatedAt: at,
        createdBy: p.username,
      });
      if (!created)
        throw conflict('TRIGGER_EXISTS', `DAG "${ref.name}" already has a trigger "${body.name}"`);
      await auditor.record(req, 'trigger.create', `${ref.namespace}/${ref.name}/${trigger.name}`, {
        id: trigger.id,
      });
      res.status(201).json({ ...triggerDto(trigger), secret: first.secret });
    },

    async rotateTriggerSecret(req, res) {
      const { ref } = await editableDag(req);
      const trigger = await triggerOf(req, ref);
      const body = (req.body ?? {}) as { revokePrevious?: boolean };
      const at = now();
      const fresh = secret(at);
      // The newest previous secret stays valid until the next rotation (or at once revoked): senders
      // switch over without a window in which their signatures are refused.
      const kept = body.revokePrevious ? [] : trigger.secrets.slice(0, 1);
      const updated = await store.setTriggerSecrets(trigger.id, [fresh, ...kept], at);
      if (updated === undefined) throw triggerNotFound(trigger.name);
      await auditor.record(req, 'trigger.rotate', `${ref.namespace}/${ref.name}/${trigger.name}`, {
        id: trigger.id,
        revokedPrevious: body.revokePrevious === true,
      });
      res.json({ ...triggerDto(updated), secret: fresh.secret });
    },

    async deleteTrigger(req, res) {
      const { ref } = await editableDag(req);
      const trigger = await triggerOf(req, ref);
      await store.deleteTrigger(trigger.id);
      limiters.delete(trigger.id);
      await auditor.record(req, 'trigger.delete', `${ref.namespace}/${ref.name}/${trigger.name}`, {
        id: trigger.id,
      });
      res.status(204).end();
    },

    async receiveHook(req, res) {
      const id = param(req, 'id');
      const trigger = await store.getTrigger(id);
      if (trigger === undefined) throw notFound('TRIGGER_NOT_FOUND', `there is no trigger ${id}`);
      const wait = limiterFor(trigger).hit('requests');
      if (wait > 0) {
        throw new ApiError(
          429,
          'TRIGGER_RATE_LIMITED',
          `trigger "${trigger.name}" accepts ${trigger.ratePerMinute} requests a minute; retry in ${wait}s`,
          undefined,
          { 'Retry-After': String(wait) },
        );
      }
      const raw = (req as WithRawBody).rawBody ?? Buffer.alloc(0);
      const at = now();
      const body = verifyTriggerRequest(
        trigger.secrets.map((s) => s.secret),
        req.headers,
        raw,
        trigger.toleranceSeconds,
        at,
      );
      const dagRef = { namespace: trigger.namespace, name: trigger.dagName };
      const dag = await store.getDag(dagRef);
      const version =
        dag && dag.deletedAt === null ? await store.getDagVersion(dagRef, dag.latestVersion) : undefined;
      if (version === undefined) {
        throw new ApiError(
          409,
          'TRIGGER_DAG_GONE',
          `DAG "${trigger.dagName}" of this trigger no longer exists`,
        );
      }
      const mapped = applyMapping(trigger.mapping, body);
      if (!mapped.ok) {
        throw new ApiError(
          422,
          'PAYLOAD_INVALID',
          'the body does not give the run its parameters',
          mapped.problems,
        );
      }
      const messageId = String(req.headers['webhook-id']);
      // Submit first, idempotent by message: a delivery whose run was made but whose id was not recorded
      // (a crash between the two) gets the same run when retried, never a second one. The id recorded
      // afterwards tells a replay (already recorded) from the first delivery.
      const run = await engine.submit(dagRef, mapped.parameters, {
        trigger: 'api',
        idempotencyKey: `hook:${trigger.id}:${messageId}`,
        labels: { 'kontroler.dev/trigger': trigger.name },
      });
      const fresh = await store.recordTriggerMessage(
        trigger.id,
        messageId,
        at + 2 * trigger.toleranceSeconds * 1000,
        at,
      );
      if (!fresh) {
        throw new ApiError(
          409,
          'MESSAGE_REPLAYED',
          `message ${messageId} was already accepted (run ${run.id})`,
        );
      }
      logger.info({ trigger: trigger.id, run: run.id }, 'trigger started a run');
      // Only the run's id: the sender knows which trigger it called, and nothing else is its business.
      res.status(202).json({ runId: run.id });
    },
  };
}
