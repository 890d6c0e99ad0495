const hasOwn = Object.prototype.hasOwnProperty;

/** Deep copy and freeze of plain JSON-like data, in one pass, so the caller's object is never touched. */
export function frozenCopy<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  // Plain loops, primitives copied without a call, and `for…in` over own keys rather than `Object.keys`
  // (which allocates an array per object): this walks every node of a 10,000-task document.
  if (Array.isArray(value)) {
    const items = value as readonly unknown[];
    const copy = new Array<unknown>(items.length);
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      copy[i] = typeof item === 'object' && item !== null ? frozenCopy(item) : item;
    }
    return Object.freeze(copy) as T;
  }
  const copy: Record<string, unknown> = {};
  const source = value as Record<string, unknown>;
  for (const key in source) {
    if (!hasOwn.call(source, key)) continue;
    const item = source[key];
    if (item === undefined) continue;
    copy[key] = typeof item === 'object' && item !== null ? frozenCopy(item) : item;
  }
  return Object.freeze(copy) as T;
}
