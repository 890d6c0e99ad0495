/** Deep copy and freeze of plain JSON-like data, in one pass, so the caller's object is never touched. */
export function frozenCopy<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    // Plain loops: this walks every node of a 10,000-task document, and a closure per array adds up.
    const items = value as readonly unknown[];
    const copy = new Array<unknown>(items.length);
    for (let i = 0; i < items.length; i++) copy[i] = frozenCopy(items[i]);
    return Object.freeze(copy) as T;
  }
  const copy: Record<string, unknown> = {};
  const keys = Object.keys(value);
  for (let k = 0; k < keys.length; k++) {
    const key = keys[k] as string;
    const item = (value as Record<string, unknown>)[key];
    if (item !== undefined) copy[key] = frozenCopy(item);
  }
  return Object.freeze(copy) as T;
}
