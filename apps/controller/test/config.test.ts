import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OPTIONS, helpText, loadConfig } from '../src/config.js';

const base = { DATABASE_URL: 'postgres://u:p@localhost:5432/k' };

describe('controller configuration', () => {
  it('applies documented defaults', () => {
    const result = loadConfig(base, [], { identity: 'pod-a' });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config).toMatchObject({
      runtime: 'kubernetes',
      namespaces: ['default'],
      concurrency: 50,
      leaderLeaseSeconds: 15,
      metricsPort: 9090,
      plugins: [],
      identity: 'pod-a',
    });
  });

  it('catches up one missed cron tick by default, more when KONTROLER_CRON_MAX_CATCH_UP says so', () => {
    const byDefault = loadConfig(base);
    expect(byDefault.ok && byDefault.config.cronMaxCatchUp).toBe(1);
    const more = loadConfig({ ...base, KONTROLER_CRON_MAX_CATCH_UP: '12' });
    expect(more.ok && more.config.cronMaxCatchUp).toBe(12);
    expect(loadConfig({ ...base, KONTROLER_CRON_MAX_CATCH_UP: '0' })).toEqual({
      ok: false,
      problems: ['KONTROLER_CRON_MAX_CATCH_UP must be at least 1, got 0'],
    });
  });

  it('lists every problem at once, naming the variable', () => {
    const result = loadConfig({
      KONTROLER_RUNTIME: 'docker',
      KONTROLER_CONCURRENCY: 'many',
      KONTROLER_LEADER_LEASE_SECONDS: '1',
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual([
      expect.stringContaining('DATABASE_URL is required'),
      'KONTROLER_RUNTIME must be one of kubernetes, process, got "docker"',
      'KONTROLER_CONCURRENCY must be a whole number, got "many"',
      'KONTROLER_LEADER_LEASE_SECONDS must be at least 2, got 1',
    ]);
  });

  it('reads a YAML file under the environment, and rejects unknown keys', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kctl-'));
    const file = join(dir, 'c.yaml');
    writeFileSync(file, 'concurrency: 7\nnamespaces: [a, b]\nruntime: process\n');
    const result = loadConfig({ ...base, KONTROLER_RUNTIME: 'kubernetes' }, ['--config', file]);
    expect(result.ok && result.config).toMatchObject({
      concurrency: 7,
      namespaces: ['a', 'b'],
      runtime: 'kubernetes',
    });

    writeFileSync(file, 'concurency: 7\n');
    const bad = loadConfig(base, ['--config', file]);
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.problems).toEqual([`config file ${file}: unknown setting "concurency"`]);
  });

  it('prints every setting in --help with its default', () => {
    const text = helpText();
    for (const option of OPTIONS) expect(text).toContain(option.env);
    expect(text).toMatch(/KONTROLER_CONCURRENCY\s+.*\(default 50\)/);
    expect(text).toMatch(/DATABASE_URL\s+.*\(required\)/);
  });

  describe('the process runtime in production', () => {
    const processRuntime = { ...base, KONTROLER_RUNTIME: 'process' };
    const refusal = expect.stringMatching(
      /^KONTROLER_RUNTIME is "process".*production mode refuses.*KONTROLER_ALLOW_PROCESS_RUNTIME=true/,
    );

    it('is refused with KONTROLER_ENV=production, naming the setting that allows it', () => {
      const result = loadConfig({ ...processRuntime, KONTROLER_ENV: 'production' });
      expect(result).toEqual({ ok: false, problems: [refusal] });
    });

    it('is refused with NODE_ENV=production when KONTROLER_ENV is unset', () => {
      const result = loadConfig({ ...processRuntime, NODE_ENV: 'production' });
      expect(result).toEqual({ ok: false, problems: [refusal] });
      // KONTROLER_ENV wins over NODE_ENV.
      const development = loadConfig({
        ...processRuntime,
        NODE_ENV: 'production',
        KONTROLER_ENV: 'development',
      });
      expect(development.ok && development.config.environment).toBe('development');
    });

    it('is allowed in production by KONTROLER_ALLOW_PROCESS_RUNTIME=true, and always in development', () => {
      const allowed = loadConfig({
        ...processRuntime,
        KONTROLER_ENV: 'production',
        KONTROLER_ALLOW_PROCESS_RUNTIME: 'true',
      });
      expect(allowed.ok && allowed.config).toMatchObject({
        runtime: 'process',
        environment: 'production',
        allowProcessRuntime: true,
      });
      expect(loadConfig(processRuntime).ok).toBe(true);
      const notAllowed = loadConfig({
        ...processRuntime,
        KONTROLER_ENV: 'production',
        KONTROLER_ALLOW_PROCESS_RUNTIME: 'false',
      });
      expect(notAllowed.ok).toBe(false);
    });

    it("leaves the Kubernetes runtime alone in production, and checks the setting's values", () => {
      expect(loadConfig({ ...base, KONTROLER_ENV: 'production' }).ok).toBe(true);
      const bad = loadConfig({ ...base, KONTROLER_ENV: 'prod', KONTROLER_ALLOW_PROCESS_RUNTIME: 'yes' });
      expect(bad.ok || bad.problems).toEqual([
        'KONTROLER_ALLOW_PROCESS_RUNTIME must be true or false, got "yes"',
        'KONTROLER_ENV must be one of production, development, got "prod"',
      ]);
    });
  });
});
