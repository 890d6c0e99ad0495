/**
 * `npm run bench -- postgres`: the PostgreSQL store under the real engine, on one PostgreSQL server
 * (embedded, or DATABASE_URL's), each measurement in a database of its own.
 *
 * - throughput: no-op tasks (instant runtime) through the engine + store, completions per second, next to
 *   graphile-worker 0.16.6 running the same number of no-op jobs on the same server in the same run;
 * - dependency→start latency on a 1,000-task chain: from a task's end to its successor's start;
 *   graphile-worker 0.16.6 doing the same chain (each job adds the next) on the same server;
 * - the same on a 10,000-task chain, against the 1,000-task chain's: a step must not cost more in a larger
 *   run (its first and last 1,000 steps in the note);
 * - a keyset page of 50 runs out of 1,000,000 rows (inserted with generate_series).
 *
 * Every row runs with PostgreSQL's default durable setting, `synchronous_commit=on` (every commit waits for
 * its WAL flush), as users run it. The throughput rows are then repeated, labelled "relaxed", in databases
 * set to `synchronous_commit=off` (an OS crash may lose the last few hundred ms of commits; a process crash
 * loses nothing).
 *
 * Options: `--tasks=N` throughput tasks (default 5000), `--chain=N` chain length (default 1000),
 * `--long-chain=N` the growth row's chain (default 10000, 0 skips it), `--only=chain` the chain rows only,
 * `--rows=N` keyset rows (default 1000000), `--no-relaxed` skips the relaxed rows, `--graphile-concurrency=N`
 * graphile-worker's workers in the throughput rows (default 16, the Kontroler store's pool size),
 * `--no-profile` skips the CPU profiles taken when a chain row misses its target (saved under bench/results/).
 */
import { rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { Logger, run as runGraphile } from 'graphile-worker';
import { createEngine, type Runtime, type TaskOutcome } from '@kontroler/core';
import { createPostgresStore, startEmbeddedPostgres, type PostgresStore } from '@kontroler/postgres';
import { profileInProcess } from './lib/cpu-profile.js';
import { percentile, printMachine, printTable, versusAnchor, type BenchRow } from './lib/report.js';

const arg = (name: string, fallback: number): number => {
  const found = process.argv.find((a) => a.startsWith(`--${name}=`));
  return found ? Number(found.split('=')[1]) : fallback;
};
const TASKS = arg('tasks', 5000);
const CHAIN = arg('chain', 1000);
const LONG_CHAIN = arg('long-chain', 10_000);
/** Steps compared at each end of the long chain. */
const ENDS = 1000;
const CHAIN_ONLY = process.argv.includes('--only=chain');
const ROWS = arg('rows', 1_000_000);
const RELAXED = !process.argv.includes('--no-relaxed');
const PROFILE = !process.argv.includes('--no-profile');
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** The server keeps PostgreSQL's durable default; only the databases of the relaxed rows turn it off. */
const SETTINGS = {
  synchronous_commit: 'on',
  max_connections: '200',
  shared_buffers: '256MB',
};

const succeeded: TaskOutcome = { status: 'succeeded', exitCode: 0, reason: 'Completed' };
const fmt = (n: number, digits = 1): string => n.toFixed(digits);
/** This process's CPU seconds (user + system) since `before`; PostgreSQL's own CPU is not included. */
const cpuTime = (before: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1e6;
};

/** A fresh database `name`; `relaxed` sets its `synchronous_commit` to off for every connection to it. */
async function withDatabase(serverUrl: string, name: string, relaxed = false): Promise<string> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`drop database if exists "${name}" with (force)`);
    await admin.query(`create database "${name}"`);
    if (relaxed) await admin.query(`alter database "${name}" set synchronous_commit = off`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** What a throughput measurement found. */
interface Throughput {
  readonly completed: number;
  readonly seconds: number;
  /** This process's CPU seconds: the engine's, or graphile-worker's (PostgreSQL's own not included). */
  readonly cpuSeconds: number;
  /** `synchronous_commit` as the measuring connections saw it. */
  readonly sync: string;
}

const RUNS = 10;
const WIDTH = Math.max(1, Math.floor(TASKS / RUNS));

async function synchronousCommit(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ v: string }>("select current_setting('synchronous_commit') as v");
    return rows[0]?.v ?? 'unknown';
  } finally {
    await client.end();
  }
}

