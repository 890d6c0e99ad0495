/** Differences between two DAG versions: a structural list of JSON Pointer changes and a unified text diff. */

export interface Change {
  path: string;
  kind: 'added' | 'removed' | 'changed';
  before?: unknown;
  after?: unknown;
}

const escape = (key: string): string => key.replace(/~/g, '~0').replace(/\//g, '~1');
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Tasks are matched by name, so reordering them is not reported as a change of every task. */
function keyed(value: unknown[]): Map<string, unknown> | undefined {
  const map = new Map<string, unknown>();
  for (const item of value) {
    if (!isObject(item) || typeof item.name !== 'string' || map.has(item.name)) return undefined;
    map.set(item.name, item);
  }
  return map;
}

export function diffValues(before: unknown, after: unknown, path = ''): Change[] {
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  if (Array.isArray(before) && Array.isArray(after)) {
    const a = keyed(before);
    const b = keyed(after);
    if (a && b) return diffMaps(a, b, path);
    const out: Change[] = [];
    const length = Math.max(before.length, after.length);
    for (let i = 0; i < length; i += 1) {
      if (i >= before.length) out.push({ path: `${path}/${i}`, kind: 'added', after: after[i] });
      else if (i >= after.length) out.push({ path: `${path}/${i}`, kind: 'removed', before: before[i] });
      else out.push(...diffValues(before[i], after[i], `${path}/${i}`));
    }
    return out;
  }
  if (isObject(before) && isObject(after)) {
    return diffMaps(new Map(Object.entries(before)), new Map(Object.entries(after)), path);
  }
  return [{ path, kind: 'changed', before, after }];
}

function diffMaps(a: Map<string, unknown>, b: Map<string, unknown>, path: string): Change[] {
  const out: Change[] = [];
  for (const [key, value] of a) {
    const p = `${path}/${escape(key)}`;
    if (!b.has(key)) out.push({ path: p, kind: 'removed', before: value });
    else out.push(...diffValues(value, b.get(key), p));
  }
  for (const [key, value] of b) {
    if (!a.has(key)) out.push({ path: `${path}/${escape(key)}`, kind: 'added', after: value });
  }
  return out;
}

/** A unified diff of two texts (whole-file hunk), computed with an LCS over lines. */
export function unifiedDiff(before: string, after: string, fromLabel: string, toLabel: string): string {
  const a = before.split('\n');
  const b = after.split('\n');
  if (a.length * b.length > 4_000_000) return `--- ${fromLabel}\n+++ ${toLabel}\n(too large to diff)\n`;
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i -= 1) {
    const row = lcs[i] as number[];
    const next = lcs[i + 1] as number[];
    for (let j = b.length - 1; j >= 0; j -= 1) {
      row[j] =
        a[i] === b[j] ? (next[j + 1] as number) + 1 : Math.max(next[j] as number, row[j + 1] as number);
    }
  }
  const lines: string[] = [`--- ${fromLabel}`, `+++ ${toLabel}`, `@@ -1,${a.length} +1,${b.length} @@`];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      lines.push(` ${a[i]}`);
      i += 1;
      j += 1;
    } else if (i < a.length && (j >= b.length || (lcs[i + 1]?.[j] ?? 0) >= (lcs[i]?.[j + 1] ?? 0))) {
      lines.push(`-${a[i]}`);
      i += 1;
    } else {
      lines.push(`+${b[j]}`);
      j += 1;
    }
  }
  return `${lines.join('\n')}\n`;
}
