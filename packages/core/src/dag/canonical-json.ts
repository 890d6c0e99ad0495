/**
 * Canonical JSON: the bytes a DAG version's content hash is computed over. Object keys are sorted by
 * UTF-16 code units (as RFC 8785 does), there is no whitespace, and otherwise the rules are
 * `JSON.stringify`'s: `toJSON` is honoured, `undefined`/functions/symbols are left out of objects and
 * become `null` in arrays, non-finite numbers become `null`.
 *
 * Key order is done by hand because a JavaScript object always lists integer-like keys first, so
 * rebuilding a sorted object and calling `JSON.stringify` would not sort `"10"` after `"1a"`.
 */

function isOmitted(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}

function write(value: unknown, seen: Set<object>): string | undefined {
  if (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as { toJSON?: unknown }).toJSON === 'function'
  ) {
    value = (value as { toJSON: () => unknown }).toJSON();
  }
  if (isOmitted(value)) return undefined;
  if (value === null || typeof value !== 'object') {
    // Strings, finite numbers, booleans; NaN/Infinity → "null"; bigint throws, as in JSON.stringify.
    return JSON.stringify(value);
  }
  if (seen.has(value)) throw new TypeError('canonicalJson: the value is circular');
  seen.add(value);
  let out: string;
  if (Array.isArray(value)) {
    out = `[${value.map((item: unknown) => write(item, seen) ?? 'null').join(',')}]`;
  } else {
    const record = value as Record<string, unknown>;
    const parts: string[] = [];
    for (const key of Object.keys(record).sort()) {
      const item = write(record[key], seen);
      if (item !== undefined) parts.push(`${JSON.stringify(key)}:${item}`);
    }
    out = `{${parts.join(',')}}`;
  }
  seen.delete(value);
  return out;
}

/**
 * Serialises `value` canonically (stable key order, no whitespace). Equal data gives equal strings,
 * whatever order its keys were written in.
 * @throws TypeError for circular values and bigints, as `JSON.stringify` does.
 */
export function canonicalJson(value: unknown): string {
  return write(value, new Set()) ?? 'null';
}
