/**
 * `createApp(deps)`: the express application, testable without a network or a process. Order of the
 * pipeline: authentication of any request with a body (except login and refresh, whose body is the
 * credential) → body parsers → OpenAPI validator (route match → authentication + RBAC in its security
 * handler → request validation) → the operation's handler → problem+json for every error. Nobody without
 * a credential gets the server to read (up to BODY_LIMIT of) a body.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express, { type Express, type Request, type RequestHandler } from 'express';
import * as OpenApiValidator from 'express-openapi-validator';
import {
  createBackfillDriver,
  dagKey,
  silentLogger,
  systemClock,
  type DagRef,
  type DagVersion,
  type Store,
} from '@kontroler/core';
import { createAuditor } from './audit.js';
import { createAuthenticator } from './auth/authenticator.js';
import { DEFAULT_SCRYPT_N } from './auth/crypto.js';
import { createIdentity } from './auth/identity.js';
import { createRateLimiter } from './auth/rate-limit.js';
import { buildOpenApiDocument } from './openapi/document.js';
import { expressPath, OPERATIONS } from './openapi/operations.js';
import { memoizeValidatorRouteMatching } from './openapi/route-cache.js';
import { ApiError, forbidden, makeProblem, problemHandler, sendProblem, unauthorized } from './problem.js';
import { hasRole } from './rbac/grants.js';
import {
  ALLOWED_BEFORE_PASSWORD_CHANGE,
  NOT_FOR_API_TOKENS,
  ruleFor,
  type OperationId,
} from './rbac/rules.js';
import { adminHandlers } from './routes/admin.js';
import { backfillHandlers } from './routes/backfills.js';
import { limitHandlers } from './routes/limits.js';
import { dagTaskHandlers } from './routes/dag-tasks/handlers.js';
import { infoHandlers } from './routes/capabilities.js';
import { secretHandlers } from './routes/secrets.js';
import { authHandlers } from './routes/auth.js';
import type { ApiContext, Handler } from './routes/context.js';
import { dagHandlers } from './routes/dags/handlers.js';
import { planHandlers } from './routes/dags/plan.js';
import { dashboardHandlers } from './routes/dashboard/handlers.js';
import { eventHandlers } from './routes/events.js';
import { healthHandlers } from './routes/health.js';
import { runHandlers } from './routes/runs.js';
import { taskActionHandlers } from './routes/task-actions.js';
import { approvalHandlers } from './routes/approvals.js';
import { HOOKS_PREFIX, triggerHandlers, type WithRawBody } from './routes/triggers/handlers.js';
import { TEXT_MEDIA_TYPES } from './media-types.js';
import { createEventHub } from './sse.js';
import type { AppDeps, Principal } from './types.js';

/** DAG versions are immutable: keep the most recently read ones in memory. */
function withVersionCache(store: Store, size = 500): Store {
  const cache = new Map<string, DagVersion>();
  const getDagVersion = async (dag: DagRef, version: number): Promise<DagVersion | undefined> => {
    const key = `${version}:${dagKey(dag)}`;
    const hit = cache.get(key);
    if (hit) {
      cache.delete(key);
      cache.set(key, hit);
      return hit;
    }
    const found = await store.getDagVersion(dag, version);
    if (found) {
      cache.set(key, found);
      if (cache.size > size) cache.delete(cache.keys().next().value as string);
    }
    return found;
  };
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'getDagVersion') return getDagVersion;
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

export type KontrolerApp = Express & {
  /** Detaches from the engine's events and stops SSE bookkeeping. */
  dispose(): void;
};

/** Body size limit for JSON, YAML and DSL documents (1 MiB; the 413 problem states it). */
export const BODY_LIMIT = '1mb';
/** The operations whose body carries the credential itself: read before any authentication. */
const CREDENTIAL_BODY_PATHS: ReadonlySet<string> = new Set(['/api/v1/auth/login', '/api/v1/auth/refresh']);

type AuthedRequest = Request & {
  principal?: Principal;
  authProblem?: ApiError;
  /** The credential checked before the body was read (see `authenticateBeforeBody`). */
  authenticatedEarly?: Principal;
};

