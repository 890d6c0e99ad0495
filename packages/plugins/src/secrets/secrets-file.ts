/**
 * A secrets file: the secret source of the one-process setup (`npm start`), kept in the data directory
 * and managed by admins through the API. One JSON document, readable by its owner only (mode 0600): a file
 * found wider is narrowed and a warning logged. Writes replace the file atomically (write, then rename), so
 * a crash never leaves half a file; values never appear in errors or logs.
 */
import { randomBytes } from 'node:crypto';
import { chmod, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { silentLogger, type Logger } from '@kontroler/core';
import { chainSecretSources, envSecretSource, SecretNotFoundError, type SecretSource } from './index.js';

/** The file's mode: read and write for its owner, nothing for anyone else. */
export const SECRETS_FILE_MODE = 0o600;

/** Secret names: what a Kubernetes Secret may be named, so a DAG works the same under both runtimes. */
export const SECRET_NAME_PATTERN = /^[A-Za-z0-9]([A-Za-z0-9._-]{0,251}[A-Za-z0-9])?$/;

/** A stored secret without its value. */
export interface SecretEntry {
  readonly name: string;
  /** Epoch ms of the last `set`. */
  readonly updatedAt: number;
}

export interface SecretsFile extends SecretSource {
  /** The file's path. */
  readonly path: string;
  /** `secrets file <path>`, as errors and the API name it. */
  readonly description: string;
  /** Every stored secret's name and time of change, sorted by name; never the values. */
  list(): Promise<SecretEntry[]>;
  /** Stores or replaces a secret. Rejects a name outside `SECRET_NAME_PATTERN` with a `RangeError`. */
  set(name: string, value: string): Promise<SecretEntry>;
  /** Removes a secret; false when there was none. */
  delete(name: string): Promise<boolean>;
}

export interface SecretsFileOptions {
  /** Told when the file's mode was wider than 0600 and was narrowed. @default silentLogger */
  readonly logger?: Logger;
  /** Milliseconds since the epoch, for `updatedAt`. @default Date.now */
  readonly now?: () => number;
}

interface Stored {
  readonly value: string;
  readonly updatedAt: number;
}

interface Document {
  readonly version: 1;
  readonly secrets: Record<string, Stored>;
}

function isStored(value: unknown): value is Stored {
  const v = value as Partial<Stored> | null;
  return (
    typeof v === 'object' && v !== null && typeof v.value === 'string' && typeof v.updatedAt === 'number'
  );
}

/** The secrets file at `path` (created on the first `set`; a missing file holds no secrets). */
export function secretsFile(path: string, options: SecretsFileOptions = {}): SecretsFile {
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? Date.now;
  // Writes are read-modify-write: one at a time, in order.
  let writes: Promise<unknown> = Promise.resolve();

  async function read(): Promise<Document> {
    let text: string;
    try {
      const info = await stat(path);
      if ((info.mode & 0o077) !== 0) {
        await chmod(path, SECRETS_FILE_MODE);
        logger.warn(
          { path, mode: (info.mode & 0o777).toString(8) },
          `secrets file ${path} was readable by others (mode ${(info.mode & 0o777).toString(8)}); narrowed to 600`,
        );
      }
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, secrets: {} };
      throw error;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Never quote the content: it holds secrets.
      throw new Error(`secrets file ${path} is not valid JSON; fix or remove it`);
    }
    const secrets = (parsed as { secrets?: unknown } | null)?.secrets;
    if (typeof secrets !== 'object' || secrets === null || Array.isArray(secrets)) {
      throw new Error(`secrets file ${path} has no "secrets" object; fix or remove it`);
    }
    const valid: Record<string, Stored> = {};
    for (const [name, stored] of Object.entries(secrets)) if (isStored(stored)) valid[name] = stored;
    return { version: 1, secrets: valid };
  }

  async function write(doc: Document): Promise<void> {
    const temp = join(dirname(path), `.secrets-${randomBytes(6).toString('hex')}.tmp`);
    try {
      await writeFile(temp, `${JSON.stringify(doc, null, 2)}\n`, { mode: SECRETS_FILE_MODE, flag: 'wx' });
      await rename(temp, path);
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      throw error;
    }
  }

  function serialized<T>(change: () => Promise<T>): Promise<T> {
    const result = writes.then(change, change);
    writes = result.catch(() => undefined);
    return result;
  }

  return {
    path,
    description: `secrets file ${path}`,

    async resolve(name) {
      const { secrets } = await read();
      const stored = Object.hasOwn(secrets, name) ? secrets[name] : undefined;
      if (stored === undefined) throw new SecretNotFoundError(name, `secrets file ${path}`);
      return stored.value;
    },

    async list() {
      const { secrets } = await read();
      return Object.entries(secrets)
        .map(([name, stored]) => ({ name, updatedAt: stored.updatedAt }))
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    },

    set(name, value) {
      if (!SECRET_NAME_PATTERN.test(name)) {
        return Promise.reject(
          new RangeError(
            `secret name "${name}" is not valid: 1-253 letters, digits, ".", "_" or "-", starting and ending with a letter or digit`,
          ),
        );
      }
      return serialized(async () => {
        const doc = await read();
        const entry = { name, updatedAt: now() };
        await write({
          version: 1,
          secrets: { ...doc.secrets, [name]: { value, updatedAt: entry.updatedAt } },
        });
        return entry;
      });
    },

    delete(name) {
      return serialized(async () => {
        const doc = await read();
        if (!Object.hasOwn(doc.secrets, name)) return false;
        const secrets = { ...doc.secrets };
        delete secrets[name];
        await write({ version: 1, secrets });
        return true;
      });
    },
  };
}

/** Where `localSecretSource` looks, as documented for `npm start`. */
export const SECRETS_FILE_NAME = 'secrets.json';
export const SECRET_ENV_PREFIX = 'KONTROLER_SECRET_';

export interface LocalSecrets {
  /** Environment variables first (`KONTROLER_SECRET_<name>` or `KONTROLER_SECRET_<NAME>`), then the file. */
  readonly source: SecretSource;
  /** The secrets file in the data directory, which the API manages. */
  readonly file: SecretsFile;
}

/** The secret source of the one-process setup: `KONTROLER_SECRET_*` variables, then `<dataDir>/secrets.json`. */
export function localSecretSource(
  dataDir: string,
  options: SecretsFileOptions & { readonly env?: NodeJS.ProcessEnv } = {},
): LocalSecrets {
  const file = secretsFile(join(dataDir, SECRETS_FILE_NAME), options);
  const env = envSecretSource({
    prefix: SECRET_ENV_PREFIX,
    upperCase: true,
    ...(options.env === undefined ? {} : { env: options.env }),
  });
  return { source: chainSecretSources(env, file), file };
}
