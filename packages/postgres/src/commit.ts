/**
 * `commitRun` as ONE statement: the run's revision guard, the guarded attempt moves, new attempts, outbox
 * messages and the NOTIFY all happen in data-modifying CTEs of a single statement (its own transaction).
 * Every write is conditioned on the run update having matched; when an attempt guard does not match,
 * `kontroler_assert` raises and the whole statement rolls back — nothing is partially applied.
 *
 * State moves follow core's transition tables, as MemoryStore's `evaluateRunCommit` does: attempt moves
 * are judged from the commit before any SQL runs, and the SQL guards them again; the run's UPDATE only
 * matches a run whose current state may move to the new one, and a run at the expected revision in
 * another state is refused with `INVALID_TRANSITION`.
 */
import {
  ATTEMPT_STATES,
  ATTEMPT_TRANSITIONS,
  assertAttemptMoves,
  assertRunMove,
  runStatesBefore,
  type AttemptChange,
  type CommitResult,
  type RunCommit,
  type RunState,
} from '@kontroler/core';
import { ASSERT_FAILED, prepared, query, sqlState, type Queryable } from './db.js';
import { OUTBOX_CHANNEL, WORK_CHANNEL } from './notify.js';
import { JOURNAL_NOTIFY, journalCtes } from './run-events.js';
import {
  ATTEMPT_COLUMNS,
  OUTBOX_INSERT_COLUMNS,
  attemptsUnnest,
  outboxUnnest,
  parameters,
  toTimestamp,
} from './rows.js';

const RUN_FIELDS: ReadonlyArray<readonly [keyof NonNullable<RunCommit['run']>, string, boolean]> = [
  ['state', 'state', false],
  ['startedAt', 'started_at', true],
  ['finishedAt', 'finished_at', true],
  ['reason', 'reason', false],
  ['round', 'round', false],
  ['dagVersion', 'dag_version', false],
  ['cancelRequested', 'cancel_requested', false],
];

/** Settable attempt fields: record key, column, SQL type, is a time. The index is the mask bit. */
const ATTEMPT_FIELDS: ReadonlyArray<readonly [keyof AttemptChange['set'], string, string, boolean]> = [
  ['state', 'state', 'text', false],
  ['exitCode', 'exit_code', 'int', false],
  ['reason', 'reason', 'text', false],
  ['message', 'message', 'text', false],
  ['availableAt', 'available_at', 'timestamptz', true],
  ['startedAt', 'started_at', 'timestamptz', true],
  ['finishedAt', 'finished_at', 'timestamptz', true],
  ['leaseOwner', 'lease_owner', 'text', false],
  ['leaseExpiresAt', 'lease_expires_at', 'timestamptz', true],
  ['runtime', 'runtime', 'text', false],
  ['nonRetryable', 'non_retryable', 'boolean', false],
  ['retryAfterMs', 'retry_after_ms', 'bigint', false],
  ['failureKind', 'failure_kind', 'text', false],
  ['outputs', 'outputs', 'jsonb', false],
  ['decidedBy', 'decided_by', 'text', false],
];

/** The mask bit of `state` among ATTEMPT_FIELDS. */
const STATE_BIT = 1 << ATTEMPT_FIELDS.findIndex(([key]) => key === 'state');

/** Every legal attempt move as `from>to`, a constant of the SQL text (so the statement stays prepared). */
const LEGAL_ATTEMPT_MOVES = `array[${ATTEMPT_STATES.flatMap((from) =>
  ATTEMPT_TRANSITIONS[from].map((to) => `'${from}>${to}'`),
).join(', ')}]::text[]`;

/** True when an attempt in this state may be claimed at some point without another commit. */
export const isClaimable = (state: string | undefined): boolean => state === 'ready' || state === 'retrying';

export interface CommitOutcome {
  readonly result: CommitResult;
  /** The commit made work claimable (listeners should be woken). */
  readonly work: boolean;
  readonly outbox: boolean;
  /** The commit journaled run events (readers should be woken). */
  readonly events?: boolean;
}

type Settable = AttemptChange['set'];

/** The changes of one attempt folded into one; `steps` counts them (each step's move was checked). */
export interface FoldedChange extends AttemptChange {
  readonly steps: number;
}

