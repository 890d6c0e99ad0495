/**
 * What every operation module of the PostgreSQL store works with, made once per store: the pool, the
 * statement runner (prepared once per connection), transactions, and the signals that wake
 * this process's listeners after its own commits.
 */
import type pg from 'pg';
import { prepared, query, type Queryable } from '../db.js';
import { connectionError } from '../errors.js';
import { EVENTS_CHANNEL, OUTBOX_CHANNEL, WORK_CHANNEL, type Channel, type Notifier } from '../notify.js';

export type { Channel };

export interface StoreContext {
  /** The pool the hot paths use. */
  readonly db: Queryable;
  /** The connection URL (named in connection errors). */
  readonly url: string;
  /** This store's id in NOTIFY payloads, so its own signals are not delivered twice. */
  readonly instanceId: string;
  /** Runs one of the store's own statements (a bounded set of texts, prepared once per connection). */
  run<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
  /** Runs `fn` in one transaction on one connection. */
  inTransaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T>;
  /** After a commit of this process: calls its local listeners at once (no round trip through LISTEN). */
  wake(work: boolean, messages: boolean, events?: boolean): void;
  /** Subscribes to a channel (through LISTEN unless the store was opened with `listen: false`). */
  subscribe(channel: Channel, listener: () => void): () => void;
}

export interface StoreContextInput {
  readonly pool: pg.Pool;
  readonly url: string;
  readonly notifier: Notifier;
  readonly instanceId: string;
  /** Open the LISTEN connection for subscribers. */
  readonly listen: boolean;
}

export function createStoreContext(input: StoreContextInput): StoreContext {
  const { pool, url, notifier } = input;
  return {
    db: pool,
    url,
    instanceId: input.instanceId,
    run: (text, values) => query(pool, url, prepared(text), values),
    async inTransaction(fn) {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (error) {
        throw connectionError(url, error);
      }
      let broken = false;
      try {
        await query(client, url, 'begin');
        const result = await fn(client);
        await query(client, url, 'commit');
        return result;
      } catch (error) {
        await client.query('rollback').catch(() => {
          broken = true;
        });
        throw error;
      } finally {
        client.release(broken);
      }
    },
    wake(work, messages, events = false) {
      if (work) queueMicrotask(() => notifier.fire(WORK_CHANNEL));
      if (messages) queueMicrotask(() => notifier.fire(OUTBOX_CHANNEL));
      if (events) queueMicrotask(() => notifier.fire(EVENTS_CHANNEL));
    },
    subscribe(channel, listener) {
      // Without LISTEN, local commits still reach the listener; other processes' commits are found by polling.
      return input.listen
        ? notifier.subscribe(channel, listener)
        : notifier.subscribe(channel, listener, { connect: false });
    },
  };
}