/** No-op tasks through the engine: `RUNS` runs of `WIDTH` independent tasks, submitted at once. */
async function throughput(url: string): Promise<Throughput> {
  const sync = await synchronousCommit(url);
  const store = await createPostgresStore({ url, poolSize: 16 });
  const instant: Runtime = { name: 'instant', execute: async () => succeeded };
  const engine = createEngine({ store, runtimes: [instant], concurrency: 200, scheduler: false });
  try {
    await engine.registerDag({
      name: 'wide',
      tasks: Array.from({ length: WIDTH }, (_, i) => ({ name: `t${i}`, image: 'none', command: ['true'] })),
    });
    let completed = 0;
    let finished = 0;
    const done = new Promise<void>((resolve) => {
      engine.events.on('task.succeeded', () => completed++);
      engine.events.on('run.finished', () => {
        if (++finished === RUNS) resolve();
      });
    });
    await engine.start();
    const start = performance.now();
    const cpuBefore = process.cpuUsage();
    await Promise.all(Array.from({ length: RUNS }, () => engine.submit('wide')));
    await done;
    return { completed, seconds: (performance.now() - start) / 1000, cpuSeconds: cpuTime(cpuBefore), sync };
  } finally {
    await engine.stop();
    await store.close();
  }
}

/**
 * graphile-worker's workers for the throughput rows: by default as many as the Kontroler store's pool has
 * connections (16); its pool gets one more for LISTEN. `--graphile-concurrency=N` to try others.
 */
const GRAPHILE_CONCURRENCY = arg('graphile-concurrency', 16);
const silent = new Logger(() => () => undefined);

/**
 * The same work on graphile-worker: `RUNS` batches of `WIDTH` no-op jobs added at once (its `add_jobs`,
 * one statement per batch, as Kontroler inserts a run's tasks), counted when their completion is committed.
 */
async function graphileThroughput(url: string): Promise<Throughput> {
  const sync = await synchronousCommit(url);
  const total = RUNS * WIDTH;
  let completed = 0;
  let resolveDone: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    resolveDone = resolve;
  });
  const runner = await runGraphile({
    connectionString: url,
    concurrency: GRAPHILE_CONCURRENCY,
    maxPoolSize: GRAPHILE_CONCURRENCY + 1,
    noHandleSignals: true,
    pollInterval: 1000,
    logger: silent,
    taskList: { noop: async () => undefined },
  });
  // 'job:complete' is emitted after the job's completion is committed, as Kontroler's task.succeeded is.
  runner.events.on('job:complete', ({ error }) => {
    if (error === undefined || error === null) {
      if (++completed === total) resolveDone();
    }
  });
  const pool = new pg.Pool({ connectionString: url, max: RUNS });
  try {
    const start = performance.now();
    const cpuBefore = process.cpuUsage();
    await Promise.all(
      Array.from({ length: RUNS }, () =>
        pool.query(
          `select graphile_worker.add_jobs(array(
             select row('noop', json_build_object('i', g), null, null, null, null, null, null)::graphile_worker.job_spec
               from generate_series(1, $1::int) g))`,
          [WIDTH],
        ),
      ),
    );
    await done;
    return { completed, seconds: (performance.now() - start) / 1000, cpuSeconds: cpuTime(cpuBefore), sync };
  } finally {
    await runner.stop();
    await pool.end();
  }
}

/** The throughput rows: Kontroler, graphile-worker beside it, and the ratio against the target 1.0×. */
function throughputRows(ours: Throughput, theirs: Throughput, label: string): BenchRow[] {
  const oursRate = ours.completed / ours.seconds;
  const theirsRate = theirs.completed / theirs.seconds;
  return [
    {
      name: `throughput, ${RUNS} runs × ${WIDTH} no-op tasks, ${label} (Kontroler)`,
      value: `${fmt(oursRate, 0)} completions/s`,
      target: '≥ 1.0× graphile-worker',
      ratio: versusAnchor(oursRate / theirsRate, false),
      // The machine is shared: the engine's own CPU time tells its cost apart from the wait for a core.
      note: `${ours.completed} tasks in ${fmt(ours.seconds, 2)} s wall, ${fmt(ours.cpuSeconds, 2)} s engine CPU; synchronous_commit=${ours.sync}`,
    },
    {
      name: `  same work on graphile-worker 0.16.6, ${label}`,
      value: `${fmt(theirsRate, 0)} completions/s`,
      target: 'anchor',
      note: `${theirs.completed} jobs (${RUNS} add_jobs of ${WIDTH}), concurrency ${GRAPHILE_CONCURRENCY}, in ${fmt(theirs.seconds, 2)} s wall, ${fmt(theirs.cpuSeconds, 2)} s worker CPU; synchronous_commit=${theirs.sync}`,
    },
  ];
}

