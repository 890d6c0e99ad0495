/**
 * `npm run bench -- controller` (or `npx tsx --conditions=source bench/controller.ts`): what the controller
 * costs, with `startController` in this process on an embedded PostgreSQL.
 *
 * - RSS with 10,000 active task attempts: 100 runs × 100 parallel tasks, all claimed and running at once
 *   on a runtime that holds each attempt until it is aborted (the engine, store client and controller are
 *   what is measured; pods would cost the apiserver, not the controller);
 * - dependency→pod-created latency on the real apiserver: the time from a parent task's success (engine
 *   event) to its child's pod appearing in a watch, over chains of tasks (p50/p99);
 * - runs/s of a 10-task DAG (fan-out/fan-in), on pods through the real apiserver and the fake kubelet, and
 *   on a runtime that returns at once (the engine + PostgreSQL ceiling).
 *
 * Without the control plane binaries the Kubernetes rows are skipped with the reason.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Runtime, TaskOutcome } from '@kontroler/core';
import {
  startController,
  loadConfig,
  type ControllerConfig,
  type ControllerHandle,
} from '@kontroler/controller';
import { createInformer } from '@kontroler/k8s-runtime';
import { locateBinaries, startControlPlane, type ControlPlane } from '@kontroler/k8s-runtime/testing';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '@kontroler/postgres';
import type { V1Pod } from '@kubernetes/client-node';
import { percentile, printMachine, printTable, type BenchRow } from './lib/report.js';

const ACTIVE = Number(process.env.BENCH_ACTIVE ?? 10_000);
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

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** A runtime that keeps every attempt running until it is aborted. */
function holdingRuntime(): Runtime & { running: () => number } {
  let running = 0;
  return {
    name: 'hold',
    running: () => running,
    execute: (ctx) =>
      new Promise<TaskOutcome>((resolve) => {
        running++;
        ctx.signal.addEventListener('abort', () => {
          running--;
          resolve({ status: 'failed', exitCode: null, reason: 'Canceled' });
        });
      }),
  };
}

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

async function runsPerSecond(controller: ControllerHandle, dag: string, runs: number): Promise<number> {
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

async function benchActiveAttempts(pg: EmbeddedPostgresHandle): Promise<void> {
  gc();
  const before = process.memoryUsage().rss;
  const runtime = holdingRuntime();
  const controller = await startController(
    config(pg, { KONTROLER_RUNTIME: 'process', KONTROLER_CONCURRENCY: String(ACTIVE) }),
    { runtime },
  );
  try {
    const perRun = 100;
    const runs = Math.ceil(ACTIVE / perRun);
    const tasks = Array.from({ length: perRun }, (_, i) => ({
      name: `t${i}`,
      image: 'x',
      command: ['true'],
    }));
    await controller.engine.registerDag({ name: 'wide', tasks });
    const t0 = performance.now();
    for (let i = 0; i < runs; i++) await controller.engine.submit('wide');
    await until(`${ACTIVE} attempts running`, () => runtime.running() >= ACTIVE, 600_000);
    const claimMs = performance.now() - t0;
    gc();
    const usage = process.memoryUsage();
    rows.push({
      name: `controller RSS, ${ACTIVE.toLocaleString('en')} active attempts`,
      value: mb(usage.rss),
      target: '< 200 MB',
      note: `heap ${mb(usage.heapUsed)}; ${mb(before)} before start (the module graph loaded from TypeScript through tsx); all running after ${(claimMs / 1000).toFixed(1)} s`,
    });
  } finally {
    await controller.stop();
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
    await runsPerSecond(controller, 'ten', 5); // warm-up
    const rate = await runsPerSecond(controller, 'ten', 100);
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
    const key = `${l['kontroler.greedykomodo/run']}/${l['kontroler.greedykomodo/task']}`;
    if (event === 'add' && !podSeen.has(key)) podSeen.set(key, performance.now());
  });
  await informer.start();
  try {
    // Latency: chains of 6 tasks; each edge is one sample.
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
    const chainRuns: string[] = [];
    for (let batch = 0; batch < 4; batch++) {
      const ids = await Promise.all(Array.from({ length: 5 }, () => controller.engine.submit('chain')));
      chainRuns.push(...ids.map((r) => r.id));
      await until(
        'chain runs',
        async () => {
          for (const r of ids)
            if ((await controller.engine.getRun(r.id))?.run.state !== 'succeeded') return false;
          return true;
        },
        120_000,
      );
    }
    const { labelValue } = await import('@kontroler/k8s-runtime');
    const samples: number[] = [];
    for (const runId of chainRuns) {
      for (let i = 1; i < chain.length; i++) {
        const parentDone = succeededAt.get(`${runId}/c${i - 1}`);
        const podAt = podSeen.get(`${labelValue(runId)}/c${i}`);
        if (parentDone !== undefined && podAt !== undefined) samples.push(podAt - parentDone);
      }
    }
    rows.push({
      name: 'dependency→pod created, p50',
      value: `${percentile(samples, 50).toFixed(1)} ms`,
      note: `${samples.length} edges; parent's success event → child pod in a watch (real apiserver)`,
    });
    rows.push({ name: 'dependency→pod created, p99', value: `${percentile(samples, 99).toFixed(1)} ms` });

    await controller.engine.registerDag(tenTaskDag('ten-pods', ns));
    await runsPerSecond(controller, 'ten-pods', 3); // warm-up
    const rate = await runsPerSecond(controller, 'ten-pods', 30);
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
    await benchActiveAttempts(pg);
    await benchInstant(pg);
    const { missing, dir: bin } = locateBinaries();
    if (missing.length > 0) {
      rows.push({ name: 'Kubernetes rows', value: 'skipped', note: `no ${missing.join(', ')} in ${bin}` });
    } else {
      plane = await startControlPlane();
      await benchKubernetes(pg, plane);
    }
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
