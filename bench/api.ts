/**
 * API benchmark (`npm run bench -- api` or `npx tsx bench/api.ts`): the API on embedded PostgreSQL with
 * 1,000,000 seeded runs, loaded with autocannon from a SECOND process on 127.0.0.1. Prints requests/s,
 * latency percentiles, non-2xx answers and errors (connection failures and timeouts) for: list 50 runs
 * (target p95 < 10 ms, filtered by DAG and states too), get run detail, trigger run, DAG create; the list,
 * detail and trigger endpoints again with 100 connections; the SSE event stream with 100 subscribers while autocannon triggers runs
 * (latency = run created → event received by each subscriber); and the API process's RSS and CPU time per
 * request under load (one Node process: at N connections a request waits behind the others, p50 ≈ N ÷ req/s).
 *
 * Options (env): BENCH_RUNS (default 1000000), BENCH_SECONDS per scenario (default 10),
 * BENCH_CONNECTIONS (default 10), BENCH_SCENARIOS (a regexp: run only the scenarios whose name matches),
 * BENCH_PROFILE (a directory: CPU-profile the API process into it), BENCH_EXPLAIN=1 (log the list query plans).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, freemem, loadavg, platform, release, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const SELF = fileURLToPath(import.meta.url);

interface Scenario {
  name: string;
  method: 'GET' | 'POST';
  path: string;
  body?: string;
  /** Vary the body per request (DAG create makes a new version each time). */
  varyDescription?: boolean;
  target?: { p95Ms: number };
  /** Overrides BENCH_CONNECTIONS. */
  connections?: number;
  /**
   * An SSE scenario: `connections` subscribers stay on `path` while autocannon POSTs `trigger.path` over
   * `trigger.connections`; each `run.created` event received is one sample of delivery latency.
   */
  sse?: { trigger: { path: string; connections: number } };
}

interface LoadResult {
  requests: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  non2xx: number;
  errors: number;
}

/** The part of autocannon's API used here (the package ships no types). */
type Autocannon = (options: Record<string, unknown>) => PromiseLike<{
  errors: number;
  timeouts: number;
  non2xx: number;
}> & {
  on(
    event: 'response',
    listener: (client: unknown, statusCode: number, bytes: number, responseTime: number) => void,
  ): void;
};

const TSX = join(here, '..', 'node_modules', 'tsx', 'dist', 'cli.mjs');

// ---------------------------------------------------------------------------------------------------------
// Load generator mode: runs in the second process.

/** Percentile `p` of sorted `values` (nearest rank). */
function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/**
 * Opens `connections` SSE streams, triggers runs with autocannon meanwhile, and reports per-subscriber
 * delivery latency of `run.created` (its `run.createdAt` → parsed here; one clock, one machine). Errors:
 * streams that did not open with 200 or ended before the load did.
 */