/** A chain of tasks through the engine: from one task's end to the next one's start. */
async function kontrolerChain(
  url: string,
  length = CHAIN,
): Promise<{ gaps: number[]; cpuSeconds: number; seconds: number }> {
  const store: PostgresStore = await createPostgresStore({ url, poolSize: 8 });
  const started = new Map<string, number>();
  const ended = new Map<string, number>();
  const recorder: Runtime = {
    name: 'instant',
    execute: async (context) => {
      started.set(context.taskName, performance.now());
      ended.set(context.taskName, performance.now());
      return succeeded;
    },
  };
  const engine = createEngine({ store, runtimes: [recorder], scheduler: false });
  const spent = { seconds: 0, cpuSeconds: 0 };
  try {
    await engine.registerDag({
      name: 'chain',
      tasks: Array.from({ length }, (_, i) => ({
        name: `c${i}`,
        image: 'none',
        command: ['true'],
        runAfter: i === 0 ? [] : [`c${i - 1}`],
      })),
    });
    const done = new Promise<void>((resolve) => engine.events.on('run.finished', () => resolve()));
    await engine.start();
    const start = performance.now();
    const cpuBefore = process.cpuUsage();
    await engine.submit('chain');
    await done;
    spent.seconds = (performance.now() - start) / 1000;
    spent.cpuSeconds = cpuTime(cpuBefore);
  } finally {
    await engine.stop();
    await store.close();
  }
  const gaps: number[] = [];
  for (let i = 1; i < length; i++) {
    const start = started.get(`c${i}`);
    const end = ended.get(`c${i - 1}`);
    if (start !== undefined && end !== undefined) gaps.push(start - end);
  }
  return { gaps, ...spent };
}

/** The same chain on graphile-worker: each job adds the next one. */
async function graphileChain(url: string): Promise<number[]> {
  const started: number[] = [];
  const ended: number[] = [];
  let resolveDone: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    resolveDone = resolve;
  });
  const runner = await runGraphile({
    connectionString: url,
    concurrency: 1,
    noHandleSignals: true,
    pollInterval: 1000,
    logger: silent,
    taskList: {
      chain: async (payload, helpers) => {
        const i = (payload as { i: number }).i;
        started[i] = performance.now();
        if (i + 1 < CHAIN) await helpers.addJob('chain', { i: i + 1 });
        ended[i] = performance.now();
        if (i + 1 === CHAIN) resolveDone();
      },
    },
  });
  try {
    await runner.addJob('chain', { i: 0 });
    await done;
  } finally {
    await runner.stop();
  }
  const gaps: number[] = [];
  for (let i = 1; i < CHAIN; i++) {
    const start = started[i];
    const end = ended[i - 1];
    if (start !== undefined && end !== undefined) gaps.push(start - end);
  }
  return gaps;
}

/**
 * A step of a long chain against a step of the short one: a step ends one task and starts the next, so it
 * should cost the same in a 10,000-task run as in a 1,000-task run, and the same at its last steps as at its
 * first. Measured in a database without statistics yet (a new installation's first big run).
 */
