/**
 * The composition root of `npm start`: embedded PostgreSQL (or DATABASE_URL), migrations, the engine with
 * the process runtime and the webhook notifier, the API and the console's files, in one process.
 * Ctrl-C stops everything in reverse order.
 */
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { pino } from 'pino';
import { createEngine } from '@kontroler/core';
import { createProcessRuntime, createWebhookNotifier, localSecretSource } from '@kontroler/plugins';
import { createPostgresStore, startEmbeddedPostgres, type EmbeddedPostgresHandle } from '@kontroler/postgres';
import { createApp } from './app.js';
import { ensureAdmin } from './bootstrap.js';
import { ConfigError, loadConfig, type ApiConfig } from './config.js';

/** What has started so far, stopped in reverse order on shutdown or a failed start. */
const stops: Array<[string, () => Promise<void>]> = [];

async function stopAll(onError: (name: string, error: unknown) => void): Promise<void> {
  for (const [name, stop] of stops.splice(0).reverse()) {
    try {
      await stop();
    } catch (error) {
      onError(name, error);
    }
  }
}

async function main(): Promise<void> {
  let config: ApiConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  // Logs go to stderr; stdout carries the few lines meant for the person who ran `npm start`.
  const logger = pino({ level: config.logLevel }, pino.destination(2));

  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    await stopAll((name, error) => logger.error({ err: error, part: name }, 'stop failed'));
    process.stdout.write('Kontroler stopped.\n');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  let url = config.databaseUrl;
  if (url === undefined) {
    const pg: EmbeddedPostgresHandle = await startEmbeddedPostgres({
      dataDir: join(config.dataDir, 'postgres'),
      onLog: (message) => logger.debug({ postgres: message }),
    });
    stops.push(['postgres', () => pg.stop()]);
    url = pg.url;
    logger.info({ port: pg.port, dataDir: config.dataDir }, 'embedded PostgreSQL started');
  }
  const store = await createPostgresStore({ url, applicationName: 'kontroler' });
  stops.push(['store', () => store.close()]);

  // Secrets for `defaultFromSecret`/`fromSecret`: KONTROLER_SECRET_* variables, then <dataDir>/secrets.json
  // (mode 0600, managed by admins through /api/v1/secrets and the console).
  const secrets = localSecretSource(config.dataDir, { logger });
  const runtime = createProcessRuntime({
    logger,
    workDir: join(config.dataDir, 'runs'),
    secretSource: secrets.source,
  });
  stops.push(['runtime', () => runtime.close()]);
  const engine = createEngine({
    store,
    runtimes: [runtime],
    notifiers: [createWebhookNotifier()],
    logger,
  });
  await engine.start();
  stops.push(['engine', () => engine.stop()]);

  const password = await ensureAdmin(store.sql);
  const app = createApp({
    store,
    engine,
    sql: store.sql,
    auth: { jwtSecret: config.jwtSecret, ...(config.oidc ? { oidc: config.oidc } : {}) },
    logger,
    consoleDir: config.consoleDir,
    // The process runtime runs commands on this host: DAGs whose tasks name images get warnings.
    runtime: { runtime: runtime.name, runsImages: false },
    secrets: secrets.file,
  });
  stops.push(['app', async () => app.dispose()]);
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(config.port, config.host, (error?: Error) => (error ? reject(error) : resolve(s)));
  });
  stops.push([
    'http',
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  ]);
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  if (password !== undefined) {
    process.stdout.write(
      `Created user "admin" with the one-time password: ${password}\n` +
        '(shown only now; you must change it at the first login)\n',
    );
  }
  process.stdout.write(`Kontroler is running at http://localhost:${port}\n`);
  if (!existsSync(join(config.consoleDir, 'index.html'))) {
    process.stdout.write(
      `(no console build in ${config.consoleDir}: the API answers, the web console is off)\n`,
    );
  }
}

main().catch(async (error: unknown) => {
  process.stderr.write(
    `Kontroler failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  await stopAll(() => undefined);
  process.exit(1);
});
