import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  chainSecretSources,
  envSecretSource,
  fileSecretSource,
  resolveParameters,
  SecretNotFoundError,
} from '../src/secrets/index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(os.tmpdir(), 'kontroler-secrets-'));
  await writeFile(join(dir, 'db-password'), 's3cret\n');
  await writeFile(join(dir, 'multi'), 'line1\nline2\n\n');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('envSecretSource', () => {
  it('reads <prefix><name> from the environment', async () => {
    const source = envSecretSource({ prefix: 'KS_', env: { KS_token: 'abc', token: 'wrong' } });
    await expect(source.resolve('token')).resolves.toBe('abc');
  });

  it('rejects with SecretNotFoundError naming the secret', async () => {
    const error = await envSecretSource({ env: {} })
      .resolve('nope')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretNotFoundError);
    expect((error as SecretNotFoundError).secret).toBe('nope');
  });
});

describe('fileSecretSource', () => {
  it('reads one file per secret and trims one trailing newline only', async () => {
    const source = fileSecretSource(dir);
    await expect(source.resolve('db-password')).resolves.toBe('s3cret');
    await expect(source.resolve('multi')).resolves.toBe('line1\nline2\n');
  });

  it('rejects missing secrets and names that would leave the directory', async () => {
    const source = fileSecretSource(dir);
    await expect(source.resolve('missing')).rejects.toBeInstanceOf(SecretNotFoundError);
    await expect(source.resolve('../etc/passwd')).rejects.toBeInstanceOf(SecretNotFoundError);
    await expect(source.resolve('..')).rejects.toBeInstanceOf(SecretNotFoundError);
  });
});

describe('resolveParameters and chainSecretSources', () => {
  it('resolves literals and secrets, trying sources in order', async () => {
    const source = chainSecretSources(envSecretSource({ env: { a: 'from-env' } }), fileSecretSource(dir));
    await expect(
      resolveParameters(
        { A: { fromSecret: 'a' }, B: { fromSecret: 'db-password' }, C: { value: 'lit' } },
        source,
      ),
    ).resolves.toEqual({ A: 'from-env', B: 's3cret', C: 'lit' });
    await expect(resolveParameters({ X: { fromSecret: 'none' } }, source)).rejects.toBeInstanceOf(
      SecretNotFoundError,
    );
  });
});