async function growthRow(serverUrl: string, shortP50: number): Promise<{ row: BenchRow; missed: boolean }> {
  const run = await kontrolerChain(await withDatabase(serverUrl, 'bench_long_chain'), LONG_CHAIN);
  const all = percentile(run.gaps, 50);
  const first = percentile(run.gaps.slice(0, ENDS), 50);
  const last = percentile(run.gaps.slice(-ENDS), 50);
  const growth = all / shortP50;
  const ends = ENDS.toLocaleString('en');
  const row = {
    name: `dependency→start, ${LONG_CHAIN.toLocaleString('en')}-task chain (Kontroler)`,
    value: `p50 ${fmt(all, 2)} ms, p99 ${fmt(percentile(run.gaps, 99), 2)} ms`,
    target: `≤ 1.1× the ${CHAIN}-task chain`,
    ratio:
      growth <= 1.1
        ? `${growth.toFixed(2)}×`
        : `${growth.toFixed(2)}× (missed by ${Math.round((growth - 1.1) * 100)}%)`,
    note: `first ${ends} steps p50 ${fmt(first, 2)} ms, last ${ends} ${fmt(last, 2)} ms; ${fmt(run.seconds, 1)} s wall, ${fmt(run.cpuSeconds, 1)} s engine CPU; durable`,
  };
  return { row, missed: growth > 1.1 };
}

/** One more chain of `length` tasks under the profiler (engine process only): its summary lines. */
function profiledChain(serverUrl: string, name: string, length: number): Promise<string[]> {
  return profileInProcess(
    ROOT,
    name,
    async () => kontrolerChain(await withDatabase(serverUrl, `bench_${name.replaceAll('-', '_')}`), length),
    (run) =>
      `dependency→start, ${length.toLocaleString('en')}-task chain (Kontroler), profiled: p50 ${fmt(percentile(run.gaps, 50), 2)} ms while profiled, engine process only:`,
  );
}

/** Keyset pages of 50 out of `ROWS` runs, at random positions, newest first (and for one DAG). */
async function keyset(url: string): Promise<BenchRow[]> {
  const store = await createPostgresStore({ url, poolSize: 4 });
  try {
    const inserted = performance.now();
    await store.sql(
      `insert into runs (id, dag_name, namespace, dag_version, state, parameters, trigger, revision, round,
         cancel_requested, created_at, labels)
       select 'run-' || lpad(g::text, 8, '0'), 'dag-' || (g % 100), 'default', 1,
              (array['succeeded', 'failed', 'running', 'canceled'])[1 + g % 4], '{}', 'api', 0, 1, false,
              timestamptz '2026-01-01' + g * interval '1 second' + (g % 7) * interval '1 millisecond', '{}'
         from generate_series(1, $1::int) g`,
      [ROWS],
    );
    await store.sql('analyze runs');
    const insertSeconds = (performance.now() - inserted) / 1000;
    const all: number[] = [];
    const byDag: number[] = [];
    const samples = 300;
    for (let i = 0; i < samples; i++) {
      // A cursor at a random row, as a client paging deep into the list would hold.
      const [row] = await store.sql<{ created_at: Date; id: string }>(
        `select created_at, id from runs where id = 'run-' || lpad($1::text, 8, '0')`,
        [1 + Math.floor(Math.random() * ROWS)],
      );
      if (!row) continue;
      const cursor = Buffer.from(JSON.stringify([row.created_at.getTime(), row.id])).toString('base64url');
      let t = performance.now();
      const page = await store.listRuns({}, { limit: 50, cursor });
      all.push(performance.now() - t);
      t = performance.now();
      await store.listRuns(
        { dag: { namespace: 'default', name: `dag-${i % 100}` }, states: ['succeeded', 'failed'] },
        { limit: 50, cursor },
      );
      byDag.push(performance.now() - t);
      if (page.items.length === 0 && i > 10) throw new Error('keyset page unexpectedly empty');
    }
    return [
      {
        name: `keyset page of 50 out of ${ROWS.toLocaleString('en')} runs`,
        value: `p50 ${fmt(percentile(all, 50), 2)} ms, p95 ${fmt(percentile(all, 95), 2)} ms`,
        target: 'p95 < 10 ms',
        note: `${samples} random cursors; rows inserted in ${fmt(insertSeconds, 1)} s`,
      },
      {
        name: '  same, filtered by DAG and 2 states',
        value: `p50 ${fmt(percentile(byDag, 50), 2)} ms, p95 ${fmt(percentile(byDag, 95), 2)} ms`,
        target: 'p95 < 10 ms',
        // dag-k holds rows with g ≡ k (mod 100), so state (g mod 4) is fixed per DAG: half the DAGs have no
        // succeeded or failed run at all, the worst case for a filter (nothing to find, everything to skip).
        note: 'half the DAGs hold no run in either state',
      },
    ];
  } finally {
    await store.close();
  }
}