/**
 * Folds several changes of one attempt into one, as sequential guarded UPDATEs would apply them: each
 * later change is checked against the result of the earlier ones. 'conflict' when one cannot hold.
 */
export function foldChanges(changes: readonly AttemptChange[]): FoldedChange[] | 'conflict' {
  const folded = new Map<
    string,
    {
      id: string;
      expectState: AttemptChange['expectState'];
      expectOwner?: string;
      set: Record<string, unknown>;
      steps: number;
    }
  >();
  for (const change of changes) {
    // A loop, not Object.fromEntries(Object.entries(…).filter(…)): this runs for every change of every commit.
    const defined: Record<string, unknown> = {};
    const set = change.set as Record<string, unknown>;
    for (const key of Object.keys(set)) if (set[key] !== undefined) defined[key] = set[key];
    const previous = folded.get(change.id);
    if (previous === undefined) {
      folded.set(change.id, {
        id: change.id,
        expectState: change.expectState,
        ...(change.expectOwner !== undefined ? { expectOwner: change.expectOwner } : {}),
        set: defined,
        steps: 1,
      });
      continue;
    }
    const stateNow = (previous.set.state as string | undefined) ?? previous.expectState;
    if (change.expectState !== stateNow) return 'conflict';
    if (change.expectOwner !== undefined) {
      if ('leaseOwner' in previous.set) {
        if (previous.set.leaseOwner !== change.expectOwner) return 'conflict';
      } else if (previous.expectOwner !== undefined) {
        if (previous.expectOwner !== change.expectOwner) return 'conflict';
      } else {
        previous.expectOwner = change.expectOwner;
      }
    }
    Object.assign(previous.set, defined);
    previous.steps++;
  }
  return [...folded.values()].map((c) => ({ ...c, set: c.set as Settable }));
}

async function refused(db: Queryable, url: string, runId: string): Promise<CommitOutcome> {
  const found = await query(db, url, 'select 1 from runs where id = $1', [runId]);
  return {
    result: { ok: false, reason: found.rows.length > 0 ? 'conflict' : 'not-found' },
    work: false,
    outbox: false,
  };
}

