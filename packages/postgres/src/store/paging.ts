/** Keyset pagination of the PostgreSQL store's lists: opaque base64url cursors and one extra row per page. */
import { Errors, type Page, type PageRequest } from '@kontroler/core';

const MAX_PAGE = 500;

/** The page size asked for, between 1 and 500. */
export const pageLimit = (page: PageRequest): number =>
  Math.min(Math.max(1, Math.floor(page.limit) || 1), MAX_PAGE);

function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** The cursor's value, or PARAMETER_INVALID (`cursor`) when it is not one this store made. */
export function decodeCursor<T>(
  cursor: string | null | undefined,
  valid: (value: unknown) => value is T,
): T | undefined {
  if (!cursor) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  if (!valid(value)) throw Errors.parameterInvalid('cursor', 'type', 'the page cursor is not valid');
  return value;
}

/** `[createdAt, id]` of the last run of a page. */
export const isTimeIdCursor = (v: unknown): v is [number, string] =>
  Array.isArray(v) && v.length === 2 && typeof v[0] === 'number' && typeof v[1] === 'string';
/** `[namespace, name]` of the last DAG of a page. */
export const isNamespaceNameCursor = (v: unknown): v is [string, string] =>
  Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string';
export const isNumber = (v: unknown): v is number => typeof v === 'number';

/** Takes one more row than the page to know whether there is a next page. */
export function toPage<R, T>(
  rows: R[],
  limit: number,
  map: (row: R) => T,
  cursor: (item: T) => unknown,
): Page<T> {
  const items = rows.slice(0, limit).map(map);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(cursor(last)) : null };
}
