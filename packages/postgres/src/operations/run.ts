/** The statement runner the operation tables use: the store's pool with prepared statements. */
import type pg from 'pg';

export type RunStatement = <R extends pg.QueryResultRow>(
  text: string,
  values?: unknown[],
) => Promise<pg.QueryResult<R>>;

/** A timestamptz column as epoch ms. */
export const millis = (time: Date): number => time.getTime();
export const millisOrNull = (time: Date | null): number | null => (time === null ? null : time.getTime());
