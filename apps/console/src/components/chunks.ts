/**
 * Rows in chunks of `size`, for lists of a thousand rows drawn with `content-visibility: auto` per chunk:
 * the browser skips the chunks out of view (style, layout, paint, animations), and checks a few dozen
 * chunks each frame for coming into view rather than every row (which, with 2,000 rows, cost more than
 * the rendering it saved). A chunk with the very same rows as in `previous` is `previous`'s array, so
 * that a component drawing it sees no change and does not render again.
 */
export function chunks<T>(rows: readonly T[], size: number, previous: readonly T[][] = []): T[][] {
  const out: T[][] = [];
  for (let i = 0, c = 0; i < rows.length; i += size, c++) {
    const before = previous[c];
    const end = Math.min(rows.length, i + size);
    let same = before !== undefined && before.length === end - i;
    for (let j = i; same && j < end; j++) same = before![j - i] === rows[j];
    out.push(same ? before! : rows.slice(i, end));
  }
  return out;
}

/** Rows per chunk in the run view's long lists. */
export const CHUNK = 25;
