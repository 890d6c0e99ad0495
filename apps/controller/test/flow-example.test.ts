/**
 * examples/flow on Kubernetes: its `flow.yaml` applied to the real kube-apiserver as a DAG resource, run by
 * the controller (restricted client, PostgreSQL store) as one pod per task attempt — forEach instances
 * included — with DagRun resources. The simulated node runs each pod's command on the host (`runOnHost`),
 * so every task's own script writes its output files and the outputs wrapper returns them in the
 * termination message, as a kubelet would; templates, `when`, the trigger rule and the exit handler then
 * read them. Simulated: binding, pod status, termination messages (from the host run), graceful deletion.
 */
import { readFileSync } from 'node:fs';
import { afterEach, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { RunSnapshot } from '@kontroler/core';
import { startController, type ControllerHandle } from '../src/controller.js';
import { configFrom, describeK8s, eventually, usePostgres } from './support/env.js';

const pg = usePostgres();
const manifest = parseYaml(
  readFileSync(new URL('../../../examples/flow/flow.yaml', import.meta.url), 'utf8'),
) as Record<string, unknown>;
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

/** The latest attempt of each task: state, reason and outputs. */
function tasks(snapshot: RunSnapshot) {
  const latest = new Map<string, RunSnapshot['attempts'][number]>();
  for (const a of snapshot.attempts) {
    const current = latest.get(a.taskName);
    if (current === undefined || a.attempt > current.attempt) latest.set(a.taskName, a);
  }
  return Object.fromEntries(
    [...latest.values()].map((a) => [a.taskName, { state: a.state, reason: a.reason, outputs: a.outputs }]),
  );
}

describeK8s('examples/flow through the controller on the real apiserver', (plane) => {
  it('runs flow.yaml as pods: outputs from termination messages, forEach pods, when, all_done, onExit', async () => {
    const ns = await plane().createNamespace('flow');
    // Every pod of this namespace runs its own command on the host.
    plane().node.script(() => true, { runOnHost: true }, { namespace: ns });
    const controller: ControllerHandle = await startController(
      configFrom({
        DATABASE_URL: pg().url,
        KONTROLER_DATABASE_SCHEMA: pg().schema(),
        KONTROLER_NAMESPACES: ns,
        KONTROLER_POD_NAMESPACE: ns,
        KONTROLER_LEADER_NAMESPACE: ns,
        KONTROLER_LEADER_LEASE_SECONDS: '5',
      }),
      { kubeConfig: plane().restrictedKubeConfig, pollIntervalMs: 200 },
    );
    cleanups.push(() => controller.stop());
    await eventually('leadership', () => controller.isLeader());

    const { admin } = plane();
    const base = `/apis/kontroler.greedykomodo/v1alpha1/namespaces/${ns}`;
    await admin.request('POST', `${base}/dags`, { body: manifest });
    const runOf = async (name: string, parameters: Array<{ name: string; value: string }>) => {
      await admin.request('POST', `${base}/dagruns`, {
        body: {
          apiVersion: 'kontroler.greedykomodo/v1alpha1',
          kind: 'DagRun',
          metadata: { name },
          spec: { dagName: 'flow', parameters },
        },
      });
      const status = await eventually(
        `DagRun ${name} to finish`,
        async () => {
          const resource = await admin.request<{ status?: { phase?: string; dagRunId?: string } }>(
            'GET',
            `${base}/dagruns/${name}`,
          );
          const phase = resource.status?.phase;
          return phase === 'Succeeded' || phase === 'Failed' ? resource.status : undefined;
        },
        60_000,
        100,
      );
      const snapshot = await controller.engine.getRun(status?.dagRunId ?? '');
      if (snapshot === undefined) throw new Error(`run of ${name} not found`);
      return { phase: status?.phase, snapshot };
    };

    // 1. Everything loads.
    const ok = await runOf('flow-ok', []);
    expect(ok.phase).toBe('Succeeded');
    const files = ['orders.csv', 'customers.csv', 'returns.csv'];
    expect(tasks(ok.snapshot)).toEqual({
      extract: { state: 'succeeded', reason: 'Completed', outputs: { files } },
      'transform[0]': { state: 'succeeded', reason: 'Completed', outputs: { rows: 10 } },
      'transform[1]': { state: 'succeeded', reason: 'Completed', outputs: { rows: 13 } },
      'transform[2]': { state: 'succeeded', reason: 'Completed', outputs: { rows: 11 } },
      transform: { state: 'succeeded', reason: 'Completed', outputs: { rows: [10, 13, 11] } },
      load: { state: 'succeeded', reason: 'Completed', outputs: { loaded: 34 } },
      audit: { state: 'succeeded', reason: 'Completed', outputs: { verdict: 'transform succeeded' } },
      notify: {
        state: 'succeeded',
        reason: 'Completed',
        outputs: {
          message: `run ${ok.snapshot.run.id} of flow: succeeded (failed: []) for ${JSON.stringify(files)}`,
        },
      },
    });
    // One pod per attempt: extract, three transform instances (the forEach task itself runs none), load,
    // audit and notify. load's sum (34) came from its rendered env ROWS=[10,13,11].
    const started = plane().node.started.filter((p) => p.startsWith(`${ns}/`));
    expect(started).toHaveLength(7);
    expect(new Set(started).size).toBe(7);

    // 2. One instance fails for good: the run fails, load is skipped, audit and notify still run.
    const failed = await runOf('flow-fail', [{ name: 'failOn', value: 'customers.csv' }]);
    expect(failed.phase).toBe('Failed');
    const byTask = tasks(failed.snapshot);
    expect(byTask['transform[1]']).toMatchObject({ state: 'failed', reason: 'Error' });
    expect(failed.snapshot.attempts.filter((a) => a.taskName === 'transform[1]')).toHaveLength(2);
    expect(byTask.load).toMatchObject({ state: 'skipped', reason: 'UpstreamFailed' });
    expect(byTask.audit).toMatchObject({ state: 'succeeded', outputs: { verdict: 'transform failed' } });
    expect(byTask.notify?.outputs).toEqual({
      message: `run ${failed.snapshot.run.id} of flow: failed (failed: ["transform"]) for ${JSON.stringify(files)}`,
    });
  });
});
