/**
 * The work queue: claim, renew and release attempt leases. Each operation is one statement.
 *
 * A claim picks candidates from the partial indexes (claimable by time, and running with an expired lease),
 * locking them with `FOR UPDATE SKIP LOCKED` as it picks them (PostgreSQL re-checks the condition on the
 * locked row) and moves them to `running` under the claimer's lease — so concurrent claimers never get the
 * same attempt, and never come back empty because another claimer holds the first rows.
 */
import type { ClaimRequest, ClaimedAttempt, LeaseRenewal } from '@kontroler/core';
import { prepared, query, type Queryable } from './db.js';
import { toAttempt, type AttemptRow } from './rows.js';

/** Upper bound of one claim batch. */
export const MAX_CLAIM_BATCH = 1000;

// Order: expired leases first (they are overdue by definition), then queued work oldest first by
// (availableAt ?? createdAt, createdAt, id). `ready` is claimable whatever its availableAt; `retrying`
// once its backoff has passed; `awaiting` (an approval task) once its timeout has passed, so that the
// worker records the timeout's outcome (docs/approval.md). A lease expiring exactly at `now` is still held.
//
// Each lane locks its own candidates with SKIP LOCKED while it picks them. Picking first and locking
// afterwards made concurrent claimers pick the same first rows, find them locked and come back empty
// while work was left. A lane may lock up to `limit` rows that the final `limit` then leaves out; those
// locks last only as long as this one statement.
const CLAIM_SQL = `
with expired as (
  select id from attempts
   where state = 'running' and lease_expires_at < $1
   order by lease_expires_at limit $3
   for update skip locked
), ready as (
  select id from attempts
   where state = 'ready'
   order by available_at nulls first limit $3
   for update skip locked
), due as (
  select id from attempts
   where state = 'retrying' and available_at <= $1
   order by available_at limit $3
   for update skip locked
), overdue as (
  select id from attempts
   where state = 'awaiting' and available_at <= $1
   order by available_at limit $3
   for update skip locked
), locked as (
  select a.id, a.state as previous_state,
         case when a.state = 'running' then 0 else 1 end as lane,
         case when a.state = 'running' then a.lease_expires_at else coalesce(a.available_at, a.created_at) end as sort_key,
         a.created_at as sort_created
    from attempts a
   where a.id in (select id from expired union all select id from ready union all select id from due
                  union all select id from overdue)
   order by lane, sort_key, sort_created, a.id
   limit $3
)
update attempts a
   set state = 'running', lease_owner = $2, lease_expires_at = $4, started_at = coalesce(a.started_at, $1)
  from locked
 where a.id = locked.id
returning a.*, locked.previous_state, locked.lane, locked.sort_key, locked.sort_created`;

export async function claimAttempts(
  db: Queryable,
  url: string,
  request: ClaimRequest,
): Promise<ClaimedAttempt[]> {
  const limit = Math.min(Math.floor(request.limit), MAX_CLAIM_BATCH);
  if (!(limit > 0)) return [];
  const result = await query<
    AttemptRow & { previous_state: string; lane: number; sort_key: Date; sort_created: Date }
  >(db, url, prepared(CLAIM_SQL), [
    new Date(request.now),
    request.owner,
    limit,
    new Date(request.now + request.leaseMs),
  ]);
  return result.rows
    .sort(
      (a, b) =>
        a.lane - b.lane ||
        a.sort_key.getTime() - b.sort_key.getTime() ||
        a.sort_created.getTime() - b.sort_created.getTime() ||
        (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    )
    .map((row) => ({ attempt: toAttempt(row), reclaimed: row.previous_state === 'running' }));
}

const RENEW_SQL = `
update attempts a
   set lease_expires_at = $3
 where a.id = any($1::text[]) and a.lease_owner = $2 and a.state = 'running'
returning a.id, (select r.cancel_requested from runs r where r.id = a.run_id) as cancel_requested`;

export async function renewLeases(
  db: Queryable,
  url: string,
  owner: string,
  attemptIds: readonly string[],
  leaseMs: number,
  now: number,
): Promise<LeaseRenewal> {
  if (attemptIds.length === 0) return { renewed: [], lost: [], cancelRequested: [] };
  const result = await query<{ id: string; cancel_requested: boolean | null }>(db, url, prepared(RENEW_SQL), [
    attemptIds,
    owner,
    new Date(now + leaseMs),
  ]);
  const held = new Set(result.rows.map((r) => r.id));
  return {
    renewed: attemptIds.filter((id) => held.has(id)),
    lost: attemptIds.filter((id) => !held.has(id)),
    cancelRequested: result.rows.filter((r) => r.cancel_requested === true).map((r) => r.id),
  };
}

export async function releaseLeases(
  db: Queryable,
  url: string,
  owner: string,
  attemptIds: readonly string[],
  now: number,
): Promise<boolean> {
  if (attemptIds.length === 0) return false;
  const result = await query(
    db,
    url,
    `update attempts set lease_expires_at = $3
      where id = any($1::text[]) and lease_owner = $2 and state = 'running'`,
    [attemptIds, owner, new Date(now)],
  );
  return (result.rowCount ?? 0) > 0;
}