export async function commitRun(
  db: Queryable,
  url: string,
  instanceId: string,
  commit: RunCommit,
): Promise<CommitOutcome> {
  // Illegal attempt moves are refused before anything else, as evaluateRunCommit refuses them.
  assertAttemptMoves(commit);
  const folded = foldChanges(commit.attempts ?? []);
  if (folded === 'conflict' || (commit.newAttempts ?? []).some((a) => a.runId !== commit.runId)) {
    return refused(db, url, commit.runId);
  }
  const { params, p } = parameters();
  const runId = p(commit.runId);
  const sets = ['revision = revision + 1'];
  for (const [key, column, time] of RUN_FIELDS) {
    const value = commit.run?.[key];
    if (value !== undefined)
      sets.push(`${column} = ${p(time ? toTimestamp(value as number | null) : value)}`);
  }
  const revision = p(commit.expectRevision);
  const toState = commit.run?.state;
  // The transition guard: only a run in a state that may move to the new one is updated.
  const stateGuard = toState === undefined ? '' : ` and state = any(${p(runStatesBefore(toState))}::text[])`;
  const ctes = [
    `r as (update runs set ${sets.join(', ')} where id = ${runId} and revision = ${revision}${stateGuard} returning revision)`,
  ];
  const changes = folded;
  const newAttempts = commit.newAttempts ?? [];
  const outbox = commit.outbox ?? [];
  if (changes.length > 0) {
    const masks = changes.map((c) =>
      ATTEMPT_FIELDS.reduce((mask, [key], bit) => (c.set[key] !== undefined ? mask | (1 << bit) : mask), 0),
    );
    const values = ATTEMPT_FIELDS.map(([key, , type, time]) => {
      const column = changes.map((c) => {
        const value = c.set[key];
        if (value === undefined) return null;
        if (type === 'jsonb') return value === null ? null : JSON.stringify(value);
        return time ? toTimestamp(value as number | null) : value;
      });
      return `${p(column)}::${type}[]`;
    });
    const assignments = ATTEMPT_FIELDS.map(
      ([, column], bit) =>
        `${column} = case when c.mask & ${1 << bit} <> 0 then c.${column} else a.${column} end`,
    );
    // Attempts are found by primary key only; that they belong to this run is checked on the rows the
    // update returns (the assert below rolls everything back otherwise). With `a.run_id = $run` among the
    // conditions, a generic plan made without statistics (a new installation's first big run) estimates a
    // handful of rows per run and reads every attempt of the run through its index: on each step of a
    // 10,000-task chain, 10,000 rows for two changes.
    ctes.push(`changed as (
      update attempts a set ${assignments.join(', ')}
        from unnest(${p(changes.map((c) => c.id))}::text[], ${p(changes.map((c) => c.expectState))}::text[],
                    ${p(changes.map((c) => c.expectOwner ?? null))}::text[], ${p(masks)}::int[],
                    ${p(changes.map((c) => c.steps))}::int[], ${values.join(', ')})
          as c(id, expect_state, expect_owner, mask, steps, ${ATTEMPT_FIELDS.map(([, column]) => column).join(', ')})
       where exists (select 1 from r) and a.id = c.id and a.state = c.expect_state
         and (c.expect_owner is null or a.lease_owner = c.expect_owner)
         and (c.mask & ${STATE_BIT} = 0 or c.steps > 1 or c.expect_state || '>' || c.state = any(${LEGAL_ATTEMPT_MOVES}))
      returning a.run_id)`);
  }
  if (newAttempts.length > 0) {
    ctes.push(`inserted as (insert into attempts (${ATTEMPT_COLUMNS})
      ${attemptsUnnest(newAttempts, p)} where exists (select 1 from r))`);
  }
  if (outbox.length > 0) {
    ctes.push(`queued as (insert into outbox ${OUTBOX_INSERT_COLUMNS}
      ${outboxUnnest(outbox, p)} where exists (select 1 from r) on conflict (id) do nothing)`);
  }
  const events = commit.events ?? [];
  // Last, and only after the run's UPDATE matched: the journal lock is held for as short as possible.
  if (events.length > 0) ctes.push(...journalCtes(events, p, 'r'));
  const work = changes.some((c) => isClaimable(c.set.state)) || newAttempts.some((a) => isClaimable(a.state));
  const select = [
    '(select revision from r) as revision',
    `exists (select 1 from runs where id = ${runId}) as found`,
  ];
  if (toState !== undefined) {
    // The state the run had at the expected revision (the statement's snapshot, before the UPDATE).
    select.push(`(select state from runs where id = ${runId} and revision = ${revision}) as from_state`);
  }
  if (changes.length > 0) {
    select.push(
      `kontroler_assert(not exists (select 1 from r) or (select count(*) from changed where run_id = ${runId}) = ${changes.length}) as ok`,
    );
  }
  const instance = work || outbox.length > 0 ? p(instanceId) : '';
  if (work) {
    select.push(
      `(select count(*) from (select pg_notify('${WORK_CHANNEL}', ${instance}) where exists (select 1 from r)) n) as nw`,
    );
  }
  if (outbox.length > 0) {
    select.push(
      `(select count(*) from (select pg_notify('${OUTBOX_CHANNEL}', ${instance}) where exists (select 1 from r)) n) as no`,
    );
  }
  if (events.length > 0) select.push(JOURNAL_NOTIFY);
  const sql = `with ${ctes.join(',\n')}\nselect ${select.join(', ')}`;
  try {
    const result = await query<{ revision: number | null; found: boolean; from_state?: RunState | null }>(
      db,
      url,
      prepared(sql),
      params,
    );
    const row = result.rows[0];
    // At the expected revision but in a state that may not move to the new one: refused, nothing written.
    if (row && row.revision === null && row.from_state)
      assertRunMove(commit.runId, row.from_state, commit.run);
    if (!row || row.revision === null) {
      return {
        result: { ok: false, reason: row?.found ? 'conflict' : 'not-found' },
        work: false,
        outbox: false,
      };
    }
    return {
      result: { ok: true, revision: row.revision },
      work,
      outbox: outbox.length > 0,
      events: events.length > 0,
    };
  } catch (error) {
    // A guard that did not match, or a new attempt / message id that already exists.
    if (sqlState(error) === ASSERT_FAILED || sqlState(error) === '23505') {
      return { result: { ok: false, reason: 'conflict' }, work: false, outbox: false };
    }
    throw error;
  }
}
