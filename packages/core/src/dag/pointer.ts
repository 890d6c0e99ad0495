/** JSON Pointer (RFC 6901) helpers for issue paths. */

/** Escapes one reference token: `~` → `~0`, `/` → `~1`. */
export function escapeToken(token: string | number): string {
  return String(token).replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Joins tokens into a pointer: `pointer('tasks', 2, 'runAfter')` → `/tasks/2/runAfter`. */
export function pointer(...tokens: (string | number)[]): string {
  return tokens.map((t) => `/${escapeToken(t)}`).join('');
}

/** Splits a pointer into unescaped tokens. */
export function tokens(path: string): string[] {
  if (path === '') return [];
  return path
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/**
 * Why `text` is not an RFC 6901 JSON Pointer, or null: empty (the whole result) or `/`-separated tokens in
 * which `~` is only ever `~0` or `~1`.
 */
export function jsonPointerProblem(text: string): string | null {
  if (text === '') return null;
  if (!text.startsWith('/')) return 'it must start with "/" (e.g. "/body/rows")';
  if (/~(?![01])/.test(text)) return '"~" must be written "~0" and "/" inside a name "~1"';
  return null;
}
