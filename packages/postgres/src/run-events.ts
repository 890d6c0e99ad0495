/**
 * The run event journal in PostgreSQL (`run_events`). Writers append inside the transaction of the run
 * change (as CTEs of `commitRun`'s statement, or a statement of `createRun`'s transaction) and NOTIFY
 * `kontroler_events` with the newest id. Writers never wait for each other, so ids (drawn from a sequence)
 * become visible out of order: a reader following `id > last` that meets a missing id cannot tell a
 * transaction still in flight from one that rolled back. `GapTracker` decides, from transaction ids: every
 * writer holds an xid before it draws an id, and a missing id was drawn before a visible higher one
 * committed, so its writer's xid was assigned before the reader saw the gap. The reader then takes an xid
 * of its own (`pg_current_xact_id()`, newer than every xid assigned so far) as the gap's bound; once a
 * snapshot's xmin reaches that bound, every older transaction has ended and the gap is final. Ended may
 * mean committed after the reader's rows were read, so the reader reads again from the gap before passing.
 *
 * The bound cannot be the gap-seeing snapshot's xmax: PostgreSQL computes that as the newest *completed*
 * xid + 1, not the next xid to assign, and a writer that took its xid after the committed higher id's
 * writer (but drew its id first) is at or above it, so no snapshot's xmin waits for it.
 */
import type { RunEventBounds, RunEventInput, RunEventQuery, StoredRunEvent } from '@kontroler/core';
import { prepared, query, type Queryable } from './db.js';
import { EVENTS_CHANNEL } from './notify.js';
import { toTimestamp, type Param } from './rows.js';

export { EVENTS_CHANNEL } from './notify.js';

/** Stores cap a read at this many events. */
const MAX_READ = 1000;

/**
 * CTEs that journal `events` (named `ev_x` and `ev`). With `after`, the name of a CTE that returns a row
 * only when the change was written, the rows are written only after it. `ev_x` makes sure the transaction
 * holds an xid before it draws ids (see `GapTracker`). The payloads travel as one JSON array, not as a
 * `jsonb[]`: node-postgres escapes every quote of every element of an array parameter, a measurable share
 * of each commit's cost.
 */
export function journalCtes(events: readonly RunEventInput[], p: Param, after: string | null): string[] {
  const source = after ?? '(select 1) one';
  return [
    `ev_x as (select pg_current_xact_id() as xid from ${source} limit 1)`,
    `ev as (insert into run_events (namespace, run_id, attempt_id, type, payload, key, created_at)
      select e.namespace, e.run_id, e.attempt_id, e.type, e.payload, e.key, e.created_at
        from ev_x, rows from (unnest(${p(events.map((e) => e.namespace))}::text[]), unnest(${p(events.map((e) => e.runId))}::text[]),
                    unnest(${p(events.map((e) => e.attemptId))}::text[]), unnest(${p(events.map((e) => e.type))}::text[]),
                    jsonb_array_elements(${p(JSON.stringify(events.map((e) => e.payload)))}::jsonb),
                    unnest(${p(events.map((e) => e.key ?? null))}::text[]),
                    unnest(${p(events.map((e) => toTimestamp(e.createdAt)))}::timestamptz[]))
             with ordinality as e(namespace, run_id, attempt_id, type, payload, key, created_at, ord)
       order by e.ord
      on conflict (key) where key is not null do nothing
      returning id)`,
  ];
}

/** A select-list item that NOTIFYs readers with the newest id when `ev` wrote anything. */
export const JOURNAL_NOTIFY = `(select count(*) from (select pg_notify('${EVENTS_CHANNEL}', max(id)::text) from ev having count(*) > 0) n) as ne`;

/** Appends events in their own statement; true when at least one was written. */
export async function appendRunEvents(
  db: Queryable,
  url: string,
  events: readonly RunEventInput[],
  p: Param,
  params: unknown[],
): Promise<boolean> {
  if (events.length === 0) return false;
  const sql = `with ${journalCtes(events, p, null).join(', ')} select ${JOURNAL_NOTIFY}`;
  const result = await query<{ ne: string | number }>(db, url, prepared(sql), params);
  return Number(result.rows[0]?.ne ?? 0) > 0;
}

/** Remembers the gaps readers met (per store), and which of them are final. */
export class GapTracker {
  /** First missing id → the gap's bound (an xid newer than its writer's), or 'final'. */
  readonly #gaps = new Map<number, bigint | 'final'>();

  /** The bound recorded for the gap starting at `id`, 'final' once passed, undefined if never seen. */
  bound(id: number): bigint | 'final' | undefined {
    return this.#gaps.get(id);
  }

