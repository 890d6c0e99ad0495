/**
 * Kubernetes runtime benchmark against a real kube-apiserver + etcd (the test harness's control plane):
 *
 * 1. pod creations/s: raw REST creates (16 in flight) vs the pod runtime's `execute` (16 in flight), with the
 *    client limits the deployed controller ships (read from deploy/base/deployment.yaml and the controller's
 *    config defaults) and with them raised — printed as a ratio to the raw figure measured in the same run;
 * 2. latency from a pod's terminal status (the simulated kubelet's status PATCH) to the runtime's resolved
 *    outcome, p50/p99.
 *
 * Run: `npm run bench -- k8s` or `npx tsx bench/k8s.ts` (it re-runs itself with `--conditions=source`).
 * Options: `--pods N` (default 1000), `--latency N` (default 300).
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { AttemptContext } from '@kontroler/core';

if (!process.execArgv.some((a) => a.includes('conditions=source'))) {
  const result = spawnSync(
    process.execPath,
    ['--conditions=source', ...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    { stdio: 'inherit' },
  );
  process.exit(result.status ?? 1);
}

const arg = (name: string, fallback: number): number => {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(process.argv[index + 1]) : Number.NaN;
  return Number.isFinite(value) && value > 0 ? value : fallback;
};

async function main(): Promise<void> {
  const { printMachine, printTable, percentile } = await import('./lib/report.js');
  const { deployedEnv } = await import('./lib/deployed-controller.js');
  const { loadConfig } = await import('@kontroler/controller');
  const core = await import('@kontroler/core');
  const k8s = await import('@kontroler/k8s-runtime');
  const { startControlPlane } = await import('@kontroler/k8s-runtime/testing');

  const POD_COUNT = arg('pods', 1000);
  const LATENCY_COUNT = arg('latency', 300);
  const IN_FLIGHT = 16;

  const t0 = Date.now();
  const plane = await startControlPlane();
  const startMs = Date.now() - t0;
  try {
    const admin = plane.admin;
    /** A namespace no simulated kubelet manages: pods are only stored, so creates are measured alone. */
    const bareNamespace = async (prefix: string) => {
      const name = `${prefix}-${randomUUID().slice(0, 8)}`;
      await admin.request('POST', '/api/v1/namespaces', { body: { metadata: { name } } });
      return name;
    };
    const pool = async (count: number, work: (i: number) => Promise<unknown>) => {
      let next = 0;
      await Promise.all(
        Array.from({ length: IN_FLIGHT }, async () => {
          while (next < count) await work(next++);
        }),
      );
    };
    const dag = core.compileDag({
      name: 'bench',
      tasks: [{ name: 'work', image: 'alpine:3.20', script: 'echo bench' }],
    });
    const context = (namespace: string, runId: string, signal: AbortSignal): AttemptContext => ({
      attemptId: `${runId}:work:1`,
      runId,
      dagName: 'bench',
      dagVersion: 1,
      namespace,
      taskName: 'work',
      attempt: 1,
      task: dag.tasks.get('work')!,
      dag,
      parameters: { region: { value: 'eu-west-1' } },
      reclaimed: false,
      signal,
      log: () => {},
    });

    // 1. Pod creations/s. The machine is shared, so raw and runtime creates run in alternating rounds and
    //    the medians are compared.
    const ROUNDS = 3;
    const perRound = Math.max(16, Math.floor(POD_COUNT / ROUNDS));
    const rawNs = await bareNamespace('bench-raw');
    const raw = k8s.createKubeClient(plane.kubeconfig, { qps: 0 });
    const rawPod = (name: string) => ({
      metadata: { name },
      spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'alpine:3.20' }] },
    });
    const rawRound = async (round: number) => {
      const start = performance.now();
      await pool(perRound, (i) =>
        raw.request('POST', `/api/v1/namespaces/${rawNs}/pods`, { body: rawPod(`raw-${round}-${i}`) }),
      );
      return perRound / ((performance.now() - start) / 1000);
    };

    /** A runtime whose execute() calls are timed up to their pod's creation (16 attempts in flight). */
    const runtimeBench = async (limits: { qps?: number; burst?: number }) => {
      const ns = await bareNamespace('bench-rt');
      const waiting = new Map<string, () => void>();
      const runtime = k8s.createPodRuntime({
        kubeConfig: plane.restrictedKubeConfig,
        namespace: ns,
        ...limits,
        onPodCreated: ({ name }) => waiting.get(name)?.(),
      });
      // The controller's RBAC in this namespace (the harness binds it only in createNamespace's).
      await admin.request('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`, {
        body: {
          metadata: { name: 'kontroler-controller' },
          roleRef: {
            apiGroup: 'rbac.authorization.k8s.io',
            kind: 'ClusterRole',
            name: 'kontroler-controller',
          },
          subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'kontroler-controller' }],
        },
      });
      const create = (runId: string) =>
        new Promise<void>((resolve) => {
          waiting.set(k8s.podName(runId, 'work', 1), resolve);
          void runtime.execute(context(ns, runId, new AbortController().signal));
        });
      return {
        async round(round: number, count = perRound) {
          const start = performance.now();
          await pool(count, (i) => create(`run-${round}-${i}`));
          return count / ((performance.now() - start) / 1000);
        },
        warmUp: () => pool(50, (i) => create(`warm-${i}`)),
      };
    };

    // The client limits of the deployed controller: its Deployment's environment over the config defaults.
    const shipped = loadConfig({ DATABASE_URL: 'postgres://unused.invalid/kontroler', ...deployedEnv() });
    if (!shipped.ok) throw new Error(`deploy/base: ${shipped.problems.join('; ')}`);
    const deployedLimits = { qps: shipped.config.kubeQps, burst: shipped.config.kubeBurst };
    const deployed = await runtimeBench(deployedLimits);
    const raised = await runtimeBench({ qps: 5000, burst: 5000 });
    // Warm-up for all: connections, the informer's list+watch, the RBAC and apiserver caches.
    await pool(50, (i) =>
      raw.request('POST', `/api/v1/namespaces/${rawNs}/pods`, { body: rawPod(`warm-${i}`) }),
    );
    await deployed.warmUp();
    await raised.warmUp();
    const rawRates: number[] = [];
    const deployedRates: number[] = [];
    const runtimeRates: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      rawRates.push(await rawRound(round));
      deployedRates.push(await deployed.round(round));
      runtimeRates.push(await raised.round(round));
    }
    raw.close();
    const rawRate = percentile(rawRates, 50);
    const deployedRate = percentile(deployedRates, 50);
    const raisedRate = percentile(runtimeRates, 50);
    const limitsText =
      deployedLimits.qps > 0
        ? `qps ${deployedLimits.qps}, burst ${deployedLimits.burst}`
        : 'no client-side limit';

    // 2. Terminal status → resolved outcome, through the simulated kubelet.
    const latNs = await plane.createNamespace('bench-lat');
    plane.node.setDefault({ afterMs: 100 });
    const latencyRuntime = k8s.createPodRuntime({
      kubeConfig: plane.restrictedKubeConfig,
      namespace: latNs,
      qps: 5000,
      burst: 5000,
    });
    const latencies: number[] = [];
    const e2e: number[] = [];
    await pool(LATENCY_COUNT, async (i) => {
      const runId = `lat-${i}`;
      const started = Date.now();
      const outcome = await latencyRuntime.execute(context(latNs, runId, new AbortController().signal));
      const resolved = Date.now();
      if (outcome.status !== 'succeeded') throw new Error(`attempt ${runId} ${outcome.reason}`);
      const sent = plane.node.terminations.get(`${latNs}/${k8s.podName(runId, 'work', 1)}`);
      if (sent !== undefined) latencies.push(resolved - sent);
      e2e.push(resolved - started);
    });

    printTable('Kubernetes pod runtime (real kube-apiserver 1.37.2 + etcd, simulated kubelet)', [
      {
        name: 'control plane start (etcd + apiserver + CRDs)',
        value: `${startMs} ms`,
        note: JSON.stringify(plane.timings),
      },
      {
        name: `raw pod creates, ${IN_FLIGHT} in flight (median)`,
        value: `${rawRate.toFixed(0)} pods/s`,
        note: `rounds: ${rawRates.map((r) => r.toFixed(0)).join(', ')}; ${perRound} pods each`,
      },
      {
        name: 'runtime, limits raised (qps 5000, burst 5000) (median)',
        value: `${raisedRate.toFixed(0)} pods/s`,
        target: '≥ 100 pods/s',
        note: `ratio to raw ${(raisedRate / rawRate).toFixed(2)}; rounds: ${runtimeRates.map((r) => r.toFixed(0)).join(', ')}`,
      },
      {
        name: `runtime, deployed settings (${limitsText}) (median)`,
        value: `${deployedRate.toFixed(0)} pods/s`,
        target: '≥ 0.5× raw',
        note: `ratio to raw ${(deployedRate / rawRate).toFixed(2)}; rounds: ${deployedRates.map((r) => r.toFixed(0)).join(', ')}`,
      },
      {
        name: 'terminal status → outcome, p50',
        value: `${percentile(latencies, 50).toFixed(0)} ms`,
        target: '< 100 ms',
        note: `${latencies.length} attempts, ${IN_FLIGHT} in flight`,
      },
      { name: 'terminal status → outcome, p99', value: `${percentile(latencies, 99).toFixed(0)} ms` },
      {
        name: 'execute() end to end (pod runs 100 ms), p50 / p99',
        value: `${percentile(e2e, 50).toFixed(0)} / ${percentile(e2e, 99).toFixed(0)} ms`,
      },
    ]);
    printMachine({ kubernetes: 'kube-apiserver v1.37.2, etcd 3.7.0 (built from Go modules)' });
    await latencyRuntime.close?.();
  } finally {
    await plane.stop();
  }
  // Abandoned execute() calls of the creation benchmark keep timers; nothing else is left to wait for.
  process.exit(0);
}

await main();
