/** What every route module receives: the deps plus the services `createApp` builds from them. */
import type { Request, Response } from 'express';
import type { Logger, Store } from '@kontroler/core';
import type { Auditor } from '../audit.js';
import type { Authenticator } from '../auth/authenticator.js';
import type { Identity } from '../auth/identity.js';
import type { RateLimiter } from '../auth/rate-limit.js';
import type { ApiError } from '../problem.js';
import { forbidden, unauthorized } from '../problem.js';
import { hasRole } from '../rbac/grants.js';
import type { OperationId } from '../rbac/rules.js';
import type { EventHub } from '../sse.js';
import type { ApiRunService, AppDeps, Principal, Role } from '../types.js';

export interface ApiContext {
  readonly deps: AppDeps;
  readonly store: Store;
  readonly engine: ApiRunService;
  readonly identity: Identity;
  readonly authenticator: Authenticator;
  readonly auditor: Auditor;
  readonly hub: EventHub;
  readonly loginLimiter: RateLimiter;
  readonly logger: Logger;
  readonly now: () => number;
  readonly scryptN: number;
  readonly document: object;
}

export type Handler = (req: Request, res: Response) => Promise<void> | void;
export type Handlers = Partial<Record<OperationId, Handler>>;

/** The authenticated caller; the security handler has already run for secured operations. */
export function principal(req: Request): Principal {
  const p = (req as { principal?: Principal }).principal;
  if (!p) throw unauthorized();
  return p;
}

/**
 * Namespace check for one resource: callers who cannot even view the namespace get the resource's 404
 * (its existence is not revealed); viewers without the needed role get 403.
 */
export function authorize(req: Request, role: Role, namespace: string, notFound: () => ApiError): Principal {
  const p = principal(req);
  if (!hasRole(p, 'viewer', namespace)) throw notFound();
  if (!hasRole(p, role, namespace)) throw forbidden(`needs role ${role} in namespace ${namespace}`);
  return p;
}

/** Path and query values after the OpenAPI validator has checked (and coerced) them. */
export const param = (req: Request, name: string): string => String(req.params[name] ?? '');

export function queryString(req: Request, name: string): string | undefined {
  const value = (req.query as Record<string, unknown>)[name];
  if (value === undefined || value === null || value === '') return undefined;
  return Array.isArray(value) ? String(value[0]) : String(value);
}

export function queryInt(req: Request, name: string): number | undefined {
  const value = queryString(req, name);
  if (value === undefined) return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : undefined;
}

export function queryBool(req: Request, name: string): boolean {
  const value = queryString(req, name);
  return value === 'true' || value === '1';
}

export const pageLimit = (req: Request): number => Math.min(200, Math.max(1, queryInt(req, 'limit') ?? 50));
