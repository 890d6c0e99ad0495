/**
 * The dashboard's aggregate endpoints: a summary (runs by state now, per-DAG success rate and p50/p95 over
 * the last 24 whole hours and the last 7 UTC days, today included; daily outcomes), task rankings, and the queue (runs waiting to start, upcoming scheduled
 * runs). Every figure covers only the namespaces the caller may read, narrowed by `?namespace=`.
 */
import type { Request } from 'express';
import { dagKey, upcomingTicks, type AggregateScope, type DagRecord, type DagVersion } from '@kontroler/core';
import { namespacesWith } from '../../rbac/grants.js';
import { principal, queryInt, queryString, type ApiContext, type Handlers } from '../context.js';
import { runDto } from '../dto.js';
import { everyDay, lastDays, lastHours, totalCounts, windowStats } from './figures.js';

/** What the caller may read, narrowed by `?namespace=`: a namespace they may not read covers nothing. */
function scopeOf(req: Request): AggregateScope {
  const visible = namespacesWith(principal(req), 'viewer');
  const namespace = queryString(req, 'namespace');
  if (namespace === undefined) return visible === null ? {} : { namespaces: visible };
  return { namespaces: visible === null || visible.includes(namespace) ? [namespace] : [] };
}

const inScope = (scope: AggregateScope, namespace: string): boolean =>
  scope.namespaces === undefined || scope.namespaces.includes(namespace);

interface Tick {
  readonly namespace: string;
  readonly dagName: string;
  readonly schedule: string;
  readonly at: number;
}

/**
 * The first `limit` fire times after `after` across every schedule, soonest first: a merge that asks each
 * schedule for one tick at a time, so 50 hourly DAGs cost 50 + `limit` cron steps, not 50 × `limit`.
 */
function nextTicks(
  scheduled: ReadonlyArray<{ dag: DagRecord; version: DagVersion }>,
  after: number,
  limit: number,
): Tick[] {
  const next = (schedule: string, timezone: string | undefined, from: number): number | undefined => {
    try {
      return upcomingTicks(schedule, timezone, from, 1)[0];
    } catch {
      // A schedule the scheduler cannot read fires nothing: nothing is upcoming either.
      return undefined;
    }
  };
  const heads: Array<{ tick: Tick; timezone: string | undefined }> = [];
  for (const { dag, version } of scheduled) {
    const { schedule, timezone } = version.spec;
    const at = schedule ? next(schedule, timezone, after) : undefined;
    if (schedule && at !== undefined) {
      heads.push({ tick: { namespace: dag.namespace, dagName: dag.name, schedule, at }, timezone });
    }
  }
  const order = (a: Tick, b: Tick): number =>
    a.at - b.at || a.namespace.localeCompare(b.namespace) || a.dagName.localeCompare(b.dagName);
  const out: Tick[] = [];
  while (out.length < limit && heads.length > 0) {
    let best = 0;
    for (let i = 1; i < heads.length; i++) if (order(heads[i]!.tick, heads[best]!.tick) < 0) best = i;
    const head = heads[best]!;
    out.push(head.tick);
    const at = next(head.tick.schedule, head.timezone, head.tick.at);
    if (at === undefined || at <= head.tick.at) heads.splice(best, 1);
    else head.tick = { ...head.tick, at };
  }
  return out;
}

export function dashboardHandlers(ctx: ApiContext): Handlers {
  const { store, now } = ctx;

  return {
    async getDashboardSummary(req, res) {
      const scope = scopeOf(req);
      const at = now();
      const days = lastDays(at, queryInt(req, 'days') ?? 14);
      const [active, day, week, daily] = await Promise.all([
        store.countActiveRuns(scope),
        store.dagOutcomes(scope, lastHours(at, 24)),
        store.dagOutcomes(scope, lastDays(at, 7)),
        store.dailyOutcomes(scope, days),
      ]);
      const dayByDag = new Map(day.map((o) => [dagKey({ namespace: o.namespace, name: o.dagName }), o]));
      res.json({
        generatedAt: new Date(at).toISOString(),
        active,
        finished24h: totalCounts(day),
        // Every DAG that finished a run in the week; one without runs in the last day has zeros there.
        dags: week.map((o) => ({
          namespace: o.namespace,
          name: o.dagName,
          last24h: windowStats(dayByDag.get(dagKey({ namespace: o.namespace, name: o.dagName }))),
          last7d: windowStats(o),
        })),
        daily: everyDay(days, daily),
      });
    },

    async getDashboardTasks(req, res) {
      const scope = scopeOf(req);
      const window = queryString(req, 'window') === '24h' ? '24h' : '7d';
      const limit = queryInt(req, 'limit') ?? 10;
      const range = window === '24h' ? lastHours(now(), 24) : lastDays(now(), 7);
      const [slowest, failing] = await Promise.all([
        store.taskOutcomes(scope, range, { order: 'slowest', limit }),
        store.taskOutcomes(scope, range, { order: 'failing', limit }),
      ]);
      res.json({ window, slowest, failing });
    },

    async getDashboardQueue(req, res) {
      const scope = scopeOf(req);
      const limit = queryInt(req, 'limit') ?? 20;
      const at = now();
      const [waiting, scheduled] = await Promise.all([
        store.listWaitingRuns(scope, limit),
        store.listScheduledDags(),
      ]);
      const upcoming = nextTicks(
        scheduled.filter(({ dag }) => inScope(scope, dag.namespace)),
        at,
        limit,
      ).map((u) => ({ ...u, at: new Date(u.at).toISOString() }));
      res.json({
        queued: waiting.map((run, index) => ({ position: index + 1, run: runDto(run) })),
        upcoming,
      });
    },
  };
}
