/**
 * Secret sources: where `{fromSecret: name}` parameters, secret headers of HTTP tasks and webhook signing
 * secrets come from. A source is one method, so a vault client is a ten-line adapter.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ParameterValue } from '@kontroler/core';

/** Resolves a secret by name; rejects with `SecretNotFoundError` when there is none. */
export interface SecretSource {
  resolve(name: string): Promise<string>;
}

/** A secret was asked for by name and the source has none. Task runtimes turn it into reason `SecretNotFound`. */
export class SecretNotFoundError extends Error {
  override readonly name = 'SecretNotFoundError';
  constructor(
    readonly secret: string,
    readonly source: string,
  ) {
    super(`secret "${secret}" was not found in ${source}`);
  }
}

/** The outcome reason when a secret is missing (never retried: a retry would find it missing again). */
export const SECRET_NOT_FOUND = 'SecretNotFound';

export interface EnvSecretSourceOptions {
  /** Prepended to the secret's name: with `KONTROLER_SECRET_`, secret `token` is `KONTROLER_SECRET_token`. @default '' */
  readonly prefix?: string;
  /** The environment to read. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}

/** Secrets from environment variables named `<prefix><name>`. */
export function envSecretSource(options: EnvSecretSourceOptions = {}): SecretSource {
  const prefix = options.prefix ?? '';
  const env = options.env ?? process.env;
  return {
    resolve(name) {
      const value = env[`${prefix}${name}`];
      return value === undefined
        ? Promise.reject(new SecretNotFoundError(name, `environment variable ${prefix}${name}`))
        : Promise.resolve(value);
    },
  };
}

/** Secret names become file names: one path segment, nothing that climbs out of the directory. */
const SAFE_SECRET_NAME = /^[A-Za-z0-9._-]+$/;

/**
 * Secrets from a directory with one file per secret, as Kubernetes mounts a Secret: the file name is the
 * secret's name, its content the value (one trailing newline is trimmed). Files are read on every resolve,
 * so rotated secrets are picked up.
 */
export function fileSecretSource(dir: string): SecretSource {
  return {
    async resolve(name) {
      if (!SAFE_SECRET_NAME.test(name) || name === '.' || name === '..') {
        throw new SecretNotFoundError(name, `directory ${dir} (not a valid file name)`);
      }
      try {
        const text = await readFile(join(dir, name), 'utf8');
        return text.replace(/\r?\n$/, '');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
          throw new SecretNotFoundError(name, `directory ${dir}`);
        }
        throw error;
      }
    },
  };
}

/** Tries each source in turn; the first that has the secret wins. */
export function chainSecretSources(...sources: readonly SecretSource[]): SecretSource {
  return {
    async resolve(name) {
      for (const source of sources) {
        try {
          return await source.resolve(name);
        } catch (error) {
          if (!(error instanceof SecretNotFoundError)) throw error;
        }
      }
      throw new SecretNotFoundError(name, `any of ${sources.length} sources`);
    },
  };
}

/** A source with no secrets: the default, so a `fromSecret` with no source configured fails clearly. */
export const noSecrets: SecretSource = {
  resolve: (name) => Promise.reject(new SecretNotFoundError(name, 'no secret source (none configured)')),
};

/** Resolves literal and secret parameter values to plain strings. */
export async function resolveParameters(
  parameters: Readonly<Record<string, ParameterValue>>,
  source: SecretSource,
): Promise<Record<string, string>> {
  const entries = await Promise.all(
    Object.entries(parameters).map(
      async ([name, value]) =>
        [name, 'value' in value ? value.value : await source.resolve(value.fromSecret)] as const,
    ),
  );
  return Object.fromEntries(entries);
}
