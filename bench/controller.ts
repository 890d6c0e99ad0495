/**
 * `npm run bench -- controller` (or `npx tsx --conditions=source bench/controller.ts`): what the controller
 * costs, on an embedded PostgreSQL.
 *
 * - RSS with 10,000 active task attempts (target < 150 MB, peak included): the compiled controller (built
 *   first, tsc -b) in its own process (`node apps/controller/dist/main.js` with the node flags of deploy/base, and again without them for
 *   comparison, configured by environment) on the Kubernetes runtime; 100 runs ×
 *   100 parallel tasks, all claimed and running at once as pods the simulated node holds Running. RSS is
 *   read from /proc/<pid>/status, idle after start and with every attempt active (the bench process's own
 *   memory, with TypeScript loaded through tsx, is not counted);
 * - dependency→pod-created latency on the real apiserver: the time from a parent task's success (engine
 *   event) to its child's pod appearing in a watch, over chains of tasks (p50/p99), one chain at a time and
 *   five at once, beside the anchor: the same apiserver's create → watch latency for pods POSTed directly;
 * - runs/s of a 10-task DAG (fan-out/fan-in), on pods through the real apiserver and the fake kubelet, and
 *   on a runtime that returns at once (the engine + PostgreSQL ceiling).
 *
 * Without the control plane binaries the Kubernetes rows are skipped with the reason.
 * Environment: BENCH_ACTIVE (attempts for the RSS rows, default 10,000), BENCH_SETTLE_MS,
 * BENCH_CONTROLLER_ROWS (`rss,instant,kubernetes` by default: only the parts named).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEngine, type DagRef, type Runtime } from '@kontroler/core';
import {
  startController,
  loadConfig,
  type ControllerConfig,
  type ControllerHandle,
} from '@kontroler/controller';
import { createInformer } from '@kontroler/k8s-runtime';
import { locateBinaries, startControlPlane, type ControlPlane } from '@kontroler/k8s-runtime/testing';
import { createPostgresStore, startEmbeddedPostgres, type EmbeddedPostgresHandle } from '@kontroler/postgres';
import type { V1Pod } from '@kubernetes/client-node';
import { deployedNodeFlags } from './lib/deployed-controller.js';
import { percentile, printMachine, printTable, versus, type BenchRow } from './lib/report.js';

const ACTIVE = Number(process.env.BENCH_ACTIVE ?? 10_000);
const SETTLE_MS = Number(process.env.BENCH_SETTLE_MS ?? 15_000);
/** Issue 19: controller RSS with 10,000 running attempts, peak included. */
const RSS_TARGET_MB = 150;
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const MAIN_JS = join(ROOT, 'apps', 'controller', 'dist', 'main.js');

/** Which rows to run, comma-separated (`rss`, `instant`, `kubernetes`), for quicker iterations. @default all */
const ROWS = new Set((process.env.BENCH_CONTROLLER_ROWS ?? 'rss,instant,kubernetes').split(','));
/** Extra node flags for the controller (e.g. `--heapsnapshot-signal=SIGUSR2` to inspect it). */
const EXTRA_FLAGS = (process.env.BENCH_CONTROLLER_NODE_FLAGS ?? '').split(' ').filter(Boolean);
const rows: BenchRow[] = [];
let schemaCounter = 0;

function config(pg: EmbeddedPostgresHandle, env: Record<string, string>): ControllerConfig {
  const result = loadConfig(
    {
      DATABASE_URL: pg.url,
      KONTROLER_DATABASE_SCHEMA: `bench_${process.pid}_${++schemaCounter}`,
      KONTROLER_METRICS_PORT: '0',
      KONTROLER_LEADER_ELECTION: 'none',
      LOG_LEVEL: 'error',
      KONTROLER_SHUTDOWN_GRACE_MS: '0',
      ...env,
    },
    [],
    { identity: `bench-${schemaCounter}` },
  );
  if (!result.ok) throw new Error(result.problems.join('; '));
  return result.config;
}

