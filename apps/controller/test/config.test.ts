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
});