async function sseLoad(
  spec: { url: string; token: string; scenario: Scenario; seconds: number; connections: number },
  autocannon: Autocannon,
): Promise<LoadResult> {
  const { request } = await import('node:http');
  const trigger = spec.scenario.sse!.trigger;
  const latencies: number[] = [];
  let errors = 0;
  let loadDone = false;
  const streams = await Promise.all(
    Array.from(
      { length: spec.connections },
      () =>
        new Promise<{ close: () => void }>((resolve) => {
          const req = request(spec.url + spec.scenario.path, {
            headers: { authorization: `Bearer ${spec.token}`, accept: 'text/event-stream' },
            agent: false,
          });
          req.on('response', (res) => {
            if (res.statusCode !== 200) {
              errors += 1;
              res.resume();
              resolve({ close: () => req.destroy() });
              return;
            }
            let buffer = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => {
              buffer += chunk;
              let end: number;
              while ((end = buffer.indexOf('\n\n')) >= 0) {
                const block = buffer.slice(0, end);
                buffer = buffer.slice(end + 2);
                if (!block.includes('event: run.created\n')) continue;
                const data = block.split('\n').find((l) => l.startsWith('data: '));
                const run = (JSON.parse(data?.slice(6) ?? '{}') as { run?: { createdAt?: string } }).run;
                if (run?.createdAt) latencies.push(Date.now() - Date.parse(run.createdAt));
              }
            });
            res.on('close', () => {
              if (!loadDone) errors += 1;
            });
            resolve({ close: () => req.destroy() });
          });
          req.on('error', () => {
            if (!loadDone) errors += 1;
            resolve({ close: () => req.destroy() });
          });
          req.end();
        }),
    ),
  );
  const result = await autocannon({
    url: spec.url + trigger.path,
    method: 'POST',
    connections: trigger.connections,
    duration: spec.seconds,
    headers: { authorization: `Bearer ${spec.token}`, 'content-type': 'application/json' },
    body: '{}',
  });
  // Events of the last triggers are still on their way.
  await new Promise((r) => setTimeout(r, 1000));
  loadDone = true;
  for (const stream of streams) stream.close();
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    rps: latencies.length / spec.seconds,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    // A trigger refused (4xx/5xx) creates no run, so no event: count it, or a broken path reads as "0 events".
    non2xx: result.non2xx,
    errors: errors + result.errors + result.timeouts,
  };
}

async function loadMode(spec: {
  url: string;
  token: string;
  scenario: Scenario;
  seconds: number;
  connections: number;
}) {
  const autocannonModule = 'autocannon';
  const { default: autocannon } = (await import(autocannonModule)) as { default: Autocannon };
  if (spec.scenario.sse) {
    process.stdout.write(`${JSON.stringify(await sseLoad(spec, autocannon))}\n`);
    return;
  }
  const latencies: number[] = [];
  let non2xx = 0;
  let counter = 0;
  const base = spec.scenario.body ? (JSON.parse(spec.scenario.body) as Record<string, unknown>) : undefined;
  const instance = autocannon({
    url: spec.url + spec.scenario.path,
    method: spec.scenario.method,
    connections: spec.connections,
    duration: spec.seconds,
    headers: { authorization: `Bearer ${spec.token}`, 'content-type': 'application/json' },
    ...(spec.scenario.body ? { body: spec.scenario.body } : {}),
    ...(spec.scenario.varyDescription && base
      ? {
          requests: [
            {
              setupRequest: (request: Record<string, unknown>) => {
                counter += 1;
                return {
                  ...request,
                  body: JSON.stringify({ ...base, description: `bench ${process.pid}-${counter}` }),
                };
              },
            },
          ],
        }
      : {}),
  });
  instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
    latencies.push(responseTime);
    if (statusCode < 200 || statusCode >= 300) non2xx += 1;
  });
  const result = await instance;
  latencies.sort((a, b) => a - b);
  const out: LoadResult = {
    requests: latencies.length,
    rps: latencies.length / spec.seconds,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    non2xx,
    errors: result.errors + result.timeouts,
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

function runLoad(spec: {
  url: string;
  token: string;
  scenario: Scenario;
  seconds: number;
  connections: number;
}): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--conditions=source', TSX, SELF, '--load', JSON.stringify(spec)],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line.startsWith('{')) reject(new Error(`load process failed (${code}): ${out}`));
      else resolve(JSON.parse(line) as LoadResult);
    });
  });
}

