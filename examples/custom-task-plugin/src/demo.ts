/**
 * `npm start`: PostgreSQL (DATABASE_URL, or an embedded server in a temp dir), the PostgreSQL store, and
 * an engine with the `sql` task type running a three-step DAG whose steps are SQL statements.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { createEngine } from '@kontroler/core';
import { createPostgresStore, startEmbeddedPostgres } from '@kontroler/postgres';
import { sqlTaskPlugin } from './sql-task.js';

let url = process.env.DATABASE_URL;
let cleanup = async (): Promise<void> => {};
if (url === undefined) {
  const dataDir = await mkdtemp(join(os.tmpdir(), 'kontroler-sql-demo-'));
  const server = await startEmbeddedPostgres({ dataDir });
  url = server.url;
  cleanup = async () => {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}

const store = await createPostgresStore({ url });
const sql = sqlTaskPlugin({ connectionString: url });
const engine = createEngine({ store, plugins: [sql] });
await engine.registerDag({
  name: 'sql-demo',
  parameters: [{ name: 'REGION', defaultValue: 'eu' }],
  tasks: [
    {
      name: 'create',
      type: 'sql',
      with: { statement: 'create table if not exists demo_orders (region text, amount int)' },
    },
    {
      name: 'insert',
      type: 'sql',
      runAfter: ['create'],
      parameters: ['REGION'],
      with: { statement: 'insert into demo_orders values ($1, 10), ($1, 32)', params: [{ param: 'REGION' }] },
    },
    {
      name: 'report',
      type: 'sql',
      runAfter: ['insert'],
      with: { statement: 'select region, sum(amount)::int as total from demo_orders group by region' },
    },
  ],
});
engine.events.on('task.succeeded', ({ attempt }) => console.log(`task ${attempt.taskName} succeeded`));
await engine.start();
const run = await engine.submit('sql-demo');
const finished = await new Promise<string>((resolve) =>
  engine.events.on('run.finished', (e) => {
    if (e.run.id === run.id) resolve(e.run.state);
  }),
);
const report = (await engine.getRun(run.id))!.attempts.find((a) => a.taskName === 'report')!;
for (const line of await store.readLogs(report.id)) console.log(`  [${line.stream}] ${line.line}`);
console.log(`run ${run.id} ${finished}`);
await engine.stop();
await sql.close();
await store.close();
await cleanup();
