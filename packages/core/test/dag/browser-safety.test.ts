/**
 * core/dag runs in the console's browser bundle. eslint forbids `node:*` imports in our files; this
 * guards the third-party code we rely on for it (croner parses cron with `Date` and `Intl` only).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const NODE_ONLY = /\brequire\(|['"]node:|\bprocess\.|\bBuffer\.|\b__dirname\b/;

describe('browser safety of core/dag', () => {
  it('uses no Node API in its own files', () => {
    const dir = new URL('../../src/dag/', import.meta.url);
    const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(10);
    for (const file of files)
      expect([file, NODE_ONLY.test(readFileSync(new URL(file, dir), 'utf8'))]).toEqual([file, false]);
  });

  it('relies on a croner build that uses no Node API', () => {
    const require = createRequire(new URL('../../package.json', import.meta.url));
    const croner = readFileSync(require.resolve('croner').replace(/\.cjs$/, '.js'), 'utf8');
    expect(croner).toContain('Intl.DateTimeFormat');
    expect(NODE_ONLY.test(croner)).toBe(false);
  });
});