// ---------------------------------------------------------------------------------------------------------
async function main(): Promise<void> {
  const RUNS = Number(process.env.BENCH_RUNS ?? 1_000_000);
  const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
  const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);

  const { createEngine } = await import('@kontroler/core');
  const { createPostgresStore, startEmbeddedPostgres } = await import('@kontroler/postgres');
  const { createApp } = await import('../apps/api/src/app.js');
  const { hashPassword } = await import('../apps/api/src/auth/crypto.js');
  const { createIdentity } = await import('../apps/api/src/auth/identity.js');

  const dataDir = mkdtempSync(join(tmpdir(), 'kontroler-bench-api-'));
  const log = (message: string): void => void process.stderr.write(`[bench:api] ${message}\n`);
  log('starting embedded PostgreSQL');
  const pg = await startEmbeddedPostgres({
    dataDir,
    settings: {
      fsync: 'off',
      synchronous_commit: 'off',
      full_page_writes: 'off',
      max_connections: '200',
      shared_buffers: '256MB',
    },
  });
  let server: Server | undefined;
  const store = await createPostgresStore({ url: pg.url, poolSize: 20 });
  try {
    // The engine is not started: submit() stores and plans runs, nothing executes during the benchmark.
    const engine = createEngine({ store });
    const app = createApp({ store, engine, sql: store.sql, auth: { jwtSecret: 'b'.repeat(48) } });
    server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server?.once('listening', () => resolve()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    await createIdentity(store.sql).createUser({
      username: 'bench',
      passwordHash: await hashPassword('bench-password'),
      mustChangePassword: false,
      grants: [{ role: 'admin', namespace: null }],
    });
    const login = (await (
      await fetch(`${url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'bench', password: 'bench-password' }),
      })
    ).json()) as { accessToken: string };
    const token = login.accessToken;
    const dag = {
      name: 'bench',
      tasks: [
        { name: 'a', image: 'alpine', command: ['true'] },
        { name: 'b', image: 'alpine', command: ['true'], runAfter: ['a'] },
      ],
    };
    const created = await fetch(`${url}/api/v1/namespaces/default/dags`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(dag),
    });
    if (created.status !== 201) throw new Error(`DAG create failed: ${created.status}`);

    log(`seeding ${RUNS.toLocaleString('en')} runs with generate_series`);
    const seedStart = performance.now();
    await store.sql(
      `insert into runs (id, dag_name, namespace, dag_version, state, parameters, trigger, created_at, started_at, finished_at, reason)
       select 'seed-' || g, 'bench', 'default', 1,
              (array['succeeded','failed','canceled','succeeded'])[1 + g % 4],
              '{"region": {"value": "eu"}}'::jsonb, 'api',
              now() - (g * interval '1 second'), now() - (g * interval '1 second'),
              now() - (g * interval '1 second') + interval '3 seconds', 'seeded'
         from generate_series(1, $1::int) as g`,
      [RUNS],
    );
    await store.sql(
      `insert into attempts (id, run_id, task_name, attempt, round, state, exit_code, reason, created_at, started_at, finished_at)
       select 'seed-att-' || g || '-' || t, 'seed-' || g, t, 1, 1, 'succeeded', 0, 'Completed', now(), now(), now()
         from generate_series(1, 1000) as g, unnest(array['a','b']) as t`,
    );
    // Set hint bits and the visibility map now, so the first scenario does not pay for it.
    await store.sql('vacuum (analyze) runs');
    await store.sql('vacuum (analyze) attempts');
    await store.sql('checkpoint');
    const seedSeconds = (performance.now() - seedStart) / 1000;
    log(`seeded in ${seedSeconds.toFixed(1)} s`);

    if (process.env.BENCH_EXPLAIN === '1') {
      // The list scenarios' statements (as packages/postgres builds them), with their plans.
      for (const [where, params] of [
        ['', [51]],
        ['where dag_name = $2 and state = any($3::text[])', [51, 'bench', ['failed']]],
      ] as Array<[string, unknown[]]>) {
        const plan = await store.sql<{ 'QUERY PLAN': string }>(
          `explain (analyze, buffers) select * from runs ${where} order by created_at desc, id desc limit $1`,
          params,
        );
        log(`plan:\n${plan.map((r) => r['QUERY PLAN']).join('\n')}`);
      }
    }

    const scenarios: Scenario[] = [
      // Issue 19: 50 runs out of 1,000,000 at 10 connections, p95 < 10 ms, filtered by DAG and states too.
      { name: 'list 50 runs', method: 'GET', path: '/api/v1/runs?limit=50', target: { p95Ms: 10 } },
      {
        name: 'list 50 runs, 1 connection',
        method: 'GET',
        path: '/api/v1/runs?limit=50',
        connections: 1,
        target: { p95Ms: 10 },
      },
      {
        name: 'list 50 runs of a DAG, failed',
        method: 'GET',
        path: '/api/v1/runs?limit=50&dag=bench&namespace=default&state=failed',
        target: { p95Ms: 10 },
      },
      {
        name: 'list 50 runs of a DAG, 2 states',
        method: 'GET',
        path: '/api/v1/runs?limit=50&dag=bench&namespace=default&state=failed,succeeded',
        target: { p95Ms: 10 },
      },
      { name: 'get run detail', method: 'GET', path: '/api/v1/namespaces/default/runs/seed-500' },
      { name: 'trigger run', method: 'POST', path: '/api/v1/namespaces/default/dags/bench/runs', body: '{}' },
      {
        name: 'DAG create (new version)',
        method: 'POST',
        path: '/api/v1/namespaces/default/dags',
        body: JSON.stringify(dag),
        varyDescription: true,
      },
      // The same endpoints under 100 connections (issue 19: list, detail, trigger and SSE).
      { name: 'list 50 runs, 100 conns', method: 'GET', path: '/api/v1/runs?limit=50', connections: 100 },
      {
        name: 'get run detail, 100 conns',
        method: 'GET',
        path: '/api/v1/namespaces/default/runs/seed-500',
        connections: 100,
      },
      {
        name: 'trigger run, 100 conns',
        method: 'POST',
        path: '/api/v1/namespaces/default/dags/bench/runs',
        body: '{}',
        connections: 100,
      },
      {
        name: 'SSE events, 100 subscribers',
        method: 'GET',
        path: '/api/v1/events',
        connections: 100,
        sse: { trigger: { path: '/api/v1/namespaces/default/dags/bench/runs', connections: 10 } },
      },
    ];
    const rows: Array<Scenario & LoadResult & { rssMb: number; cpuMs: number; connections: number }> = [];
    const only = process.env.BENCH_SCENARIOS ? new RegExp(process.env.BENCH_SCENARIOS) : undefined;
    for (const scenario of scenarios.filter((s) => !only || only.test(s.name))) {
      const connections = scenario.connections ?? CONNECTIONS;
      log(`${scenario.name}: ${SECONDS} s × ${connections} connections (after a 2 s warm-up)`);
      await runLoad({ url, token, scenario, seconds: 2, connections });
      let rssMax = 0;
      const sampler = setInterval(() => {
        rssMax = Math.max(rssMax, process.memoryUsage().rss);
      }, 200);
      const cpuBefore = process.cpuUsage();
      const result = await runLoad({ url, token, scenario, seconds: SECONDS, connections });
      const cpu = process.cpuUsage(cpuBefore);
      clearInterval(sampler);
      // This process serves the API only (the load comes from another one, PostgreSQL is a third).
      const cpuMs = (cpu.user + cpu.system) / 1000 / Math.max(1, result.requests);
      rows.push({ ...scenario, ...result, connections, rssMb: Math.round(rssMax / 1048576), cpuMs });
    }

    const version =
      (await store.sql<{ server_version: string }>('show server_version'))[0]?.server_version ?? '?';
    const cpu = cpus();
    const machine = {
      cpu: `${cpu[0]?.model ?? '?'} × ${cpu.length}`,
      memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB (free ${(freemem() / 2 ** 30).toFixed(1)} GiB)`,
      os: `${platform()} ${release()}`,
      node: process.version,
      postgres: version,
      runs: RUNS,
      seedSeconds: Number(seedSeconds.toFixed(1)),
      secondsPerScenario: SECONDS,
      connections: CONNECTIONS,
      loadAverage: loadavg()
        .map((l) => l.toFixed(1))
        .join(' '),
    };
    const pad = (s: string, n: number): string => s.padEnd(n);
    const lines = [
      `${pad('scenario', 32)} ${pad('conns', 6)} ${pad('req/s', 8)} ${pad('p50 ms', 7)} ${pad('p95 ms', 7)} ${pad('p99 ms', 7)} ${pad('non-2xx', 8)} ${pad('errors', 7)} ${pad('RSS MB', 7)} ${pad('CPU ms/req', 11)} target`,
      ...rows.map(
        (r) =>
          `${pad(r.name, 32)} ${pad(String(r.connections), 6)} ${pad(r.rps.toFixed(0), 8)} ${pad(r.p50.toFixed(1), 7)} ${pad(r.p95.toFixed(1), 7)} ${pad(r.p99.toFixed(1), 7)} ${pad(String(r.non2xx), 8)} ${pad(String(r.errors), 7)} ${pad(String(r.rssMb), 7)} ${pad(r.cpuMs.toFixed(2), 11)} ${
            r.target ? `p95 < ${r.target.p95Ms} ms: ${r.p95 < r.target.p95Ms ? 'met' : 'MISSED'}` : ''
          }`,
      ),
    ];
    process.stdout.write(
      `\nKontroler API benchmark\n${Object.entries(machine)
        .map(([k, v]) => `  ${k}: ${v}`)
        .join('\n')}\n\n${lines.join('\n')}\n${
        rows.some((r) => r.sse)
          ? '\nSSE row: req/s = events received per second over all subscribers; p50/p95/p99 = run created → event\nreceived; CPU ms/req = per event received; errors = streams that failed or ended early, plus failed trigger\nrequests.\n'
          : ''
      }${
        rows.some((r) => r.target && r.p95 >= r.target.p95Ms)
          ? "\nMISSED rows: one Node process serves the API, so at N connections a request waits behind the others\n(p50 ≈ N ÷ req/s), and req/s is bounded by the CPU a request takes on its one thread. A p95 under 10 ms at\n10 connections needs about 1,500 req/s, about 0.7 ms a request (CPU ms/req above also counts V8's GC\nthreads). BENCH_PROFILE=<dir> says where the time goes.\n"
          : ''
      }${
        rows.some((r) => r.non2xx > 0)
          ? '\nnon-2xx answers: a row with any measures refusals (404, 429…), not the endpoint; read it as broken.\n'
          : ''
      }`,
    );
    mkdirSync(join(here, 'results'), { recursive: true });
    writeFileSync(join(here, 'results', 'api.json'), `${JSON.stringify({ machine, rows }, null, 2)}\n`);
  } finally {
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server?.close(() => resolve()));
    }
    await store.close();
    await pg.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--load') {
  await loadMode(JSON.parse(process.argv[3] ?? '{}') as Parameters<typeof loadMode>[0]);
} else if (process.env.KONTROLER_BENCH_SOURCE !== '1') {
  // `npx tsx bench/api.ts`: re-run with workspace packages resolved to their TypeScript sources.
  // BENCH_PROFILE=<dir>: CPU-profile the process that serves the API (not the load generators).
  // (tsx's CLI would run the script in a child of its own, so the profiled process loads tsx with --import.)
  const runner = process.env.BENCH_PROFILE
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`, '--import', 'tsx']
    : [TSX];
  const result = spawnSync(
    process.execPath,
    ['--conditions=source', ...runner, SELF, ...process.argv.slice(2)],
    {
      stdio: 'inherit',
      env: {
        ...process.env,
        KONTROLER_BENCH_SOURCE: '1',
        NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --conditions=source`.trim(),
      },
    },
  );
  process.exit(result.status ?? 1);
} else {
  await main();
}
