/**
 * The transactional outbox: messages are inserted in the same transaction as the state change that
 * causes it (see `commitRun`), claimed by dispatchers under a lease (`FOR UPDATE SKIP LOCKED`), and their
 * delivery tries are kept in `delivery_attempts`.
 */
import type {
  DeliveryAttempt,
  DeliveryResult,
  OutboxClaim,
  OutboxMessage,
  OutboxRecord,
} from '@kontroler/core';
import { query, type Queryable } from './db.js';
import {
  OUTBOX_INSERT_COLUMNS,
  outboxUnnest,
  parameters,
  toDeliveryAttempt,
  toOutbox,
  type DeliveryAttemptRow,
  type OutboxRow,
} from './rows.js';

export async function enqueueOutbox(
  db: Queryable,
  url: string,
  messages: readonly OutboxMessage[],
): Promise<void> {
  if (messages.length === 0) return;
  const { params, p } = parameters();
  await query(
    db,
    url,
    `insert into outbox ${OUTBOX_INSERT_COLUMNS} ${outboxUnnest(messages, p)} on conflict (id) do nothing`,
    params,
  );
}

const CLAIM_OUTBOX_SQL = `
with due as (
  select id from outbox
   where status = 'pending' and next_attempt_at <= $1 and topic = any($2::text[])
     and (lease_expires_at is null or lease_expires_at <= $1)
   order by next_attempt_at, created_at, id
   limit $3
   for update skip locked
)
update outbox o set lease_owner = $4, lease_expires_at = $5
  from due where o.id = due.id
returning o.*`;

export async function claimOutbox(db: Queryable, url: string, claim: OutboxClaim): Promise<OutboxRecord[]> {
  const limit = Math.min(Math.floor(claim.limit), 1000);
  if (!(limit > 0) || claim.topics.length === 0) return [];
  const result = await query<OutboxRow>(db, url, CLAIM_OUTBOX_SQL, [
    new Date(claim.now),
    claim.topics,
    limit,
    claim.owner,
    new Date(claim.now + claim.leaseMs),
  ]);
  return result.rows
    .map(toOutbox)
    .sort((a, b) => a.nextAttemptAt - b.nextAttemptAt || a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
}

const RECORD_DELIVERY_SQL = `
with tried as (
  insert into delivery_attempts (outbox_id, attempt, at, ok, status_code, error, duration_ms)
  select $1, $2, $3, $4, $5, $6, $7 where exists (select 1 from outbox where id = $1)
)
update outbox
   set attempts = attempts + 1,
       status = $8,
       next_attempt_at = coalesce($9, next_attempt_at),
       last_error = case when $8 = 'delivered' then null else $6 end,
       delivered_at = case when $8 = 'delivered' then $3 else delivered_at end,
       lease_owner = null,
       lease_expires_at = null
 where id = $1`;

export async function recordDelivery(
  db: Queryable,
  url: string,
  id: string,
  result: DeliveryResult,
): Promise<void> {
  const a = result.attempt;
  const status = result.outcome === 'retry' ? 'pending' : result.outcome;
  const next = result.outcome === 'retry' ? new Date(result.nextAttemptAt ?? a.at) : null;
  await query(db, url, RECORD_DELIVERY_SQL, [
    id,
    a.attempt,
    new Date(a.at),
    a.ok,
    a.statusCode,
    a.error,
    Math.round(a.durationMs),
    status,
    next,
  ]);
}

export async function listDeliveries(
  db: Queryable,
  url: string,
  runId: string,
): Promise<Array<{ message: OutboxRecord; attempts: DeliveryAttempt[] }>> {
  const messages = await query<OutboxRow>(
    db,
    url,
    'select * from outbox where run_id = $1 order by created_at, id',
    [runId],
  );
  if (messages.rows.length === 0) return [];
  const tries = await query<DeliveryAttemptRow>(
    db,
    url,
    'select * from delivery_attempts where outbox_id = any($1::text[]) order by outbox_id, id',
    [messages.rows.map((m) => m.id)],
  );
  const byMessage = new Map<string, DeliveryAttempt[]>();
  for (const row of tries.rows) {
    const list = byMessage.get(row.outbox_id) ?? [];
    list.push(toDeliveryAttempt(row));
    byMessage.set(row.outbox_id, list);
  }
  return messages.rows.map((row) => ({ message: toOutbox(row), attempts: byMessage.get(row.id) ?? [] }));
}

export async function getOutbox(db: Queryable, url: string, id: string): Promise<OutboxRecord | undefined> {
  const { rows } = await query<OutboxRow>(db, url, 'select * from outbox where id = $1', [id]);
  return rows[0] === undefined ? undefined : toOutbox(rows[0]);
}

export async function requeueOutbox(db: Queryable, url: string, id: string, now: number): Promise<boolean> {
  const result = await query(
    db,
    url,
    `update outbox set status = 'pending', next_attempt_at = $2, delivered_at = null,
            lease_owner = null, lease_expires_at = null
      where id = $1 and status <> 'pending'`,
    [id, new Date(now)],
  );
  return (result.rowCount ?? 0) > 0;
}
