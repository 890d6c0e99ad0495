/**
 * The composition root of `npm start`: embedded PostgreSQL (or DATABASE_URL), migrations, the run service
 * and a worker with the container runtime (or the process runtime when no container engine answers) and
 * the webhook notifier, the API and the console's files, in one process. The parts are bound in a tsyringe
 * container by core's tokens and resolved from it after the start-up check (composition.ts).
 * With `KONTROLER_RUNTIME=none` (the API beside a controller) there is no worker here at all: the API
 * hosts the run service only. Production refuses the process runtime unless
 * KONTROLER_ALLOW_PROCESS_RUNTIME=true (runtime.ts).
 * Ctrl-C stops everything in reverse order.
 */
import { existsSync, mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { pino } from 'pino';
import { createChildContainer, type Runtime } from '@kontroler/core';
import { createWebhookNotifier, localSecretSource } from '@kontroler/plugins';
import { createPostgresStore, startEmbeddedPostgres, type EmbeddedPostgresHandle } from '@kontroler/postgres';
import { createApp } from './app.js';
import { ensureAdmin } from './bootstrap.js';
import { registerApiServices, resolveApiParts } from './composition.js';
import { ConfigError, loadConfig, type ApiConfig } from './config.js';
import { chooseRuntime } from './runtime.js';
import { AlreadyRunningError, claimInstance } from './instance-lock.js';

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

  // Before PostgreSQL: a second start on this data directory is told where the first one runs.
  mkdirSync(config.dataDir, { recursive: true });
  const instance = await claimInstance(config.dataDir);
  stops.push(['instance', async () => instance.release()]);

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
  // What the API tells users about the runtime: DAGs whose tasks name images get warnings when it ignores
  // them. With no runtime here a controller runs the tasks, in their images.
  let capabilities = { runtime: 'none', runsImages: true };
  let runtime: Runtime | undefined;
  if (config.runtime.mode === 'none') {
    // A controller executes: this process registers DAGs and submits, cancels and retries runs as
    // transactions on the store, with no worker, no claims, no timers, no scheduler, no outbox dispatch.
    process.stdout.write('runtime: none (KONTROLER_RUNTIME=none; a controller runs the tasks)\n');
  } else {
    // The one-process setup: a worker runs here too (production refuses the host-process runtime unless
    // asked to, see runtime.ts).
    const chosen = await chooseRuntime({
      config: config.runtime,
      dataDir: config.dataDir,
      store,
      logger,
      secretSource: secrets.source,
    });
    runtime = chosen.runtime;
    const closing = chosen.runtime;
    stops.push(['runtime', async () => closing.close?.()]);
    process.stdout.write(`${chosen.description}\n`);
    capabilities = { runtime: runtime.name, runsImages: runtime.name !== 'process' };
    if (config.env === 'production' && runtime.name === 'process') {
      logger.warn({}, 'running tasks as host processes in production');
    }
  }
  const container = createChildContainer();
  registerApiServices(container, {
    store,
    logger,
    ...(runtime ? { runtime, notifiers: [createWebhookNotifier()] } : {}),
  });
  const { runs, worker } = resolveApiParts(container, runtime !== undefined);
  stops.push(['run service', () => runs.close()]);
  if (worker !== undefined) {
    await worker.start();
    stops.push(['worker', () => worker.stop()]);
  }

  const password = await ensureAdmin(store.sql);
  const app = createApp({
    store,
    engine: runs,
    sql: store.sql,
    auth: { jwtSecret: config.jwtSecret, ...(config.oidc ? { oidc: config.oidc } : {}) },
    logger,
    consoleDir: config.consoleDir,
    runtime: capabilities,
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
  instance.listening(config.host, port);
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
  if (error instanceof AlreadyRunningError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  process.stderr.write(
    `Kontroler failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  await stopAll(() => undefined);
  process.exit(1);
});
