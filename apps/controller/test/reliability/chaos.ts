/**
 * The reliability scenario: two controller child processes on the real control plane (fake kubelet) and
 * real PostgreSQL, a local webhook receiver, N DAGs (fan-out/fan-in, retries, failures) and a cron DAG, while
 * a random controller is SIGKILLed every few seconds (every other kill hits the leader), PostgreSQL is
 * restarted and the apiserver is restarted. It returns what it observed; the test decides what is allowed.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createEngine, type RunRecord, type RunState } from '@kontroler/core';
import { createInformer, type Informer } from '@kontroler/k8s-runtime';
import type { ControlPlane } from '@kontroler/k8s-runtime/testing';
import { createPostgresStore, type EmbeddedPostgresHandle, type PostgresStore } from '@kontroler/postgres';
import type { V1Lease, V1Pod } from '@kubernetes/client-node';
import { eventually, writeKubeconfig } from '../support/env.js';
import { spawnController, type ControllerProcess } from '../support/process.js';

export interface ChaosOptions {
  /** DAGs run at once (one run each), cycling fan-out/fan-in, retry and failure shapes. */
  readonly dags: number;
  /** A controller is killed this often. */
  readonly killEveryMs: number;
  /** Seconds between cron ticks of the scheduled DAG. */
  readonly cronSeconds: number;
  /** How long each task's pod runs. */
  readonly taskMs: number;
  /** Keep the chaos going at least this long (so cron ticks across leader kills). */
  readonly minChaosMs: number;
  readonly timeoutMs: number;
  readonly log?: (line: string) => void;
}

export interface ChaosSummary {
  readonly runs: number;
  readonly attempts: number;
  readonly kills: number;
  readonly leaderKills: number;
  /** Controllers that exited by themselves and were restarted. */
  readonly crashes: number;
  readonly postgresRestarts: number;
  readonly apiserverRestarts: number;
  readonly podsCreated: number;
  /** Attempts whose pod was created more than once (distinct uids). */
  readonly duplicatePods: number;
  readonly webhooksReceived: number;
  /** Deliveries received more than once with the same webhook-id (allowed). */
  readonly duplicateDeliveries: number;
  /** The same event (run, task, attempt, event) delivered under two different webhook-ids (not allowed). */
  readonly duplicateEvents: number;
  /** Outbox messages never received (not allowed). */
  readonly lostDeliveries: number;
  /** Runs whose outcome differs from the expected one. */
  readonly wrongOutcomes: string[];
  readonly cronRuns: number;
  /** Cron ticks fired more than once. */
  readonly cronDuplicates: number;
  /** Ticks between the first and last fired one that never fired. */
  readonly cronMissed: number;
  readonly elapsedMs: number;
}

/** Controller kills (one of them of the leader) the scenario makes before it ends. */
export const MIN_KILLS = 2;

type Shape = 'fan' | 'retry' | 'fail';
const EXPECTED: Record<Shape, RunState> = { fan: 'succeeded', retry: 'succeeded', fail: 'failed' };

