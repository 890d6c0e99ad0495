/**
 * `createPostgresStore(options)`: core's Store port on PostgreSQL, composed of one module per concern
 * (`store/`): DAGs, schedules, runs, the work queue, logs, the outbox, the run event journal and the
 * dashboard's aggregates, over one shared context; inbound triggers, backfills and shared tasks
 * (`operations/`).
 *
 * MikroORM owns the schema (entities + committed migrations, run at start-up under an advisory lock) and
 * is offered as `orm`; every store operation is raw parameterised SQL on a node-postgres pool whose
 * `search_path` is the store's schema. `orm: false` (the controller) never loads MikroORM on a migrated schema.
 */
import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import pg from 'pg';
import type { Store } from '@kontroler/core';
import { Errors } from '@kontroler/core';
import { query, type Queryable } from './db.js';
import { backfillQueries } from './operations/backfills.js';
import { dagTaskQueries } from './operations/dag-tasks.js';
import type { RunStatement } from './operations/run.js';
import { triggerQueries } from './operations/triggers.js';
import { Notifier } from './notify.js';
import { connectionConfig, openOrm, probeSchema } from './store/connect.js';
import { createStoreContext } from './store/context.js';
import { dagOperations } from './store/dags.js';
import { limitOperations } from './store/limits.js';
import { logOperations } from './store/logs.js';
import { outboxOperations } from './store/messages.js';
import { queueOperations } from './store/queue.js';
import { runOperations } from './store/runs.js';
import { runEventOperations } from './store/run-events.js';
import { aggregateOperations } from './store/aggregates.js';
import { scheduleOperations } from './store/schedules.js';
import { storeTypeParsers } from './type-parsers.js';

export interface PostgresStoreOptions {
  /**
   * Connection URL (`postgres://user:password@host:port/database`).
   * @default process.env.DATABASE_URL
   */
  readonly url?: string;
  /**
   * PostgreSQL schema holding the tables; created when missing. Tests isolate by schema or database.
   * Lower-case letters, digits and `_`.
   * @default 'public'
   */
  readonly schema?: string;
  /**
   * Size of the pool used for raw SQL (the engine's hot paths, `sql()`, `transaction()`).
   * @default 10
   */
  readonly poolSize?: number;
  /**
   * Run the committed migrations at start-up (under `pg_advisory_lock`, so several processes may start
   * at once).
   * @default true
   */
  readonly migrate?: boolean;
  /**
   * Open the LISTEN connection that turns other processes' commits into `onWork`/`onOutbox` calls. This
   * process's own commits always call its listeners directly.
   * @default true
   */
  readonly listen?: boolean;
  /** `application_name` shown in `pg_stat_activity`. @default 'kontroler' */
  readonly applicationName?: string;
  /** Called for background errors (the LISTEN connection failing and reconnecting). */
  readonly onError?: (error: unknown) => void;
}

/** The options of a store without MikroORM (`createPostgresStore({ ...options, orm: false })`). */
export interface PostgresStoreWithoutOrmOptions extends PostgresStoreOptions {
  /**
   * No MikroORM instance: MikroORM and the entities are not loaded (about 17 MB resident in a worker that
   * never uses them) unless migrations are pending; then an ORM is opened to run them and closed again.
   * The store's operations are plain SQL either way. Without this option the store has `orm`.
   */
  readonly orm: false;
}

/** Runs a parameterised statement (`$1`, `$2`…) and returns its rows. */
export type SqlFunction = <T = Record<string, unknown>>(text: string, params?: unknown[]) => Promise<T[]>;

/** The PostgreSQL store as opened with `orm: false`: everything but the MikroORM instance. */
export interface PostgresStoreBase extends Store {
  /** Raw parameterised query on the store's pool (the API's identity tables use it). */
  readonly sql: SqlFunction;
  /** Runs `fn` in one transaction on one connection; commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (sql: SqlFunction) => Promise<T>): Promise<T>;
  /** The PostgreSQL schema the tables live in. */
  readonly schema: string;
}

export interface PostgresStore extends PostgresStoreBase {
  /** The MikroORM instance (entities in `@kontroler/postgres`'s `entities`). */
  readonly orm: MikroORM;
}

const SCHEMA_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/;

/** Connects, migrates (unless told not to) and returns the store. Rejects with STORE_UNAVAILABLE. */
export function createPostgresStore(options: PostgresStoreWithoutOrmOptions): Promise<PostgresStoreBase>;
export function createPostgresStore(options?: PostgresStoreOptions): Promise<PostgresStore>;
export async function createPostgresStore(
  options: PostgresStoreOptions & { readonly orm?: false } = {},
): Promise<PostgresStoreBase> {
  const url = options.url ?? process.env.DATABASE_URL;
  if (!url) {
    throw Errors.storeUnavailable(
      'no PostgreSQL URL: set DATABASE_URL or pass { url } to createPostgresStore',
    );
  }
  const schema = options.schema ?? 'public';
  if (!SCHEMA_PATTERN.test(schema)) {
    throw Errors.storeUnavailable(
      `schema name "${schema}" is not allowed: use lower-case letters, digits and _ (at most 63)`,
    );
  }
  const config = connectionConfig(url, schema, options.applicationName ?? 'kontroler');
  const pending = await probeSchema(url, config, options.migrate ?? true);
  let orm: MikroORM | undefined;
  if (options.orm !== false || pending) orm = await openOrm(url, schema, config, pending);
  if (options.orm === false && orm !== undefined) {
    // Opened only to migrate.
    await orm.close(true).catch(() => undefined);
    orm = undefined;
  }

  const pool = new pg.Pool({
    ...config,
    types: storeTypeParsers,
    max: options.poolSize ?? 10,
    idleTimeoutMillis: 30_000,
  });
  // Idle clients die when the server restarts; the pool drops them and the next query reconnects.
  pool.on('error', (error) => options.onError?.(error));
  const instanceId = randomUUID();
  const notifier = new Notifier({
    connection: config,
    instanceId,
    ...(options.onError ? { onError: options.onError } : {}),
  });
  const ctx = createStoreContext({ pool, url, notifier, instanceId, listen: options.listen ?? true });

  const sqlOn =
    (target: Queryable): SqlFunction =>
    async <T>(text: string, params?: unknown[]) =>
      (await query<pg.QueryResultRow>(target, url, text, params)).rows as T[];

  let closed = false;
  const store: PostgresStoreBase = {
    schema,
    ...(orm !== undefined ? { orm } : {}),
    sql: sqlOn(pool),
    transaction: (fn) => ctx.inTransaction((client) => fn(sqlOn(client))),
    async ping() {
      await ctx.run('select 1');
    },
    async close() {
      if (closed) return;
      closed = true;
      await notifier.close();
      await pool.end().catch(() => undefined);
      await orm?.close(true).catch(() => undefined);
    },
    ...dagOperations(ctx),
    ...scheduleOperations(ctx),
    ...runOperations(ctx),
    ...queueOperations(ctx),
    ...logOperations(ctx),
    ...outboxOperations(ctx),
    ...runEventOperations(ctx),
    ...aggregateOperations(ctx),
    ...limitOperations(ctx),
    // Inbound triggers, backfills, shared tasks (operations/)
    ...triggerQueries(ctx.run),
    ...backfillQueries(ctx.run),
    ...dagTaskQueries(ctx.run, (fn) =>
      ctx.inTransaction((client) => {
        const tx: RunStatement = (text, values) => query(client, url, text, values);
        return fn(tx);
      }),
    ),
  };
  return store satisfies Store;
}