/** True when the request announces a body (a length above zero, or a chunked one). */
const announcesBody = (req: Request): boolean =>
  req.headers['transfer-encoding'] !== undefined ||
  (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');

/**
 * The console runs no inline or evaluated script (its DAG validator is compiled ahead of time), so scripts
 * come only from this origin. Styles allow inline: the code editor and the graph set them at run time.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export function createApp(deps: AppDeps): KontrolerApp {
  const logger = deps.logger ?? silentLogger;
  const now = deps.now ?? Date.now;
  const identity = createIdentity(deps.sql);
  const document = buildOpenApiDocument();
  const hub = createEventHub({
    store: deps.store,
    logger,
    ...(deps.eventPollMs !== undefined ? { pollMs: deps.eventPollMs } : {}),
  });
  const ctx: ApiContext = {
    deps,
    store: withVersionCache(deps.store),
    engine: deps.engine,
    identity,
    authenticator: createAuthenticator({ identity, options: deps.auth, now, logger }),
    auditor: createAuditor(deps.sql, logger),
    hub,
    loginLimiter: createRateLimiter({ limit: deps.loginRateLimit ?? 30, windowMs: 60_000, now }),
    logger,
    now,
    scryptN: deps.auth.scryptN ?? DEFAULT_SCRYPT_N,
    document,
  };

  const backfills = createBackfillDriver(
    {
      store: ctx.store,
      clock: { ...systemClock, now },
      logger,
      // No event bus here: runs finish in whichever worker executes them, so the driver polls the store.
      submit: (dag, options) => deps.engine.submit(dag, undefined, { ...options, trigger: 'schedule' }),
      cancel: (runId) => deps.engine.cancel(runId),
    },
    deps.backfills === false ? {} : { ...deps.backfills },
  );
  if (deps.backfills !== false) backfills.start();

  const handlers = {
    ...healthHandlers(ctx),
    ...authHandlers(ctx),
    ...dagHandlers(ctx),
    ...planHandlers(ctx),
    ...runHandlers(ctx),
    ...eventHandlers(ctx),
    ...adminHandlers(ctx),
    ...secretHandlers(ctx),
    ...infoHandlers(ctx),
    ...dashboardHandlers(ctx),
    ...triggerHandlers(ctx),
    ...backfillHandlers(ctx, backfills),
    ...dagTaskHandlers(ctx),
    ...taskActionHandlers(ctx),
    ...approvalHandlers(ctx),
    ...limitHandlers(ctx),
  } as Record<OperationId, Handler>;

  const app = express() as KontrolerApp;
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy ?? false);
  app.set('query parser', 'simple');
  app.use((_req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    next();
  });
  const isApiPath = (path: string): boolean =>
    path.startsWith('/api/') || path === '/healthz' || path === '/readyz';

  /**
   * Refuses a request with a body and no valid credential before a byte of the body is read, and closes
   * the connection so the unread body is not drained either. The principal found here is reused by the
   * security handler (which adds RBAC), so a request is authenticated once.
   */
  const authenticateBeforeBody: RequestHandler = async (req, res, next) => {
    if (
      !announcesBody(req) ||
      !isApiPath(req.path) ||
      CREDENTIAL_BODY_PATHS.has(req.path) ||
      // Inbound triggers carry no credential: their signature over the body is checked by the handler.
      req.path.startsWith(HOOKS_PREFIX)
    ) {
      next();
      return;
    }
    let p: Principal | undefined;
    try {
      p = await ctx.authenticator.authenticate(req);
      if (!p) throw unauthorized();
    } catch (error) {
      res.setHeader('Connection', 'close');
      next(error);
      return;
    }
    (req as AuthedRequest).authenticatedEarly = p;
    next();
  };
  app.use(authenticateBeforeBody);
  app.use(
    express.json({
      limit: BODY_LIMIT,
      type: ['application/json', 'application/*+json'],
      // A trigger's signature covers the bytes as sent: keep them for the hook handler.
      verify: (req, _res, buf) => {
        if ((req as WithRawBody).path?.startsWith(HOOKS_PREFIX)) (req as WithRawBody).rawBody = buf;
      },
    }),
  );
  app.use(express.text({ limit: BODY_LIMIT, type: [...TEXT_MEDIA_TYPES] }));

  /** Authentication and the RBAC pre-check, run by the validator for every secured operation. */
  const bearerAuth = async (request: Request): Promise<boolean> => {
    const req = request as AuthedRequest;
    const operationId = (req as { openapi?: { schema?: { operationId?: string } } }).openapi?.schema
      ?.operationId;
    try {
      const p = req.authenticatedEarly ?? (await ctx.authenticator.authenticate(req));
      if (!p) throw unauthorized();
      const rule = operationId === undefined ? undefined : ruleFor(operationId);
      if (rule === undefined) throw forbidden('no access rule for this operation');
      if (p.mustChangePassword && !ALLOWED_BEFORE_PASSWORD_CHANGE.has(operationId ?? '')) {
        throw new ApiError(
          403,
          'PASSWORD_CHANGE_REQUIRED',
          'change your password first (POST /api/v1/me/password)',
        );
      }
      if (p.kind === 'token' && NOT_FOR_API_TOKENS.has(operationId ?? '')) {
        throw forbidden('API tokens cannot do this');
      }
      // Admin operations (users, audit) need a global grant; the others a grant in some namespace,
      // narrowed to the resource's namespace by the handler.
      if (
        rule !== 'public' &&
        rule !== 'authenticated' &&
        !hasRole(p, rule, rule === 'admin' ? null : undefined)
      ) {
        throw forbidden(`needs role ${rule}`);
      }
      req.principal = p;
      return true;
    } catch (error) {
      if (error instanceof ApiError) {
        req.authProblem = error;
        throw error;
      }
      logger.error({ err: error }, 'authentication failed');
      throw Object.assign(new Error('internal error'), { status: 500 });
    }
  };

  memoizeValidatorRouteMatching();
  app.use(
    OpenApiValidator.middleware({
      apiSpec: structuredClone(document) as unknown as Parameters<
        typeof OpenApiValidator.middleware
      >[0]['apiSpec'],
      validateRequests: { allowUnknownQueryParameters: false, coerceTypes: false },
      validateResponses: deps.validateResponses ? { removeAdditional: false } : false,
      validateSecurity: { handlers: { bearerAuth } },
      ignorePaths: (path: string) => !isApiPath(path),
      fileUploader: false,
      validateApiSpec: true,
    }),
  );

  for (const def of OPERATIONS) {
    const handler = handlers[def.operationId];
    const route: RequestHandler = async (req, res) => {
      await handler(req, res);
    };
    app[def.method](expressPath(def.path), route);
  }

  if (deps.consoleDir && existsSync(join(deps.consoleDir, 'index.html'))) {
    const dir = deps.consoleDir;
    app.use(express.static(dir, { index: 'index.html', maxAge: '1h' }));
    app.get(/^\/(?!api\/).*/, (_req, res) => {
      res.setHeader('Cache-Control', 'no-cache');
      res.sendFile(join(dir, 'index.html'));
    });
  }

  app.use((req, res) => {
    sendProblem(res, makeProblem(404, 'NOT_FOUND', `no route for ${req.method} ${req.path}`));
  });
  app.use(problemHandler(logger));

  app.dispose = () => {
    backfills.stop();
    hub.close();
  };
  return app;
}
