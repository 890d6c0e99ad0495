/**
 * Keyset pagination for the memory store. A cursor is the sort key of the last item of a page, as
 * base64url JSON: opaque to callers, stable while items are added (no offsets that shift).
 */
import { Errors } from '../errors/kontroler-error.js';
import type { Page, PageRequest } from '../ports/store.js';

/** A sort key: the values an item is ordered by, most significant first. */
export type SortKey = readonly (string | number)[];

/** The largest page any store returns, whatever the caller asks for. */
export const MAX_PAGE_SIZE = 500;

export function encodeCursor(key: SortKey): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/** Decodes a cursor made by `encodeCursor` for keys shaped like `template`; refuses anything else. */
export function decodeCursor(cursor: string, template: SortKey): SortKey {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    key = undefined;
  }
  const valid =
    Array.isArray(key) &&
    key.length === template.length &&
    key.every((part, index) => typeof part === typeof template[index]);
  if (!valid) throw Errors.parameterInvalid('cursor', 'type', 'the page cursor is not valid');
  return key as SortKey;
}

/** How a listing is ordered: each item's sort key, the key's shape (for cursor checks), the order. */
export interface Keyset<T> {
  readonly keyOf: (item: T) => SortKey;
  /** Example key with the right types, e.g. `[0, '']` for (number, string). */
  readonly shape: SortKey;
  /** Negative when key `a` is listed before key `b`. */
  readonly compare: (a: SortKey, b: SortKey) => number;
}

/** Compares keys part by part, ascending. */
export function compareAscending(a: SortKey, b: SortKey): number {
  for (let index = 0; index < a.length; index++) {
    const x = a[index] as string | number;
    const y = b[index] as string | number;
    if (x < y) return -1;
    if (x > y) return 1;
  }
  return 0;
}

/** Compares keys part by part, descending (newest first). */
export function compareDescending(a: SortKey, b: SortKey): number {
  return compareAscending(b, a);
}

/**
 * One page of `items` in the keyset's order, starting after the cursor's key. `items` need not be
 * sorted. `nextCursor` is null when nothing follows the page.
 */
export function paginate<T>(items: Iterable<T>, keyset: Keyset<T>, page: PageRequest): Page<T> {
  const limit = Math.max(1, Math.min(MAX_PAGE_SIZE, Math.floor(page.limit) || 1));
  const after = page.cursor ? decodeCursor(page.cursor, keyset.shape) : undefined;
  const rest: Array<{ item: T; key: SortKey }> = [];
  for (const item of items) {
    const key = keyset.keyOf(item);
    if (after === undefined || keyset.compare(key, after) > 0) rest.push({ item, key });
  }
  rest.sort((a, b) => keyset.compare(a.key, b.key));
  const slice = rest.slice(0, limit);
  const last = slice[slice.length - 1];
  return {
    items: slice.map(({ item }) => item),
    nextCursor: rest.length > limit && last !== undefined ? encodeCursor(last.key) : null,
  };
}
