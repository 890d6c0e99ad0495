/**
 * A `sql` task type: each task runs one SQL statement, in its own transaction, against a PostgreSQL
 * database (by default the one Kontroler itself uses).
 *
 * ```yaml
 * - name: refresh-report
 *   type: sql
 *   timeoutSeconds: 300
 *   with:
 *     statement: "insert into daily_totals select current_date, sum(amount) from orders where day = $1"
 *     params: [{param: DAY}]          # literals, or {param: NAME} for a DAG parameter
 *     maxRows: 20                      # rows of a result written to the log (default 20)
 * ```
 */
import {
  definePlugin,
  type AttemptContext,
  type Plugin,
  type Runtime,
  type TaskOutcome,
} from '@kontroler/core';
import { noSecrets, resolveParameters, SecretNotFoundError, type SecretSource } from '@kontroler/plugins';
import pg from 'pg';

export interface SqlTaskOptions {
  /** Connection URL. @default process.env.DATABASE_URL */
  readonly connectionString?: string;
  /** Connections used by sql tasks at once (further tasks wait for one). @default 4 */
  readonly poolSize?: number;
  /** Resolves `{fromSecret}` DAG parameters used as statement parameters. @default none */
  readonly secretSource?: SecretSource;
  /** The task type's name. @default 'sql' */
  readonly type?: string;
}

export interface SqlTaskRuntime extends Runtime {
  close(): Promise<void>;
}

interface SqlTaskSpec {
  readonly statement: string;
  readonly params: ReadonlyArray<unknown>;
  readonly maxRows: number;
}

function parse(settings: Readonly<Record<string, unknown>> | undefined): SqlTaskSpec | string {
  const statement = settings?.statement;
  if (typeof statement !== 'string' || statement.trim() === '')
    return 'with.statement must be a SQL statement';
  const params = settings?.params ?? [];
  if (!Array.isArray(params)) return 'with.params must be a list';
  const maxRows = settings?.maxRows ?? 20;
  if (typeof maxRows !== 'number' || !Number.isInteger(maxRows) || maxRows < 0)
    return 'with.maxRows must be an integer ≥ 0';
  return { statement, params, maxRows };
}

/** SQLSTATE classes that a retry cannot fix: syntax and access errors, data exceptions, constraint violations. */
const PERMANENT_CLASSES = new Set(['42', '22', '23', '28', '0A']);

const failed = (reason: string, message: string, extra: Partial<TaskOutcome> = {}): TaskOutcome => ({
  status: 'failed',
  exitCode: null,
  reason,
  message,
  ...extra,
});

