/**
 * `npm start`: an express service with an embedded Kontroler engine. PostgreSQL comes from DATABASE_URL,
 * or an embedded server in ./.data is started for you.
 *
 *   curl -X POST localhost:3000/runs -H 'content-type: application/json' -d '{"dag":"hello"}'
 *   curl -N localhost:3000/runs/<id>/events
 */
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createEngine, createFunctionRuntime } from '@kontroler/core';
import { createProcessRuntime, envSecretSource } from '@kontroler/plugins';
import { createPostgresStore, startEmbeddedPostgres } from '@kontroler/postgres';
import { createApp } from './app.js';
import { hello } from './hello-workflow.js';

const port = Number(process.env.PORT ?? 3000);
let databaseUrl = process.env.DATABASE_URL;
let embedded: Awaited<ReturnType<typeof startEmbeddedPostgres>> | undefined;
if (databaseUrl === undefined) {
  const dataDir = resolve('.data/postgres');
  await mkdir(dataDir, { recursive: true });
  embedded = await startEmbeddedPostgres({ dataDir });
  databaseUrl = embedded.url;
  console.log(`embedded PostgreSQL ${embedded.version} on port ${embedded.port}`);
}

const store = await createPostgresStore({ url: databaseUrl });
const runtime = createProcessRuntime({
  secretSource: envSecretSource({ prefix: 'KONTROLER_SECRET_' }),
  concurrency: 4,
});
// Tasks without a `type` run as processes; the workflow's inline functions (`type: function`) run here.
const engine = createEngine({
  store,
  runtimes: [runtime, createFunctionRuntime([hello])],
  defaultRuntime: runtime.name,
});
await engine.registerDag(hello.toDocument());
await engine.start();

const server = createApp(engine).listen(port, () => console.log(`listening on http://localhost:${port}`));

async function shutdown(): Promise<void> {
  server.close();
  await engine.stop({ drain: true, timeoutMs: 10_000 });
  await runtime.close();
  await store.close();
  await embedded?.stop();
  process.exit(0);
}
process.once('SIGINT', () => void shutdown());
process.once('SIGTERM', () => void shutdown());
