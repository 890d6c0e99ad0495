/**
 * The executable as users run it: `bin/kontroler.js` with plain node, which in the monorepo builds what is
 * stale first and then runs the compiled CLI (no TypeScript loader involved).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtures, repoRoot } from './helpers.js';

const bin = join(repoRoot, 'packages/cli/bin/kontroler.js');

describe('the kontroler executable', () => {
  it('runs the built CLI with plain node and exits with the command’s status', { timeout: 600_000 }, () => {
    const ok = spawnSync(process.execPath, [bin, 'lint', join(fixtures, 'hello.yaml')], { encoding: 'utf8' });
    expect(ok.stderr).toMatch(/1 file checked: 0 errors, 0 warnings\n$/);
    expect(ok.status).toBe(0);
    const bad = spawnSync(process.execPath, [bin, 'lint', join(fixtures, 'broken.dsl')], {
      encoding: 'utf8',
    });
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain('b.parameters[0]  task "b" uses parameter "missing", which is not declared');
    const usage = spawnSync(process.execPath, [bin, 'lint'], { encoding: 'utf8' });
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain("error: missing required argument 'paths'");
  });
});
