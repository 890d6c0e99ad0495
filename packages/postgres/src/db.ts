/** The raw-SQL seam: one `query` function over a pool or a transaction's client, with error mapping. */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { connectionError, isConnectionError } from './errors.js';

/** Anything that runs a parameterised query: the pool, or a client inside a transaction. */
export interface Queryable {
  query<R extends pg.QueryResultRow>(
    config: string | { text: string; name?: string },
    values?: unknown[],
  ): Promise<pg.QueryResult<R>>;
}

const statementNames = new Map<string, string>();

/**
 * A stable name for a statement text, so that node-postgres prepares it once per connection and later
 * calls skip parsing and planning (the hot statements are long CTEs whose planning dominates).
 */
export function prepared(text: string): { text: string; name: string } {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `k_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
    if (statementNames.size < 5000) statementNames.set(text, name);
  }
  return { text, name };
}

/** Runs one statement; connection failures become STORE_UNAVAILABLE, other errors pass through. */
export async function query<R extends pg.QueryResultRow>(
  db: Queryable,
  url: string,
  text: string | { text: string; name: string },
  values?: unknown[],
): Promise<pg.QueryResult<R>> {
  try {
    return await db.query<R>(text, values);
  } catch (error) {
    throw isConnectionError(error) ? connectionError(url, error) : error;
  }
}

/** The SQLSTATE of a PostgreSQL error, if it is one. */
export function sqlState(error: unknown): string | undefined {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

/** Raised by `kontroler_assert(false)` inside a statement: the whole statement rolls back. */
export const ASSERT_FAILED = 'KC409';
