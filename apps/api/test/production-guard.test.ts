/**
 * The API as a process (`src/main.ts`, which `npm start` runs from its build) in production mode: it refuses
 * to run tasks as host processes unless KONTROLER_ALLOW_PROCESS_RUNTIME=true, and says so before it touches
 * a database.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const MAIN = join(ROOT, 'apps', 'api', 'src', 'main.ts');

function run(env: Record<string, string>) {
  const result = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', MAIN], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/root',
      DATA_DIR: mkdtempSync(join(tmpdir(), 'kontroler-guard-')),
      JWT_SECRET: 'x'.repeat(40),
      PORT: '0',
      // Nothing listens there: a process that gets past its configuration fails on the connection.
      DATABASE_URL: 'postgres://u:p@127.0.0.1:1/none',
      ...env,
    },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('API process in production', () => {
  it('refuses to start with the host-process runtime, naming the setting that allows it', () => {
    const modes: Array<Record<string, string>> = [
      { NODE_ENV: 'production', KONTROLER_RUNTIME: 'process' },
      { KONTROLER_ENV: 'production', KONTROLER_RUNTIME: 'process' },
    ];
    for (const mode of modes) {
      const { code, stderr, stdout } = run(mode);
      expect(code, stderr).toBe(1);
      expect(stdout).toBe('');
      expect(stderr).toContain('invalid configuration');
      expect(stderr).toContain('production mode refuses');
      expect(stderr).toContain('KONTROLER_ALLOW_PROCESS_RUNTIME=true');
    }
  });

  it('gets past the guard when allowed, or without a runtime, and fails only on the database', () => {
    const settings: Array<Record<string, string>> = [
      { KONTROLER_RUNTIME: 'process', KONTROLER_ALLOW_PROCESS_RUNTIME: 'true' },
      { KONTROLER_RUNTIME: 'none' },
    ];
    for (const env of settings) {
      const { code, stderr } = run({ NODE_ENV: 'production', ...env });
      expect(code, stderr).toBe(1);
      expect(stderr).not.toContain('production mode refuses');
      expect(stderr).toContain('Kontroler failed to start');
    }
  });
});
