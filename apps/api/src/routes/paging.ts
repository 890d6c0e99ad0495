/** Opaque cursors for keyset pagination the API does itself (audit log): base64url JSON arrays. */
export const encodeCursor = (values: readonly unknown[]): string =>
  Buffer.from(JSON.stringify(values)).toString('base64url');

/** `undefined` for no cursor; an empty array for an unreadable one (callers answer an empty page). */
export function decodeCursor(cursor: string | undefined | null): unknown[] | undefined {
  if (cursor === undefined || cursor === null || cursor === '') return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    return Array.isArray(value) ? value : [];
  } catch {
    return [];
  }
}