async function until(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;

const instantRuntime: Runtime = {
  name: 'instant',
  execute: async () => ({ status: 'succeeded', exitCode: 0, reason: 'Completed' }),
};

function tenTaskDag(name: string, namespace = 'default'): object {
  const t = (n: string, runAfter: string[] = []) => ({
    name: n,
    image: 'busybox',
    command: ['true'],
    runAfter,
  });
  const middle = Array.from({ length: 8 }, (_, i) => t(`m${i}`, ['start']));
  return {
    name,
    namespace,
    tasks: [
      t('start'),
      ...middle,
      t(
        'end',
        middle.map((m) => m.name),
      ),
    ],
  };
}

async function runsPerSecond(controller: ControllerHandle, dag: DagRef, runs: number): Promise<number> {
  const ids = new Set<string>();
  let finished = 0;
  const done = new Promise<void>((resolve) => {
    controller.engine.events.on('run.finished', ({ run }) => {
      if (ids.has(run.id) && ++finished === runs) resolve();
    });
  });
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) ids.add((await controller.engine.submit(dag)).id);
  await done;
  return runs / ((performance.now() - t0) / 1000);
}

/** VmRSS and VmHWM (peak) of a process, in bytes, from /proc/<pid>/status. */
function procMemory(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

/** The V8 heap and off-heap figures of the controller, from its own /metrics (prom-client defaults). */
async function heapFigures(port: number): Promise<string> {
  const text = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text());
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return [
    `V8 heap used ${mb(value('kontroler_nodejs_heap_size_used_bytes'))}`,
    `of ${mb(value('kontroler_nodejs_heap_size_total_bytes'))}`,
    `external ${mb(value('kontroler_nodejs_external_memory_bytes'))}`,
    `${value('kontroler_nodejs_active_handles_total')} handles`,
  ].join(', ');
}

async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * RSS of the controller as it runs in production: `node apps/controller/dist/main.js` (compiled JavaScript,
 * run `npm run build` first) in its own process, configured through its environment, on the Kubernetes
 * runtime against the real apiserver. The simulated node holds every pod Running, so all ACTIVE attempts
 * (100 runs × 100 parallel tasks) are claimed and running at once. RSS is read from /proc/<pid>/status.
 */
/**
 * The RSS rows measure the compiled controller, so build it (and, through tsc -b, the packages it references)
 * when needed; when all is up to date tsc -b only checks timestamps.
 */