  /** Records the bound of a gap first seen now. */
  remember(id: number, bound: bigint): void {
    if (this.#gaps.has(id)) return;
    if (this.#gaps.size >= 10_000) this.#gaps.delete(this.#gaps.keys().next().value as number);
    this.#gaps.set(id, bound);
  }

  /** Whether a reader may step over the gap starting at `id`, given the xmin of a snapshot taken now. */
  passable(id: number, xmin: bigint): boolean {
    const bound = this.#gaps.get(id);
    if (bound === 'final') return true;
    if (bound === undefined || xmin < bound) return false;
    this.#gaps.set(id, 'final');
    return true;
  }
}

interface RunEventRow {
  id: string;
  type: StoredRunEvent['type'];
  namespace: string;
  run_id: string;
  attempt_id: string | null;
  payload: StoredRunEvent['payload'];
  created_at: Date;
}

interface ScannedRow extends RunEventRow {
  matches: boolean;
}

/**
 * Events after `afterId` in id order, stopping before a gap that may still fill (see `GapTracker`); gaps
 * at or below `q.settledThrough` are known final. Filters apply after the gap check, so that another
 * namespace's ids never look like gaps.
 */
export async function readRunEvents(
  db: Queryable,
  url: string,
  q: RunEventQuery,
  gaps: GapTracker,
): Promise<StoredRunEvent[]> {
  const limit = Math.max(0, Math.min(MAX_READ, Math.floor(q.limit)));
  const params: unknown[] = [0, Math.max(limit, 200)];
  const filters: string[] = [];
  if (q.namespaces !== undefined && q.namespaces !== null) {
    params.push(q.namespaces);
    filters.push(`namespace = any($${params.length}::text[])`);
  }
  if (q.runId !== undefined) {
    params.push(q.runId);
    filters.push(`run_id = $${params.length}`);
  }
  const matches = filters.length > 0 ? filters.join(' and ') : 'true';
  const sql = `select id, type, namespace, run_id, attempt_id, created_at, (${matches}) as matches,
             case when ${matches} then payload end as payload
        from run_events where id > $1 order by id limit $2`;
  const found: StoredRunEvent[] = [];
  let expected = q.afterId + 1;
  read: while (found.length < limit) {
    params[0] = expected - 1;
    const rows = (await query<ScannedRow>(db, url, prepared(sql), params)).rows;
    for (const row of rows) {
      const id = Number(row.id);
      if (id > expected && expected > (q.settledThrough ?? 0)) {
        const gap = await settle(db, url, gaps, expected);
        if (gap === 'open') return found;
        // Its writer ended after `rows` were read: it may have committed, so read again from the gap.
        if (gap === 'closed now') continue read;
      }
      expected = id + 1;
      if (row.matches) {
        found.push({
          id,
          type: row.type,
          namespace: row.namespace,
          runId: row.run_id,
          attemptId: row.attempt_id,
          payload: row.payload,
          createdAt: row.created_at.getTime(),
        });
        if (found.length >= limit) return found;
      }
    }
    if (rows.length < (params[1] as number)) return found;
  }
  return found;
}

/**
 * Whether the gap starting at `id` is final: on first sight it records the gap's bound, then waits a little
 * for the transactions older than the bound to end (usually a few milliseconds: writers are single
 * statements). `open` when they have not (the caller reads again later, on the next NOTIFY or poll);
 * `closed now` when they ended since the gap was last judged, so the gap's writer may just have committed.
 */
async function settle(
  db: Queryable,
  url: string,
  gaps: GapTracker,
  id: number,
): Promise<'open' | 'final' | 'closed now'> {
  const seen = gaps.bound(id);
  if (seen === 'final') return 'final';
  if (seen === undefined) {
    const rows = await query<{ xid: string }>(db, url, prepared('select pg_current_xact_id()::text as xid'));
    const xid = rows.rows[0]?.xid;
    if (xid === undefined) return 'open';
    gaps.remember(id, BigInt(xid));
  }
  // At once first: the gap of a writer already done (a rollback, an ON CONFLICT skip, a replay of old ids)
  // passes without a wait.
  for (let tries = 0; ; tries++) {
    const rows = await query<{ xmin: string }>(
      db,
      url,
      prepared('select pg_snapshot_xmin(pg_current_snapshot())::text as xmin'),
    );
    if (gaps.passable(id, BigInt(rows.rows[0]?.xmin ?? '0'))) return 'closed now';
    if (tries === 4) return 'open';
    await new Promise((resolve) => setTimeout(resolve, 5 * 2 ** tries));
  }
}

/** How many of the newest ids `runEventBounds` looks through for ids still in flight (`unseen`). */
const UNSEEN_WINDOW = 1000;

/**
 * The oldest and newest ids, and the ids missing among the newest `UNSEEN_WINDOW` ids (`unseen`): a writer
 * in flight holds some of them, and will commit them after `last` was read. Writers are single statements,
 * so the ids they hold are among the newest; older gaps are rolled-back or skipped ids, for good. The window
 * counts ids, not rows, so a long run of skipped ids costs no more than a short one; it never reaches below
 * the oldest kept id (pruned ids are not in flight).
 */
export async function runEventBounds(db: Queryable, url: string): Promise<RunEventBounds> {
  const rows = await query<{ first: string | null; last: string | null; unseen: string[] }>(
    db,
    url,
    prepared(`select b.first,
             coalesce(b.last, (select case when is_called then last_value else 0 end from run_events_id_seq)) as last,
             array(select g from (select id, lag(id, 1, b.low) over (order by id) as prev
                                    from run_events where id > b.low) w,
                                 generate_series(w.prev + 1, w.id - 1) g
                    order by g)::text[] as unseen
        from (select min(id) as first, max(id) as last, greatest(max(id) - ${UNSEEN_WINDOW}, min(id) - 1) as low
                from run_events) b`),
  );
  const row = rows.rows[0];
  return {
    first: row?.first == null ? null : Number(row.first),
    last: Number(row?.last ?? 0),
    unseen: (row?.unseen ?? []).map(Number),
  };
}

/** Retention: the oldest events created before `before`, at most `limit`. */
export async function deleteRunEventsBefore(
  db: Queryable,
  url: string,
  before: number,
  limit: number,
): Promise<number> {
  const n = Math.floor(limit);
  if (!(n > 0)) return 0;
  const rows = await query<{ n: number }>(
    db,
    url,
    prepared(`with doomed as (select id from run_events where created_at < $1 order by id limit $2),
      gone as (delete from run_events e using doomed d where e.id = d.id returning 1)
      select count(*)::int as n from gone`),
    [new Date(before), n],
  );
  return rows.rows[0]?.n ?? 0;
}
