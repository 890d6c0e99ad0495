/**
 * Backfills of a scheduled DAG: create (the runs of every tick in `[from, to)`, at most `maxActiveRuns` at
 * once), list, read the progress, cancel as a whole. The driver (`createBackfillDriver` in core) lives in
 * every API replica; the records it works from are in the store, so a restarted replica carries on.
 */
import { randomUUID } from 'node:crypto';
import type { Request } from 'express';
import type { BackfillDriver, BackfillRecord, DagRef } from '@kontroler/core';
import { badRequest, conflict, notFound } from '../problem.js';
import { authorize, param, queryInt, type ApiContext, type Handlers } from './context.js';

const iso = (ms: number): string => new Date(ms).toISOString();
const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));

export function backfillDto(b: BackfillRecord) {
  return {
    id: b.id,
    namespace: b.namespace,
    dagName: b.dagName,
    from: iso(b.from),
    to: iso(b.to),
    schedule: b.schedule,
    timezone: b.timezone,
    maxActiveRuns: b.maxActiveRuns,
    state: b.state,
    total: b.total,
    submitted: b.submitted,
    done: b.done,
    failed: b.failed,
    active: b.inFlight.length,
    nextTick: isoOrNull(b.nextTick),
    createdAt: iso(b.createdAt),
    updatedAt: iso(b.updatedAt),
    finishedAt: isoOrNull(b.finishedAt),
    createdBy: b.createdBy,
  };
}

const dagNotFound = (dag: DagRef) => () =>
  notFound('DAG_NOT_FOUND', `DAG "${dag.name}" does not exist in namespace ${dag.namespace}`);

export function backfillHandlers(ctx: ApiContext, driver: BackfillDriver): Handlers {
  const { store, auditor } = ctx;
  const dagOf = (req: Request): DagRef => ({ namespace: param(req, 'namespace'), name: param(req, 'name') });

  /** The backfill of the path, for a caller with `role` in its namespace (404 to anyone who cannot see it). */
  async function backfillOf(req: Request, role: 'viewer' | 'editor'): Promise<BackfillRecord> {
    const namespace = param(req, 'namespace');
    const id = param(req, 'id');
    const missing = () => notFound('BACKFILL_NOT_FOUND', `backfill ${id} does not exist`);
    authorize(req, role, namespace, missing);
    const found = await store.getBackfill(id);
    if (found === undefined || found.namespace !== namespace) throw missing();
    return found;
  }

  return {
    async createBackfill(req, res) {
      const ref = dagOf(req);
      const p = authorize(req, 'editor', ref.namespace, dagNotFound(ref));
      const dag = await store.getDag(ref);
      if (dag === undefined || dag.deletedAt !== null) throw dagNotFound(ref)();
      const version = await store.getDagVersion(ref, dag.latestVersion);
      const schedule = version?.spec.schedule;
      if (version === undefined || !schedule) {
        throw conflict(
          'DAG_NOT_SCHEDULED',
          `DAG "${ref.name}" has no schedule: there are no ticks to backfill`,
        );
      }
      const body = req.body as { from: string; to: string; maxActiveRuns?: number };
      const from = Date.parse(body.from);
      const to = Date.parse(body.to);
      if (!(to > from)) {
        throw badRequest('`to` must be after `from`', [
          { path: '/to', code: 'RANGE_EMPTY', message: `${body.to} is not after ${body.from}` },
        ]);
      }
      const backfill = await driver.create({
        id: randomUUID(),
        dag: ref,
        schedule,
        timezone: version.spec.timezone ?? null,
        from,
        to,
        maxActiveRuns: body.maxActiveRuns ?? 1,
        createdBy: p.username,
      });
      await auditor.record(req, 'backfill.create', backfill.id, {
        namespace: ref.namespace,
        dag: ref.name,
        from: body.from,
        to: body.to,
        total: backfill.total,
      });
      res.status(201).json(backfillDto(backfill));
    },

    async listBackfills(req, res) {
      const ref = dagOf(req);
      authorize(req, 'viewer', ref.namespace, dagNotFound(ref));
      const items = await store.listBackfills(ref, queryInt(req, 'limit') ?? 50);
      res.json({ items: items.map(backfillDto) });
    },

    async getBackfill(req, res) {
      res.json(backfillDto(await backfillOf(req, 'viewer')));
    },

    async cancelBackfill(req, res) {
      const found = await backfillOf(req, 'editor');
      const canceled = (await driver.cancel(found.id)) ?? found;
      await auditor.record(req, 'backfill.cancel', found.id, {
        namespace: found.namespace,
        dag: found.dagName,
      });
      res.json(backfillDto(canceled));
    },
  };
}
