/**
 * The one-process secret source (issue 15: `defaultFromSecret` always failed under `npm start` with "was not
 * found in no secret source (none configured)"): a 0600 secrets file in the data directory, managed by the
 * API, and `KONTROLER_SECRET_*` variables.
 */
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import type { Logger } from '@kontroler/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { noSecrets, resolveParameters, SecretNotFoundError } from '../src/secrets/index.js';
import { localSecretSource, secretsFile } from '../src/secrets/secrets-file.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(os.tmpdir(), 'kontroler-secrets-file-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  const ignore = () => {};
  const logger = {
    warnings,
    debug: ignore,
    info: ignore,
    error: ignore,
    warn: (_fields: unknown, message?: string) => warnings.push(message ?? ''),
    child: () => logger,
  };
  return logger as unknown as Logger & { warnings: string[] };
}

const mode = async (path: string) => (await stat(path)).mode & 0o777;

describe('secretsFile', () => {
  it('sets, lists (names only), resolves and deletes secrets in a file of mode 0600', async () => {
    let clock = 1000;
    const file = secretsFile(join(dir, 'secrets.json'), { now: () => clock++ });
    expect(await file.list()).toEqual([]);
    await file.set('etl-token', 'tok-1');
    await file.set('db.password', 'pw');
    await file.set('etl-token', 'tok-2');
    expect(await mode(file.path)).toBe(0o600);
    expect(await file.list()).toEqual([
      { name: 'db.password', updatedAt: 1001 },
      { name: 'etl-token', updatedAt: 1002 },
    ]);
    await expect(file.resolve('etl-token')).resolves.toBe('tok-2');
    expect(await file.delete('etl-token')).toBe(true);
    expect(await file.delete('etl-token')).toBe(false);
    await expect(file.resolve('etl-token')).rejects.toBeInstanceOf(SecretNotFoundError);
    expect(await mode(file.path)).toBe(0o600);
  });

  it('keeps every one of many concurrent sets', async () => {
    const file = secretsFile(join(dir, 'secrets.json'));
    await Promise.all(Array.from({ length: 20 }, (_, i) => file.set(`s${i}`, `v${i}`)));
    expect((await file.list()).map((e) => e.name)).toHaveLength(20);
    await expect(file.resolve('s7')).resolves.toBe('v7');
  });

  it('narrows a file readable by others to 0600 and warns, without logging values', async () => {
    const path = join(dir, 'secrets.json');
    await writeFile(path, JSON.stringify({ version: 1, secrets: { a: { value: 'hush', updatedAt: 1 } } }));
    await chmod(path, 0o644);
    const logger = recordingLogger();
    const file = secretsFile(path, { logger });
    await expect(file.resolve('a')).resolves.toBe('hush');
    expect(await mode(path)).toBe(0o600);
    expect(logger.warnings).toEqual([expect.stringContaining('was readable by others (mode 644)')]);
    expect(logger.warnings.join()).not.toContain('hush');
  });

  it('refuses invalid names, and never quotes a broken file’s content', async () => {
    const file = secretsFile(join(dir, 'secrets.json'));
    await expect(file.set('../escape', 'x')).rejects.toThrow(/secret name "..\/escape" is not valid/);
    await expect(file.set('', 'x')).rejects.toBeInstanceOf(RangeError);
    await writeFile(file.path, '{"secrets": {"a": "hush"', { mode: 0o600 });
    const error = await file.list().catch((e: unknown) => e as Error);
    expect(String(error)).toContain('is not valid JSON');
    expect(String(error)).not.toContain('hush');
  });
});

describe('localSecretSource', () => {
  it('reads KONTROLER_SECRET_<name> and KONTROLER_SECRET_<NAME> before the secrets file', async () => {
    const { source, file } = localSecretSource(dir, {
      env: { KONTROLER_SECRET_ETL_TOKEN: 'from-env', 'KONTROLER_SECRET_exact-name': 'exact' },
    });
    await file.set('etl-token', 'from-file');
    await file.set('only-file', 'file-value');
    expect(file.path).toBe(join(dir, 'secrets.json'));
    await expect(
      resolveParameters(
        { a: { fromSecret: 'etl-token' }, b: { fromSecret: 'exact-name' }, c: { fromSecret: 'only-file' } },
        source,
      ),
    ).resolves.toEqual({ a: 'from-env', b: 'exact', c: 'file-value' });
    expect(JSON.parse(await readFile(file.path, 'utf8')).secrets['etl-token'].value).toBe('from-file');
  });

  it('names the secret and every source tried when it is missing', async () => {
    const { source } = localSecretSource(dir, { env: {} });
    const error = (await source.resolve('etl-token').catch((e: unknown) => e)) as SecretNotFoundError;
    expect(error).toBeInstanceOf(SecretNotFoundError);
    expect(error.message).toBe(
      `secret "etl-token" was not found (tried environment variable KONTROLER_SECRET_etl-token or ` +
        `KONTROLER_SECRET_ETL_TOKEN; secrets file ${join(dir, 'secrets.json')})`,
    );
    expect(error.tried).toHaveLength(2);
  });

  it('says plainly when no source is configured', async () => {
    await expect(noSecrets.resolve('x')).rejects.toThrow(
      'secret "x" was not found (tried no secret source: none is configured for this runtime)',
    );
  });
});