function dagDoc(shape: Shape, name: string, namespace: string): object {
  const task = (taskName: string, runAfter: string[] = [], limit = 0) => ({
    name: taskName,
    image: 'busybox',
    command: ['true'],
    runAfter,
    backoff: { limit },
  });
  const tasks =
    shape === 'fan'
      ? [task('a'), task('b1', ['a']), task('b2', ['a']), task('b3', ['a']), task('join', ['b1', 'b2', 'b3'])]
      : shape === 'retry'
        ? [task('flaky', [], 2), task('after', ['flaky'])]
        : [task('broken', [], 1), task('never', ['broken'])];
  return { name, namespace, tasks };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Receiver {
  readonly url: string;
  readonly byId: Map<string, number>;
  readonly byEvent: Map<string, Set<string>>;
  total: number;
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const byId = new Map<string, number>();
  const byEvent = new Map<string, Set<string>>();
  const receiver = { byId, byEvent, total: 0 } as Omit<Receiver, 'url' | 'close'>;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => {
      const id = String(req.headers['webhook-id'] ?? '');
      receiver.total++;
      byId.set(id, (byId.get(id) ?? 0) + 1);
      try {
        const payload = JSON.parse(body) as {
          event: string;
          runId: string;
          taskName?: string;
          attempt?: number;
        };
        const key = [payload.event, payload.runId, payload.taskName ?? '', payload.attempt ?? ''].join('|');
        const ids = byEvent.get(key) ?? new Set<string>();
        ids.add(id);
        byEvent.set(key, ids);
      } catch {
        // counted by id only
      }
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(receiver, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

/** Pod creations per attempt (run/task/attempt labels), by uid, from a watch. */
export function watchPods(
  plane: ControlPlane,
  namespace: string,
): { informer: Informer<V1Pod>; uids: Map<string, Set<string>> } {
  const uids = new Map<string, Set<string>>();
  const informer = createInformer<V1Pod>({
    client: plane.admin,
    path: `/api/v1/namespaces/${namespace}/pods`,
    labelSelector: 'app.kubernetes.io/managed-by=kontroler',
    resyncMs: 0,
  });
  informer.on((event, pod) => {
    if (event === 'delete') return;
    const labels = pod.metadata?.labels ?? {};
    const key = `${labels['kontroler.greedykomodo/run']}/${labels['kontroler.greedykomodo/task']}/${labels['kontroler.greedykomodo/attempt']}`;
    const set = uids.get(key) ?? new Set<string>();
    set.add(pod.metadata?.uid ?? '');
    uids.set(key, set);
  });
  return { informer, uids };
}

export async function runChaos(
  plane: ControlPlane,
  pg: EmbeddedPostgresHandle,
  tmp: string,
  options: ChaosOptions,
): Promise<ChaosSummary> {
  const log = options.log ?? (() => {});
  const t0 = Date.now();
  const ns = await plane.createNamespace('chaos');
  const schema = `chaos_${process.pid}_${Date.now().toString(36)}`;
  const store: PostgresStore = await createPostgresStore({ url: pg.url, schema });
  const receiver = await startReceiver();
  const pods = watchPods(plane, ns);
  await pods.informer.start();
  const controllers: Array<ControllerProcess | undefined> = [undefined, undefined];

  try {
    const kubeconfig = writeKubeconfig(tmp, {
      url: plane.connection.url,
      caData: plane.connection.caData,
      token: plane.connection.controllerToken,
      user: `chaos-${ns}`,
    });
    const env = (i: number): Record<string, string> => ({
      DATABASE_URL: pg.url,
      KONTROLER_DATABASE_SCHEMA: schema,
      KUBECONFIG: kubeconfig,
      POD_NAME: `ctl-${i}`,
      KONTROLER_NAMESPACES: ns,
      KONTROLER_POD_NAMESPACE: ns,
      KONTROLER_LEADER_NAMESPACE: ns,
      KONTROLER_LEADER_LEASE_SECONDS: '3',
      KONTROLER_ATTEMPT_LEASE_MS: '3000',
      // How long no replica leads (a killed leader, the apiserver restarting) depends on the machine's load,
      // and with the default catch-up of one a gap over two ticks skips the older one by design. Catching up
      // every tick of the scenario makes "no tick missed, none twice" hold however long the gaps are.
      KONTROLER_CRON_MAX_CATCH_UP: '1000',
      KONTROLER_METRICS_PORT: '0',
      KONTROLER_SHUTDOWN_GRACE_MS: '1000',
      KONTROLER_WEBHOOK_URL: receiver.url,
      LOG_LEVEL: 'warn',
    });
    const launch = (i: number): ControllerProcess => {
      const controller = spawnController({ ...env(i), LOG_LEVEL: 'info' });
      controllers[i] = controller;
      return controller;
    };
    await Promise.all([launch(0).waitFor('controller started'), launch(1).waitFor('controller started')]);
    log(`controllers up after ${Date.now() - t0} ms`);

    // The simulated node: every pod runs taskMs; `flaky` fails its first attempt, `broken` always fails.
    plane.node.setDefault({ exitCode: 0, afterMs: options.taskMs });
    plane.node.script((pod) => pod.metadata?.labels?.['kontroler.greedykomodo/task'] === 'broken', {
      exitCode: 3,
      afterMs: options.taskMs,
    });
    plane.node.script(
      (pod) =>
        pod.metadata?.labels?.['kontroler.greedykomodo/task'] === 'flaky' &&
        pod.metadata.labels['kontroler.greedykomodo/attempt'] === '1',
      { exitCode: 1, afterMs: options.taskMs },
    );

    const submitter = createEngine({ store });
    const cronDag = `cron-${ns}`.slice(0, 50);
    await submitter.registerDag({
      name: cronDag,
      namespace: ns,
      schedule: `*/${options.cronSeconds} * * * * *`,
      tasks: [{ name: 'tick', image: 'busybox', command: ['true'] }],
    });
    const expected = new Map<string, { shape: Shape; run: RunRecord }>();
    const shapes: Shape[] = ['fan', 'retry', 'fail'];
    for (let i = 0; i < options.dags; i++) {
      const shape = shapes[i % shapes.length]!;
      const name = `${shape}-${i}-${ns}`.slice(0, 60);
      await submitter.registerDag(dagDoc(shape, name, ns));
      const run = await submitter.submit({ namespace: ns, name });
      expected.set(run.id, { shape, run });
    }
    log(`${options.dags} runs submitted at ${Date.now() - t0} ms`);

    let kills = 0;
    let leaderKills = 0;
    let postgresRestarts = 0;
    let apiserverRestarts = 0;
    const chaosStart = Date.now();
    const leaseApi = async (): Promise<string | null> => {
      try {
        const lease = await plane.admin.request<V1Lease>(
          'GET',
          `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/kontroler-controller`,
        );
        return lease.spec?.holderIdentity ?? null;
      } catch {
        return null;
      }
    };
    const finished = async (): Promise<boolean> => {
      for (const id of expected.keys()) {
        const run = await store.getRun(id);
        if (run === undefined || run.state === 'pending' || run.state === 'running') return false;
      }
      return true;
    };
    let crashes = 0;

    for (;;) {
      await sleep(options.killEveryMs);
      const elapsed = Date.now() - chaosStart;
      if (elapsed > options.timeoutMs) throw new Error(`runs did not finish within ${options.timeoutMs} ms`);
      // A controller that exits on its own (it gave up on an unreachable dependency) is restarted, as the
      // kubelet restarts a crashed container.
      for (const i of [0, 1]) {
        if (controllers[i]!.exited()) {
          crashes++;
          const tail = controllers[i]!.text().trim().split('\n').slice(-3).join('\n');
          log(
            `ctl-${i} exited by itself (${controllers[i]!.child.exitCode}); restarting it. Last lines:\n${tail}`,
          );
          launch(i);
        }
      }
      // The chaos the test asks for must have happened, not merely had time to: a restarted controller
      // may take tens of seconds to come up on a busy machine, and no kill happens until it is up.
      const done = await finished().catch(() => false);
      const killedEnough = kills >= MIN_KILLS && leaderKills >= 1;
      if (done && killedEnough && elapsed >= options.minChaosMs) break;
      if (postgresRestarts === 0 && elapsed >= options.killEveryMs * 1.5) {
        log(`restarting PostgreSQL at ${elapsed} ms`);
        await pg.stop();
        await sleep(1000);
        await pg.restart();
        postgresRestarts++;
        continue;
      }
      if (apiserverRestarts === 0 && elapsed >= options.killEveryMs * 3.5) {
        log(`restarting the apiserver at ${elapsed} ms`);
        await plane.restartApiserver();
        apiserverRestarts++;
        continue;
      }
      // Kill only while the other controller is up, so that someone can take over.
      const up = controllers.map(
        (c) => c !== undefined && !c.exited() && c.text().includes('controller started'),
      );
      if (!up[0] || !up[1]) continue;
      const holder = await leaseApi();
      const leader = holder === 'ctl-0' ? 0 : holder === 'ctl-1' ? 1 : -1;
      const victim = kills % 2 === 0 && leader >= 0 ? leader : Math.floor(Math.random() * 2);
      if (victim === leader) leaderKills++;
      kills++;
      log(`kill #${kills}: ctl-${victim}${victim === leader ? ' (leader)' : ''} at ${elapsed} ms`);
      await controllers[victim]!.kill('SIGKILL');
      // The pod's container restarts (same POD_NAME), as the kubelet would do.
      launch(victim);
    }
    log(`chaos over at ${Date.now() - chaosStart} ms: ${kills} kills, ${crashes} crashes`);

    // Deliveries still pending are sent by the survivors: wait for the outbox to drain.
    const allRuns = [
      ...expected.keys(),
      ...(await store.listRuns({ dag: { namespace: ns, name: cronDag } }, { limit: 500 })).items.map(
        (r) => r.id,
      ),
    ];
    await eventually(
      'every webhook to be delivered',
      async () => {
        for (const id of allRuns) {
          for (const { message } of await store.listDeliveries(id))
            if (message.status !== 'delivered') return false;
        }
        return true;
      },
      60_000,
      250,
    );

    let attempts = 0;
    const wrongOutcomes: string[] = [];
    for (const [id, { shape, run }] of expected) {
      const snapshot = await store.getRunSnapshot(id);
      attempts += snapshot?.attempts.length ?? 0;
      if (snapshot?.run.state !== EXPECTED[shape]) {
        // What each attempt ended with says why (a task's own exit, or a failure of the runtime).
        const attemptsSeen = (snapshot?.attempts ?? [])
          .map((a) => `${a.taskName}#${a.attempt} ${a.state} ${a.reason ?? ''} ${a.message ?? ''}`.trim())
          .join('; ');
        wrongOutcomes.push(
          `${run.dagName}: ${snapshot?.run.state ?? 'missing'} (expected ${EXPECTED[shape]}): ${attemptsSeen}`,
        );
      }
      const perTask = (task: string) => snapshot?.attempts.filter((a) => a.taskName === task).length ?? 0;
      if (shape === 'retry' && perTask('flaky') !== 2)
        wrongOutcomes.push(`${run.dagName}: flaky ran ${perTask('flaky')} times`);
      if (shape === 'fail' && perTask('broken') !== 2)
        wrongOutcomes.push(`${run.dagName}: broken ran ${perTask('broken')} times`);
    }

    let lostDeliveries = 0;
    for (const id of allRuns) {
      for (const { message } of await store.listDeliveries(id))
        if (!receiver.byId.has(message.id)) lostDeliveries++;
    }
    const runFinishedSeen = [...expected.keys()].filter((id) =>
      receiver.byEvent.has(['run.finished', id, '', ''].join('|')),
    ).length;
    if (runFinishedSeen !== expected.size) lostDeliveries += expected.size - runFinishedSeen;

    const cronRuns = (await store.listRuns({ dag: { namespace: ns, name: cronDag } }, { limit: 500 })).items;
    const ticks = cronRuns.map((r) => r.scheduledFor ?? 0).sort((a, b) => a - b);
    const uniqueTicks = [...new Set(ticks)];
    const span =
      uniqueTicks.length > 1
        ? (uniqueTicks.at(-1)! - uniqueTicks[0]!) / (options.cronSeconds * 1000) + 1
        : uniqueTicks.length;

    for (const [key, uids] of pods.uids) if (uids.size > 1) log(`pod created ${uids.size} times: ${key}`);
    return {
      runs: expected.size,
      attempts,
      kills,
      leaderKills,
      crashes,
      postgresRestarts,
      apiserverRestarts,
      podsCreated: [...pods.uids.values()].reduce((n, s) => n + s.size, 0),
      duplicatePods: [...pods.uids.values()].filter((s) => s.size > 1).length,
      webhooksReceived: receiver.total,
      duplicateDeliveries: [...receiver.byId.values()].filter((n) => n > 1).length,
      duplicateEvents: [...receiver.byEvent.values()].filter((ids) => ids.size > 1).length,
      lostDeliveries,
      wrongOutcomes,
      cronRuns: cronRuns.length,
      cronDuplicates: ticks.length - uniqueTicks.length,
      cronMissed: Math.round(span) - uniqueTicks.length,
      elapsedMs: Date.now() - t0,
    };
  } finally {
    await Promise.all(
      controllers.map(async (c) => {
        if (c === undefined || c.exited()) return;
        const timer = setTimeout(() => void c.kill('SIGKILL'), 10_000);
        await c.kill('SIGTERM');
        clearTimeout(timer);
      }),
    );
    pods.informer.stop();
    await receiver.close();
    await store.close().catch(() => undefined);
  }
}

/** The summary as a table for the test log. */
export function summaryTable(s: ChaosSummary): string {
  const rows: Array<[string, string | number]> = [
    ['runs', s.runs],
    ['attempts', s.attempts],
    ['controller kills (SIGKILL)', `${s.kills} (${s.leaderKills} of the leader)`],
    ['controllers that exited by themselves', s.crashes],
    ['PostgreSQL restarts', s.postgresRestarts],
    ['apiserver restarts', s.apiserverRestarts],
    ['pods created', s.podsCreated],
    ['pods created twice for one attempt', s.duplicatePods],
    ['webhook deliveries received', s.webhooksReceived],
    ['duplicates found (same webhook-id, allowed)', s.duplicateDeliveries],
    ['duplicate events under different ids', s.duplicateEvents],
    ['lost found', s.lostDeliveries],
    ['wrong outcomes', s.wrongOutcomes.length],
    ['cron runs', s.cronRuns],
    ['cron ticks fired twice', s.cronDuplicates],
    ['cron ticks missed', s.cronMissed],
    ['elapsed', `${(s.elapsedMs / 1000).toFixed(1)} s`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const line = `+${'-'.repeat(width + 2)}+${'-'.repeat(24)}+`;
  return [line, ...rows.map(([k, v]) => `| ${k.padEnd(width)} | ${String(v).padStart(22)} |`), line].join(
    '\n',
  );
}