export function createSqlTaskRuntime(options: SqlTaskOptions = {}): SqlTaskRuntime {
  const pool = new pg.Pool({
    connectionString: options.connectionString ?? process.env.DATABASE_URL,
    max: options.poolSize ?? 4,
    application_name: 'kontroler-sql-task',
    // Idle connections must not keep a host process alive on their own.
    allowExitOnIdle: true,
  });
  // An idle connection that drops must not crash the host.
  pool.on('error', () => undefined);
  const secrets = options.secretSource ?? noSecrets;
  const running = new Map<string, Promise<TaskOutcome>>();

  async function bindParams(ctx: AttemptContext, params: ReadonlyArray<unknown>): Promise<unknown[]> {
    const values = await resolveParameters(ctx.parameters, secrets);
    return params.map((p) => {
      if (typeof p === 'object' && p !== null && 'param' in p) {
        const name = String((p as { param: unknown }).param);
        if (!(name in values))
          throw new SecretNotFoundError(name, `the task's parameters (add "${name}" to its parameters)`);
        return values[name];
      }
      return p;
    });
  }

  async function run(ctx: AttemptContext): Promise<TaskOutcome> {
    const spec = parse(ctx.task.spec.with);
    if (typeof spec === 'string') return failed('InvalidTask', spec, { nonRetryable: true });
    let params: unknown[];
    try {
      params = await bindParams(ctx, spec.params);
    } catch (error) {
      if (error instanceof SecretNotFoundError)
        return failed('SecretNotFound', error.message, { nonRetryable: true });
      throw error;
    }

    const client = await pool.connect();
    let backendPid: number | undefined;
    let aborted: string | undefined;
    const onAbort = () => {
      aborted = ctx.signal.reason === 'Timeout' ? 'Timeout' : 'Canceled';
      // A statement cannot be interrupted from its own connection: ask the server from another one.
      if (backendPid !== undefined)
        void pool.query('select pg_cancel_backend($1)', [backendPid]).catch(() => undefined);
    };
    try {
      backendPid = (await client.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]?.pid;
      if (ctx.signal.aborted) onAbort();
      else ctx.signal.addEventListener('abort', onAbort, { once: true });
      if (aborted) return failed(aborted, `${aborted.toLowerCase()} before the statement started`);

      await client.query('begin');
      if (ctx.task.timeoutSeconds !== undefined) {
        // The database enforces the deadline, and rolls back cleanly when it passes.
        await client.query(`set local statement_timeout = ${Math.floor(ctx.task.timeoutSeconds * 1000)}`);
      }
      ctx.log({ stream: 'system', line: `running: ${spec.statement.replace(/\s+/g, ' ').slice(0, 200)}` });
      const started = performance.now();
      const result = await client.query({ text: spec.statement, values: params });
      await client.query('commit');
      const ms = Math.round(performance.now() - started);
      // psql's style: `INSERT 2`, `SELECT 1`, and just `CREATE` for statements without a row count.
      const summary = result.rowCount === null ? result.command : `${result.command} ${result.rowCount}`;
      ctx.log({ stream: 'stdout', line: `${summary} (${ms} ms)` });
      for (const row of result.rows.slice(0, spec.maxRows))
        ctx.log({ stream: 'stdout', line: JSON.stringify(row) });
      if (result.rows.length > spec.maxRows) {
        ctx.log({ stream: 'system', line: `${result.rows.length - spec.maxRows} more rows not logged` });
      }
      return { status: 'succeeded', exitCode: null, reason: 'Completed', message: summary };
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      const code = (error as { code?: unknown }).code;
      const message = error instanceof Error ? error.message : String(error);
      if (code === '57014') {
        // query_canceled: by us (cancel, engine deadline) or by statement_timeout.
        return failed(aborted ?? 'Timeout', message);
      }
      if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) {
        return failed(
          'SqlError',
          `${code}: ${message}`,
          PERMANENT_CLASSES.has(code.slice(0, 2)) ? { nonRetryable: true } : {},
        );
      }
      return failed('ConnectionError', message);
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
      client.release();
    }
  }

  return {
    name: options.type ?? 'sql',
    execute(ctx) {
      const current = running.get(ctx.attemptId);
      if (current) return current;
      // A statement of a crashed engine either committed or rolled back with its connection; we cannot
      // know which, so report it lost and let the retry policy decide (make statements idempotent).
      if (ctx.reclaimed)
        return Promise.resolve(failed('Lost', 'the statement was lost when its engine stopped'));
      const promise = run(ctx).finally(() => running.delete(ctx.attemptId));
      running.set(ctx.attemptId, promise);
      return promise;
    },
    async close() {
      await Promise.allSettled(running.values());
      await pool.end();
    },
  };
}

/**
 * Registers the `sql` task type. The engine does not own plugin resources: call `close()` after
 * `engine.stop()` to end the connection pool.
 */
export function sqlTaskPlugin(options: SqlTaskOptions = {}): Plugin & { close(): Promise<void> } {
  let runtime: SqlTaskRuntime | undefined;
  const plugin = definePlugin({
    name: 'example/sql-task',
    setup(host) {
      runtime = createSqlTaskRuntime(options);
      host.registerTaskType(options.type ?? 'sql', runtime);
    },
  });
  return { ...plugin, close: async () => runtime?.close() };
}