/** The throughput rows, durable and (unless --no-relaxed) relaxed, each next to graphile-worker's. */
async function throughputRowsBoth(serverUrl: string): Promise<BenchRow[]> {
  const rows = throughputRows(
    await throughput(await withDatabase(serverUrl, 'bench_throughput')),
    await graphileThroughput(await withDatabase(serverUrl, 'bench_graphile_throughput')),
    'durable',
  );
  if (!RELAXED) return rows;
  // Relaxed rows follow their durable ones directly, measured on the same server moments later.
  return rows.concat(
    throughputRows(
      await throughput(await withDatabase(serverUrl, 'bench_throughput_relaxed', true)),
      await graphileThroughput(await withDatabase(serverUrl, 'bench_graphile_throughput_relaxed', true)),
      'relaxed',
    ),
  );
}

async function main(): Promise<void> {
  const external = process.env.DATABASE_URL;
  const dataDir = join(tmpdir(), `kontroler-bench-pg-${randomBytes(4).toString('hex')}`);
  const server = external ? undefined : await startEmbeddedPostgres({ dataDir, settings: SETTINGS });
  const serverUrl = external ?? server?.url ?? '';
  try {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    const version =
      (await client.query<{ v: string }>("select current_setting('server_version') as v")).rows[0]?.v ??
      'unknown';
    const sync =
      (await client.query<{ v: string }>("select current_setting('synchronous_commit') as v")).rows[0]?.v ??
      'unknown';
    await client.end();
    const machine = {
      postgresql: `${version} (${external ? 'DATABASE_URL' : 'embedded'}; server synchronous_commit=${sync})`,
      // The machine is shared: the load average says how much of it the benchmark really had.
      'load start': `${loadavg()
        .map((n) => n.toFixed(1))
        .join(' / ')} (1/5/15-min load average, at the start)`,
    };

    const rows: BenchRow[] = [];
    if (!CHAIN_ONLY) rows.push(...(await throughputRowsBoth(serverUrl)));

    const chain = await kontrolerChain(await withDatabase(serverUrl, 'bench_chain'));
    const ours = chain.gaps;
    const theirs = await graphileChain(await withDatabase(serverUrl, 'bench_graphile'));
    const ours50 = percentile(ours, 50);
    const theirs50 = percentile(theirs, 50);
    rows.push(
      {
        name: `dependency→start, ${CHAIN}-task chain (Kontroler)`,
        value: `p50 ${fmt(ours50, 2)} ms, p99 ${fmt(percentile(ours, 99), 2)} ms`,
        target: 'p50 ≤ 1.0× graphile-worker',
        ratio: versusAnchor(ours50 / theirs50, true),
        note: `${fmt(chain.seconds, 2)} s wall, ${fmt(chain.cpuSeconds, 2)} s engine CPU; durable`,
      },
      {
        name: '  same chain on graphile-worker 0.16.6',
        value: `p50 ${fmt(theirs50, 2)} ms, p99 ${fmt(percentile(theirs, 99), 2)} ms`,
        target: 'anchor',
        note: 'each job adds the next; concurrency 1; durable',
      },
    );
    // Missed: one more chain under the profiler says where the engine's time goes between two tasks.
    const chainProfile =
      PROFILE && ours50 > theirs50 ? await profiledChain(serverUrl, 'postgres-chain-profile', CHAIN) : [];
    const growth = LONG_CHAIN > 0 ? await growthRow(serverUrl, ours50) : undefined;
    if (growth !== undefined) rows.push(growth.row);
    // Missed: where a step of the long chain spends what the short chain's does not.
    const growthProfile =
      PROFILE && growth?.missed === true
        ? await profiledChain(serverUrl, 'postgres-long-chain-profile', LONG_CHAIN)
        : [];
    if (!CHAIN_ONLY) rows.push(...(await keyset(await withDatabase(serverUrl, 'bench_keyset'))));
    printTable('@kontroler/postgres', rows);
    if (chainProfile.length > 0) console.log(`\n${chainProfile.join('\n')}`);
    if (growthProfile.length > 0) console.log(`\n${growthProfile.join('\n')}`);
    printMachine(machine);
  } finally {
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
