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

/**
 * A secret was asked for by name and no source has it. The message names the secret and every place that
 * was looked in; task runtimes turn it into reason `SecretNotFound`.
 */
export class SecretNotFoundError extends Error {
  override readonly name = 'SecretNotFoundError';
  /** Every place looked in, in order (one for a single source). */
  readonly tried: readonly string[];
  constructor(
    readonly secret: string,
    /** Where it was looked for, e.g. `environment variable KONTROLER_SECRET_TOKEN`. */
    readonly source: string,
    tried: readonly string[] = [source],
  ) {
    super(`secret "${secret}" was not found (tried ${tried.join('; ')})`);
    this.tried = tried;
  }
}

/** The outcome reason when a secret is missing (never retried: a retry would find it missing again). */
export const SECRET_NOT_FOUND = 'SecretNotFound';

export interface EnvSecretSourceOptions {
  /** Prepended to the secret's name: with `KONTROLER_SECRET_`, secret `token` is `KONTROLER_SECRET_token`. @default '' */
  readonly prefix?: string;
  /** The environment to read. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Also try the upper-cased, shell-safe name (`envSecretSuffix`). @default false */
  readonly upperCase?: boolean;
}

/**
 * Secrets from environment variables named `<prefix><name>`, or — when that is not set and
 * `upperCase` is on — `<prefix><NAME>` with the name upper-cased and every character other than a letter
 * or digit made `_` (secret `etl-token` → `KONTROLER_SECRET_ETL_TOKEN`), since shells cannot set `-`.
 */
export function envSecretSource(options: EnvSecretSourceOptions = {}): SecretSource {
  const prefix = options.prefix ?? '';
  const env = options.env ?? process.env;
  return {
    resolve(name) {
      const names = [`${prefix}${name}`];
      const shell = `${prefix}${envSecretSuffix(name)}`;
      if (options.upperCase === true && shell !== names[0]) names.push(shell);
      for (const key of names) {
        const value = env[key];
        if (value !== undefined) return Promise.resolve(value);
      }
      return Promise.reject(new SecretNotFoundError(name, `environment variable ${names.join(' or ')}`));
    },
  };
}

/** The shell-safe form of a secret name in an environment variable: `etl-token` → `ETL_TOKEN`. */
export function envSecretSuffix(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
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

/**
 * Tries each source in turn; the first that has the secret wins. When none has it, the error lists every
 * place each source looked in.
 */
export function chainSecretSources(...sources: readonly SecretSource[]): SecretSource {
  return {
    async resolve(name) {
      const tried: string[] = [];
      for (const source of sources) {
        try {
          return await source.resolve(name);
        } catch (error) {
          if (!(error instanceof SecretNotFoundError)) throw error;
          tried.push(...error.tried);
        }
      }
      throw new SecretNotFoundError(name, tried.join('; ') || 'no secret source', tried);
    },
  };
}

/** A source with no secrets: the default, so a `fromSecret` with no source configured fails clearly. */
export const noSecrets: SecretSource = {
  resolve: (name) =>
    Promise.reject(new SecretNotFoundError(name, 'no secret source: none is configured for this runtime')),
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