function ensureControllerBuilt(): void {
  const result = spawnSync('npm', ['run', 'build', '-w', '@kontroler/controller'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (result.status !== 0 || !existsSync(MAIN_JS)) throw new Error(`building ${MAIN_JS} failed`);
}

async function benchActiveAttempts(
  pg: EmbeddedPostgresHandle,
  plane: ControlPlane,
  dir: string,
  variant: { label: string; flags: readonly string[] },
): Promise<void> {
  const NODE_FLAGS = [...variant.flags, ...EXTRA_FLAGS];
  ensureControllerBuilt();
  const ns = await plane.createNamespace('bench-rss');
  const unscript = plane.node.script(() => true, { afterMs: Infinity }, { namespace: ns });
  const kubeconfig = join(dir, 'kubeconfig-controller.yaml');
  writeFileSync(kubeconfig, plane.restrictedKubeConfig.exportConfig());
  const schema = `bench_${process.pid}_${++schemaCounter}`;
  const port = await freePort();
  // The schema is migrated before the controller starts, as on every start but the first after an
  // upgrade: a controller on a current schema never loads MikroORM (`orm: false`), one that migrates does.
  const store = await createPostgresStore({ url: pg.url, schema });
  const child = spawn(process.execPath, [...NODE_FLAGS, MAIN_JS], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/root',
      DATABASE_URL: pg.url,
      KONTROLER_DATABASE_SCHEMA: schema,
      KONTROLER_RUNTIME: 'kubernetes',
      KUBECONFIG: kubeconfig,
      KONTROLER_NAMESPACES: ns,
      KONTROLER_POD_NAMESPACE: ns,
      KONTROLER_CONCURRENCY: String(ACTIVE),
      KONTROLER_KUBE_QPS: '500',
      KONTROLER_KUBE_BURST: '500',
      KONTROLER_LEADER_ELECTION: 'none',
      KONTROLER_METRICS_PORT: String(port),
      KONTROLER_SHUTDOWN_GRACE_MS: '0',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (d: string) => (output = (output + d).slice(-20_000));
  child.stdout.setEncoding('utf8').on('data', keep);
  child.stderr.setEncoding('utf8').on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const pid = child.pid!;
  const alive = () => child.exitCode === null && child.signalCode === null;
  try {
    await until(
      'the controller to be ready',
      async () => {
        if (!alive()) throw new Error(`the controller exited:\n${output}`);
        return fetch(`http://127.0.0.1:${port}/readyz`).then(
          (r) => r.ok,
          () => false,
        );
      },
      60_000,
    );
    await new Promise((r) => setTimeout(r, 2000));
    const idle = procMemory(pid);

    const submitter = createEngine({ store });
    const perRun = 100;
    const runs = Math.ceil(ACTIVE / perRun);
    const tasks = Array.from({ length: perRun }, (_, i) => ({
      name: `t${i}`,
      image: 'x',
      command: ['true'],
    }));
    await submitter.registerDag({ name: 'wide', namespace: ns, tasks });
    const t0 = performance.now();
    const runIds: string[] = [];
    for (let i = 0; i < runs; i++) runIds.push((await submitter.submit({ namespace: ns, name: 'wide' })).id);
    // Active = claimed by the controller and running in the store (what the issue means), whether or not
    // its pod has been created yet; pods Running on the node are counted separately.
    const activeAttempts = async () => {
      let n = 0;
      for (const id of runIds)
        n += (await submitter.getRun(id))?.attempts.filter((a) => a.state === 'running').length ?? 0;
      return n;
    };
    const podsRunning = () => plane.node.started.filter((p) => p.startsWith(`${ns}/`)).length;
    await until(
      `${ACTIVE} attempts active`,
      async () => {
        if (!alive()) throw new Error(`the controller exited:\n${output}`);
        return (await activeAttempts()) >= runs * perRun;
      },
      600_000,
    );
    const claimMs = performance.now() - t0;
    // Pods: wait until all run, or until no new pod has started for 30 s (report how far it got).
    let last = -1;
    let lastChange = performance.now();
    await until(
      'pods to start',
      () => {
        const n = podsRunning();
        if (n !== last) [last, lastChange] = [n, performance.now()];
        return n >= runs * perRun || performance.now() - lastChange > 30_000;
      },
      600_000,
    );
    const podsMs = performance.now() - t0;
    // Settle: the last status updates, a lease renewal round (a third of 30 s) and a few GCs.
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const active = procMemory(pid);
    const heap = await heapFigures(port);
    const pods = podsRunning();
    if (NODE_FLAGS.some((f) => f.startsWith('--heapsnapshot-signal'))) {
      // Inspection aid: the controller writes Heap.*.heapsnapshot into the working directory.
      child.kill('SIGUSR2');
      await new Promise((r) => setTimeout(r, 60_000));
    }
    rows.push({
      name: `controller RSS, idle after start${variant.label}`,
      value: mb(idle.rss),
      note: `node ${NODE_FLAGS.join(' ')} dist/main.js in its own process, Kubernetes runtime, schema migrated beforehand, readyz ok + 2 s`,
    });
    rows.push({
      name: `controller RSS, ${ACTIVE.toLocaleString('en')} active attempts${variant.label}`,
      value: mb(active.rss),
      // Issue 19: < 150 MB with the deployed flags, peak included.
      ...(variant.label === ''
        ? {
            target: '< 150 MB, peak too',
            ratio: versus(Math.max(active.rss, active.hwm) / 2 ** 20, RSS_TARGET_MB, 'MB'),
          }
        : {}),
      note: `peak (VmHWM) ${mb(active.hwm)}; ${runs} runs × ${perRun} tasks, all running in the store after ${(claimMs / 1000).toFixed(1)} s; ${pods.toLocaleString('en')} pods Running on the simulated node${pods < runs * perRun ? ' (stalled)' : ''} after ${(podsMs / 1000).toFixed(1)} s; read ${SETTLE_MS / 1000} s later; ${heap}`,
    });
  } finally {
    if (alive()) child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(killer);
    unscript();
    await store.close();
  }
}

async function benchInstant(pg: EmbeddedPostgresHandle): Promise<void> {
  const controller = await startController(
    config(pg, { KONTROLER_RUNTIME: 'process', KONTROLER_CONCURRENCY: '50' }),
    {
      runtime: instantRuntime,
    },
  );
  try {
    await controller.engine.registerDag(tenTaskDag('ten'));
    const ten = { namespace: 'default', name: 'ten' };
    await runsPerSecond(controller, ten, 5); // warm-up
    const rate = await runsPerSecond(controller, ten, 100);
    rows.push({
      name: 'runs/s, 10-task DAG, no-op runtime',
      value: rate.toFixed(1),
      note: '100 runs submitted at once; engine + PostgreSQL ceiling',
    });
  } finally {
    await controller.stop();
  }
}

async function benchKubernetes(pg: EmbeddedPostgresHandle, plane: ControlPlane): Promise<void> {
  const ns = await plane.createNamespace('bench');
  plane.node.setDefault({ exitCode: 0, afterMs: 0 });
  const controller = await startController(
    config(pg, {
      KONTROLER_RUNTIME: 'kubernetes',
      KONTROLER_NAMESPACES: ns,
      KONTROLER_POD_NAMESPACE: ns,
      KONTROLER_CONCURRENCY: '100',
      KONTROLER_KUBE_QPS: '500',
      KONTROLER_KUBE_BURST: '500',
    }),
    { kubeConfig: plane.restrictedKubeConfig },
  );
  const podSeen = new Map<string, number>();
  const informer = createInformer<V1Pod>({
    client: plane.admin,
    path: `/api/v1/namespaces/${ns}/pods`,
    resyncMs: 0,
  });
  informer.on((event, pod) => {
    const l = pod.metadata?.labels ?? {};
    const key = l['bench-raw'] ?? `${l['kontroler.greedykomodo/run']}/${l['kontroler.greedykomodo/task']}`;
    if (event === 'add' && !podSeen.has(key)) podSeen.set(key, performance.now());
  });
  await informer.start();
  try {
    // The anchor: the same apiserver's own create → watch latency, for a pod POSTed directly (one at a
    // time, as the chains below step), measured in this run.
    const raw: number[] = [];
    for (let i = 0; i < 60; i++) {
      const sent = performance.now();
      await plane.admin.request('POST', `/api/v1/namespaces/${ns}/pods`, {
        body: {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: `raw-${i}`, labels: { 'bench-raw': `raw-${i}` } },
          spec: {
            restartPolicy: 'Never',
            containers: [{ name: 'main', image: 'busybox', command: ['true'] }],
          },
        },
      });
      await until('the raw pod in the watch', () => podSeen.has(`raw-${i}`), 10_000);
      // The first ten warm connections and caches up.
      if (i >= 10) raw.push((podSeen.get(`raw-${i}`) ?? Number.NaN) - sent);
      await new Promise((r) => setTimeout(r, 20));
    }

    // Latency: chains of 6 tasks; each edge is one sample. One chain at a time is the latency of a step;
    // five at once adds what the apiserver's queue of other pods' writes costs.
    const chain = Array.from({ length: 6 }, (_, i) => ({
      name: `c${i}`,
      image: 'busybox',
      command: ['true'],
      runAfter: i === 0 ? [] : [`c${i - 1}`],
    }));
    await controller.engine.registerDag({ name: 'chain', namespace: ns, tasks: chain });
    const succeededAt = new Map<string, number>();
    controller.engine.events.on('task.succeeded', ({ run, attempt }) => {
      succeededAt.set(`${run.id}/${attempt.taskName}`, performance.now());
    });
    const { labelValue } = await import('@kontroler/k8s-runtime');
    const chainLatency = async (atOnce: number, total: number) => {
      const toPod: number[] = [];
      for (let done = 0; done < total; done += atOnce) {
        const ids = await Promise.all(
          Array.from({ length: atOnce }, () => controller.engine.submit({ namespace: ns, name: 'chain' })),
        );
        await until(
          'chain runs',
          async () => {
            for (const r of ids)
              if ((await controller.engine.getRun(r.id))?.run.state !== 'succeeded') return false;
            return true;
          },
          120_000,
        );
        for (const { id } of ids) {
          for (let i = 1; i < chain.length; i++) {
            const parentDone = succeededAt.get(`${id}/c${i - 1}`);
            const podAt = podSeen.get(`${labelValue(id)}/c${i}`);
            if (parentDone !== undefined && podAt !== undefined) toPod.push(podAt - parentDone);
          }
        }
      }
      return toPod;
    };
    await chainLatency(1, 2); // warm-up
    const single = await chainLatency(1, 20);
    const five = await chainLatency(5, 20);
    // Issue 19: dependency finished → next pod created on the real apiserver, p50 < 5 ms, p99 < 20 ms.
    const p50 = percentile(single, 50);
    const p99 = percentile(single, 99);
    const anchor = `raw create → watch on the same apiserver in this run: p50 ${percentile(raw, 50).toFixed(1)} ms, p99 ${percentile(raw, 99).toFixed(1)} ms (${raw.length} pods POSTed one at a time)`;
    rows.push({
      name: 'dependency→pod created, p50',
      value: `${p50.toFixed(1)} ms`,
      target: '< 5 ms',
      ratio: versus(p50, 5, 'ms'),
      note: `${single.length} edges, one chain at a time; parent's success event → child pod in a watch (real apiserver); ${anchor}`,
    });
    rows.push({
      name: 'dependency→pod created, p99',
      value: `${p99.toFixed(1)} ms`,
      target: '< 20 ms',
      ratio: versus(p99, 20, 'ms'),
    });
    rows.push({
      name: 'dependency→pod created, 5 chains at once, p50 / p99',
      value: `${percentile(five, 50).toFixed(1)} / ${percentile(five, 99).toFixed(1)} ms`,
      note: `${five.length} edges; each step's pod writes (bind, 2 status updates, 2 deletes) queue on the same apiserver`,
    });

    await controller.engine.registerDag(tenTaskDag('ten-pods', ns));
    const tenPods = { namespace: ns, name: 'ten-pods' };
    await runsPerSecond(controller, tenPods, 3); // warm-up
    const rate = await runsPerSecond(controller, tenPods, 30);
    rows.push({
      name: 'runs/s, 10-task DAG, pods',
      value: rate.toFixed(2),
      note: `30 runs at once, concurrency 100; ${controller.podStats()?.created ?? 0} pods created, fake kubelet`,
    });
  } finally {
    informer.stop();
    await controller.stop();
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kontroler-bench-ctl-'));
  const pg = await startEmbeddedPostgres({
    dataDir: join(dir, 'pg'),
    settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off', max_connections: '300' },
  });
  let plane: ControlPlane | undefined;
  try {
    const { missing, dir: bin } = locateBinaries();
    if (missing.length > 0) {
      rows.push({ name: 'Kubernetes rows', value: 'skipped', note: `no ${missing.join(', ')} in ${bin}` });
    } else {
      plane = await startControlPlane();
      if (ROWS.has('rss')) {
        // As deployed (deploy/base: the container's node flags and NODE_OPTIONS), then plain node for comparison.
        await benchActiveAttempts(pg, plane, dir, { label: '', flags: deployedNodeFlags() });
        await benchActiveAttempts(pg, plane, dir, { label: ' (plain node)', flags: [] });
      }
    }
    if (ROWS.has('instant')) await benchInstant(pg);
    if (plane && ROWS.has('kubernetes')) await benchKubernetes(pg, plane);
  } finally {
    await plane?.stop();
    await pg.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  printTable('controller', rows);
  printMachine({ postgres: pg.version });
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
