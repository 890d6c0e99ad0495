/** main.ts as a process: --help, configuration errors (exit 2, every problem listed), start-up errors (exit 1). */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OPTIONS } from '../src/config.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const MAIN = join(ROOT, 'apps', 'controller', 'src', 'main.ts');

function run(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', MAIN, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('controller process', () => {
  it('prints every setting on --help and exits 0', () => {
    const { code, stdout } = run(['--help']);
    expect(code).toBe(0);
    for (const option of OPTIONS) expect(stdout).toContain(option.env);
    expect(stdout).toMatch(/^usage: kontroler-controller/m);
  });

  it('lists every configuration problem and exits 2', () => {
    const { code, stderr, stdout } = run([], {
      KONTROLER_RUNTIME: 'docker',
      KONTROLER_CONCURRENCY: 'lots',
      KONTROLER_METRICS_PORT: '-1',
    });
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.split('\n').filter((l) => l.startsWith('  - '))).toEqual([
      expect.stringContaining('DATABASE_URL is required'),
      '  - KONTROLER_RUNTIME must be one of kubernetes, process, got "docker"',
      '  - KONTROLER_CONCURRENCY must be a whole number, got "lots"',
      '  - KONTROLER_METRICS_PORT must be at least 0, got -1',
    ]);
  });

  it('refuses a plugin that cannot be loaded with a clear message and exit 1', () => {
    const { code, stderr } = run([], {
      DATABASE_URL: 'postgres://u:p@127.0.0.1:1/none',
      KONTROLER_RUNTIME: 'process',
      KONTROLER_LEADER_ELECTION: 'none',
      KONTROLER_PLUGINS: '@kontroler/not-installed',
    });
    expect(code).toBe(1);
    expect(stderr).toContain('(PLUGIN_NOT_FOUND)');
    expect(stderr).toContain('plugin "@kontroler/not-installed" could not be loaded');
  });

  it('refuses to run tasks as host processes in production unless allowed, naming the setting', () => {
    const env = {
      DATABASE_URL: 'postgres://u:p@127.0.0.1:1/none',
      KONTROLER_RUNTIME: 'process',
      KONTROLER_LEADER_ELECTION: 'none',
      NODE_ENV: 'production',
    };
    const refused = run([], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('production mode refuses');
    expect(refused.stderr).toContain('KONTROLER_ALLOW_PROCESS_RUNTIME=true');
    // Allowed, it gets past the configuration: it fails on the next step, loading a plugin that is absent.
    const allowed = run([], {
      ...env,
      KONTROLER_ALLOW_PROCESS_RUNTIME: 'true',
      KONTROLER_PLUGINS: '@kontroler/not-installed',
    });
    expect(allowed.code).toBe(1);
    expect(allowed.stderr).toContain('(PLUGIN_NOT_FOUND)');
    expect(allowed.stderr).not.toContain('production mode refuses');
  });
});
