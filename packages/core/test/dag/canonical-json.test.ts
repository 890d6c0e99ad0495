import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/dag/index.js';

describe('canonicalJson', () => {
  it('sorts keys at every depth and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' } })).toBe(
      '{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('sorts integer-like keys as strings (JavaScript objects would list them first)', () => {
    expect(canonicalJson({ b: 1, 10: 2, 9: 3, a: 4 })).toBe('{"10":2,"9":3,"a":4,"b":1}');
  });

  it('follows JSON.stringify for undefined, functions, non-finite numbers, dates and strings', () => {
    const value = {
      u: undefined,
      f: () => 1,
      n: NaN,
      i: Infinity,
      d: new Date(0),
      s: 'é"\n',
      list: [undefined, 1],
    };
    expect(canonicalJson(value)).toBe(
      '{"d":"1970-01-01T00:00:00.000Z","i":null,"list":[null,1],"n":null,"s":"é\\"\\n"}',
    );
    expect(canonicalJson(undefined)).toBe('null');
  });

  it('throws on circular values', () => {
    const a: Record<string, unknown> = {};
    a.self = a;
    expect(() => canonicalJson(a)).toThrow(TypeError);
  });

  it('is the same for equal data written in any key order, and parses back to the data', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = canonicalJson(value);
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)));
        const shuffled = JSON.parse(JSON.stringify(value), (_key, v: unknown) =>
          v !== null && typeof v === 'object' && !Array.isArray(v)
            ? Object.fromEntries(Object.entries(v).reverse())
            : v,
        ) as unknown;
        expect(canonicalJson(shuffled)).toBe(text);
        // Compact JSON of the same data, reordered: same length means no whitespace was added.
        expect(text).toHaveLength(JSON.stringify(value).length);
      }),
      { numRuns: 300 },
    );
  });
});
