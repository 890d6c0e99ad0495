/**
 * The audit log: every change is recorded with who (actor), what (action, target, details), when and from
 * where (client IP). Listing is newest first with keyset pagination on the id.
 */
import type { Request } from 'express';
import type { Logger } from '@kontroler/core';
import { toIso } from './auth/identity.js';
import { decodeCursor, encodeCursor } from './routes/paging.js';
import type { Principal, Sql } from './types.js';

export interface AuditEntry {
  readonly id: string;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly target: string | null;
  readonly ip: string | null;
  readonly details: Record<string, unknown> | null;
}

export interface Auditor {
  /** Records one change. Failing to audit is logged, and does not undo the change. */
  record(
    req: Request,
    action: string,
    target: string | null,
    details?: Record<string, unknown>,
    actor?: string,
  ): Promise<void>;
  list(
    filter: { actor?: string; action?: string },
    page: { limit: number; cursor?: string },
  ): Promise<{ items: AuditEntry[]; nextCursor: string | null }>;
}

interface AuditRow {
  id: string | number;
  at: Date | string;
  actor: string;
  action: string;
  target: string | null;
  ip: string | null;
  details: Record<string, unknown> | string | null;
}

export const principalOf = (req: Request): Principal | undefined =>
  (req as { principal?: Principal }).principal;

export function createAuditor(sql: Sql, logger: Logger): Auditor {
  return {
    async record(req, action, target, details, actor) {
      const who = actor ?? principalOf(req)?.username ?? 'anonymous';
      try {
        await sql('insert into audit_log (actor, action, target, ip, details) values ($1, $2, $3, $4, $5)', [
          who,
          action,
          target,
          req.ip ?? null,
          details === undefined ? null : JSON.stringify(details),
        ]);
      } catch (error) {
        logger.error({ err: error, action, target }, 'audit write failed');
      }
    },
    async list(filter, page) {
      const where: string[] = [];
      const params: unknown[] = [];
      if (filter.actor) where.push(`actor = $${params.push(filter.actor)}`);
      if (filter.action) where.push(`action = $${params.push(filter.action)}`);
      const after = decodeCursor(page.cursor);
      if (after !== undefined) {
        const id = after[0];
        if (typeof id !== 'string' || !/^\d{1,18}$/.test(id)) return { items: [], nextCursor: null };
        where.push(`id < $${params.push(id)}`);
      }
      const rows = await sql<AuditRow>(
        `select id, at, actor, action, target, ip, details from audit_log
          ${where.length ? `where ${where.join(' and ')}` : ''}
          order by id desc limit $${params.push(page.limit + 1)}`,
        params,
      );
      const items = rows.slice(0, page.limit).map((r) => ({
        id: String(r.id),
        at: toIso(r.at) ?? '',
        actor: r.actor,
        action: r.action,
        target: r.target,
        ip: r.ip,
        details:
          typeof r.details === 'string' ? (JSON.parse(r.details) as Record<string, unknown>) : r.details,
      }));
      const last = items[items.length - 1];
      return { items, nextCursor: rows.length > page.limit && last ? encodeCursor([last.id]) : null };
    },
  };
}
