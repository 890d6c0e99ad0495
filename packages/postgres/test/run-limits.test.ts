/**
 * Run limits on PostgreSQL (docs/run-limits.md): two replicas, each a run service and a worker
 * on its own store (its own pool and LISTEN connection), take a burst of 1,000 submits of a DAG with
 * `maxActiveRuns: 4`. Every run finishes, and no two runs ever held one slot: checked by a task that
 * records, in the database, how many runs of the DAG hold a slot while it runs, and by the runs' own
 * start and finish times.
 */
import { afterAll, describe, expect, it } from 'vitest';
import {
  EngineEventBus,
  createRunService,
  createWorker,
  setUpPlugins,
  type RunService,
  type Runtime,
  type Worker,
} from '@kontroler/core';
import { createTestDatabase, type TestDatabase } from '@kontroler/postgres/testing';
import { createPostgresStore, type PostgresStore } from '@kontroler/postgres';

const LIMIT = 4;
const RUNS = 1000;
const databases: TestDatabase[] = [];

afterAll(async () => {
  await Promise.all(databases.map((db) => db.drop()));
});

interface Replica {
  readonly store: PostgresStore;
  readonly runs: RunService;
  readonly worker: Worker;
  readonly events: EngineEventBus;
}

/** A task that records how many runs of its DAG hold a slot while it runs. */
function slotRecorder(store: PostgresStore): Runtime {
  return {
    name: 'slots',
    async execute(context) {
      await store.sql(
        `insert into slot_samples (run_id, holding)
         select $1, count(*) from runs where namespace = 'default' and dag_name = 'limited'
            and state in ('pending', 'running')`,
        [context.runId],
      );
      return { status: 'succeeded', exitCode: 0, reason: 'Completed' };
    },
  };
}

async function replica(url: string, id: string): Promise<Replica> {
  const store = await createPostgresStore({ url, poolSize: 6 });
  const events = new EngineEventBus();
  const plugins = setUpPlugins({ events, runtimes: [slotRecorder(store)] });
  const runs = createRunService({ store, events, notifiers: plugins.notifiers });
  const worker = createWorker({
    runs,
    plugins,
    scheduler: false,
    workerId: id,
    concurrency: 8,
    pollIntervalMs: 200,
  });
  return { store, runs, worker, events };
}

describe('run limits on PostgreSQL', () => {
  it('two workers on two connections run a burst of 1,000 submits, never more than maxActiveRuns at once', async () => {
    const db = await createTestDatabase();
    databases.push(db);
    const replicas = [await replica(db.url, 'w1'), await replica(db.url, 'w2')];
    const [a] = replicas as [Replica, Replica];
    await a.store.sql('create table slot_samples (run_id text not null, holding int not null)');
    await a.runs.registerDag({
      name: 'limited',
      maxActiveRuns: LIMIT,
      tasks: [{ name: 'work', image: 'none', command: ['true'] }],
    });
    let finished = 0;
    const allDone = new Promise<void>((resolve) => {
      for (const { events } of replicas) {
        events.on('run.finished', () => {
          if (++finished === RUNS) resolve();
        });
      }
    });
    for (const { worker } of replicas) await worker.start();

    const started = Date.now();
    const submitted: string[] = [];
    for (let i = 0; i < RUNS; i += 50) {
      const batch = await Promise.all(
        Array.from({ length: 50 }, (_, j) => (replicas[(i + j) % 2] as Replica).runs.submit('limited')),
      );
      submitted.push(...batch.map((run) => run.id));
    }
    await allDone;
    const seconds = (Date.now() - started) / 1000;

    const [outcome] = await a.store.sql<{ succeeded: number; other: number }>(
      `select count(*) filter (where state = 'succeeded')::int as succeeded,
              count(*) filter (where state <> 'succeeded')::int as other
         from runs where dag_name = 'limited'`,
    );
    expect(outcome).toEqual({ succeeded: RUNS, other: 0 });
    const [samples] = await a.store.sql<{ n: number; peak: number }>(
      'select count(*)::int as n, max(holding)::int as peak from slot_samples',
    );
    expect(samples?.n).toBe(RUNS);
    expect(samples?.peak).toBeLessThanOrEqual(LIMIT);
    expect(samples?.peak).toBeGreaterThan(1);
    // Runs as intervals [started, finished): at no instant more than LIMIT overlap.
    const [overlap] = await a.store.sql<{ peak: number }>(
      `with edges as (
         select started_at as at, 1 as delta from runs where dag_name = 'limited'
         union all select finished_at, -1 from runs where dag_name = 'limited'
       )
       select max(open)::int as peak from (
         select sum(delta) over (order by at, delta rows unbounded preceding) as open from edges
       ) running`,
    );
    expect(overlap?.peak).toBeLessThanOrEqual(LIMIT);
    expect(new Set(submitted).size).toBe(RUNS);
    console.log(
      `run limits: ${RUNS} runs through maxActiveRuns ${LIMIT} on two workers in ${seconds.toFixed(1)} s`,
    );

    for (const { worker, runs, store } of replicas) {
      await worker.stop();
      await runs.close();
      await store.close();
    }
  }, 300_000);
});
