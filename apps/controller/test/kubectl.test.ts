/**
 * kubectl, built from the same Kubernetes release as the harness's kube-apiserver, drives the project as
 * users do: `kubectl apply -k deploy/`, `kubectl apply` of Kontroler's documented examples, `kubectl get`
 * with the printer columns filled in by a running controller, `kubectl wait` on a DagRun the controller
 * completes, `kubectl explain` on the CRDs, and `kubectl delete` of a running DagRun stopping its pods.
 *
 * Simulated (no kubelet, scheduler or controller-manager): the harness's fake kubelet runs the pods (exit 0
 * unless scripted). Everything in deploy/ is accepted by the apiserver as is (a Deployment, Service and
 * PodDisruptionBudget need no kubelet to be stored); nothing starts the Deployment's pods here.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LABELS } from '@kontroler/k8s-runtime';
import { startController, type ControllerHandle } from '../src/controller.js';
import { configFrom, describeK8s, eventually, locateKubectl, usePostgres } from './support/env.js';

const REPO = join(import.meta.dirname, '..', '..', '..');
const EXAMPLES = join(REPO, 'packages', 'core', 'test', 'dag', 'kontroler-examples');
/** The one example the apiserver refuses, as Kontroler's own CRD would (see kontroler-examples.test.ts). */
const REJECTED_EXAMPLE = 'blog-resource-aware.yaml';

const pg = usePostgres();
const tmp = mkdtempSync(join(tmpdir(), 'kontroler-kubectl-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

describeK8s(
  'kubectl against the real apiserver and a running controller',
  (plane) => {
    let ns: string;
    let controller: ControllerHandle;
    let env: NodeJS.ProcessEnv;

    /** Runs kubectl with the admin kubeconfig (current namespace: the test's), optionally fed `input`. */
    function kubectl(args: readonly string[], input?: string): Promise<Result> {
      const located = locateKubectl();
      if (!('path' in located)) throw new Error(located.reason);
      return new Promise((resolve, reject) => {
        const child = spawn(located.path, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
        child.on('error', reject);
        child.on('close', (code) => {
          clearTimeout(timer);
          resolve({ code, stdout, stderr });
        });
        child.stdin.end(input ?? '');
      });
    }
    /** kubectl that must succeed; returns its stdout. */
    async function ok(args: readonly string[], input?: string): Promise<string> {
      const result = await kubectl(args, input);
      expect(result.code, `kubectl ${args.join(' ')}\n${result.stderr}${result.stdout}`).toBe(0);
      return result.stdout;
    }
    /** The rows of a `kubectl get` table, as column → value records. */
    function table(text: string): Array<Record<string, string>> {
      const rows: Array<Record<string, string>> = [];
      for (const block of text.trim().split(/\n\s*\n/)) {
        const [header, ...lines] = block.split('\n');
        const starts = [...header!.matchAll(/\S+/g)].map((m) => ({ name: m[0], at: m.index }));
        for (const line of lines) {
          rows.push(
            Object.fromEntries(
              starts.map((c, i) => [c.name, line.slice(c.at, starts[i + 1]?.at ?? undefined).trim()]),
            ),
          );
        }
      }
      return rows;
    }

    beforeAll(async () => {
      const { connection, admin, node } = plane();
      ns = await plane().createNamespace('kubectl');
      // Two of the examples name `namespace: default`: the controller watches it too, with the same
      // least-privilege role, and the fake kubelet runs its pods.
      await admin.request('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings', {
        body: {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'RoleBinding',
          metadata: { name: 'kontroler-controller-test' },
          roleRef: {
            apiGroup: 'rbac.authorization.k8s.io',
            kind: 'ClusterRole',
            name: 'kontroler-controller',
          },
          subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'kontroler-controller' }],
        },
      });
      node.manage('default');

      const kubeconfig = join(tmp, 'kubeconfig.yaml');
      writeFileSync(
        kubeconfig,
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'Config',
          clusters: [
            {
              name: 'harness',
              cluster: { server: connection.url, 'certificate-authority-data': connection.caData },
            },
          ],
          users: [{ name: 'admin', user: { token: connection.adminToken } }],
          contexts: [{ name: 'harness', context: { cluster: 'harness', user: 'admin', namespace: ns } }],
          'current-context': 'harness',
        }),
      );
      // kubectl keeps its discovery cache under $HOME/.kube: a fresh home per run.
      const home = join(tmp, 'home');
      mkdirSync(home);
      env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, KUBECONFIG: kubeconfig };

      controller = await startController(
        configFrom({
          DATABASE_URL: pg().url,
          KONTROLER_DATABASE_SCHEMA: pg().schema(),
          KONTROLER_NAMESPACES: `${ns},default`,
          KONTROLER_POD_NAMESPACE: ns,
          KONTROLER_LEADER_NAMESPACE: ns,
          KONTROLER_LEADER_LEASE_SECONDS: '5',
        }),
        { kubeConfig: plane().restrictedKubeConfig, pollIntervalMs: 200 },
      );
      await eventually('leadership', () => controller.isLeader(), 30_000);
    }, 120_000);
    afterAll(async () => {
      await controller?.stop();
    });

    it('kubectl version: client and server are the same release', async () => {
      const version = JSON.parse(await ok(['version', '-o', 'json'])) as {
        clientVersion: { gitVersion: string };
        serverVersion: { gitVersion: string };
      };
      expect(version.clientVersion.gitVersion).toBe('v1.37.2');
      expect(version.serverVersion.gitVersion).toBe(version.clientVersion.gitVersion);
    });

    it('kubectl apply -k deploy/ applies every object, and applying again changes nothing', async () => {
      const first = await ok(['apply', '-k', join(REPO, 'deploy')]);
      expect(first).toMatch(/^namespace\/kontroler created$/m);
      expect(first).toMatch(/^deployment\.apps\/kontroler-controller created$/m);
      expect(first).toMatch(/^service\/kontroler-controller-metrics created$/m);
      expect(first).toMatch(/^poddisruptionbudget\.policy\/kontroler-controller created$/m);
      expect(first).toMatch(/^serviceaccount\/kontroler-controller created$/m);
      expect(first).toMatch(/^rolebinding\.rbac\.authorization\.k8s\.io\/kontroler-controller created$/m);
      // The harness installed the CRDs and the ClusterRole from the same files before: kubectl takes them over.
      for (const crd of ['dags', 'dagruns', 'dagtasks']) {
        expect(first).toMatch(
          new RegExp(
            `^customresourcedefinition.apiextensions.k8s.io/${crd}.kontroler.greedykomodo (configured|unchanged)$`,
            'm',
          ),
        );
      }
      // The admission webhook: its Service and its configuration (cluster-scoped).
      expect(first).toMatch(/^service\/kontroler-controller-admission created$/m);
      expect(first).toMatch(
        /^validatingwebhookconfiguration\.admissionregistration\.k8s\.io\/kontroler-admission created$/m,
      );
      // namespace, 3 CRDs, service account, cluster role, role binding, 2 services, deployment, PDB, webhook.
      expect(first.trim().split('\n')).toHaveLength(12);

      const pdbVersion = () =>
        ok([
          'get',
          'pdb/kontroler-controller',
          '-n',
          'kontroler',
          '-o',
          'jsonpath={.metadata.resourceVersion}',
        ]);
      const pdbBefore = await pdbVersion();
      const again = (await ok(['apply', '-k', join(REPO, 'deploy')])).trim().split('\n');
      expect(again).toHaveLength(12);
      // Regression: dagtasks' CRD once had an empty `required: []` that the apiserver drops, so every apply
      // "configured" it again. The PDB is kubectl's own case: its selector's patch strategy is `replace`,
      // so the patch always carries it, and the object stays as it was (same resourceVersion).
      expect(again.filter((l) => !l.endsWith(' unchanged'))).toEqual([
        'poddisruptionbudget.policy/kontroler-controller configured',
      ]);
      expect(await pdbVersion()).toBe(pdbBefore);

      const replicas = await ok([
        'get',
        'deployment/kontroler-controller',
        '-n',
        'kontroler',
        '-o',
        'jsonpath={.spec.replicas} {.spec.template.spec.serviceAccountName}',
      ]);
      expect(replicas).toBe('2 kontroler-controller');
      // The server-side view agrees with the client-side one: nothing left to change.
      const diff = await kubectl(['diff', '-k', join(REPO, 'deploy')]);
      expect(diff.code, diff.stderr + diff.stdout).toBe(0);
    });

    it("applies Kontroler's documented examples; the one with an unknown field is refused by the apiserver", async () => {
      const files = readdirSync(EXAMPLES)
        .filter((f) => f.endsWith('.yaml') && f !== REJECTED_EXAMPLE)
        .sort();
      expect(files.length).toBeGreaterThanOrEqual(20);
      const applied = await ok(['apply', ...files.flatMap((f) => ['-f', join(EXAMPLES, f)])]);
      for (const name of ['hello-world', 'fan-out-example', 'dag-schedule', 'dag-ref', 'cronjob']) {
        expect(applied).toMatch(new RegExp(`^dag.kontroler.greedykomodo/${name} (created|configured)$`, 'm'));
      }
      expect(applied).toMatch(/^dagtask\.kontroler\.greedykomodo\/dagtask-sample created$/m);
      expect(applied).toMatch(/^dagrun\.kontroler\.greedykomodo\/dagrun-sample created$/m);
      expect(applied).toMatch(/^dagrun\.kontroler\.greedykomodo\/realistic-pipeline-run created$/m);

      const refused = await kubectl(['apply', '-f', join(EXAMPLES, REJECTED_EXAMPLE)]);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain('strict decoding error: unknown field "spec.task[0].resources"');
    });

    it('kubectl wait --for=jsonpath on DagRuns the controller completes, and get shows the printer columns', async () => {
      // The examples' own DagRuns (one in `default`, as its manifest says) and one of ours.
      await ok(
        ['apply', '-f', '-'],
        JSON.stringify({
          apiVersion: 'kontroler.greedykomodo/v1alpha1',
          kind: 'DagRun',
          metadata: { name: 'hello-1' },
          spec: { dagName: 'hello-world' },
        }),
      );
      const waited = await ok([
        'wait',
        'dagrun/hello-1',
        'dagrun/dagrun-sample',
        '--for=jsonpath={.status.phase}=Succeeded',
        '--timeout=90s',
      ]);
      expect(waited.trim().split('\n')).toEqual([
        'dagrun.kontroler.greedykomodo/hello-1 condition met',
        'dagrun.kontroler.greedykomodo/dagrun-sample condition met',
      ]);
      await ok([
        'wait',
        '-n',
        'default',
        'dagrun/realistic-pipeline-run',
        '--for=jsonpath={.status.phase}=Succeeded',
        '--timeout=90s',
      ]);
      await ok(['wait', 'dag/hello-world', '--for=jsonpath={.status.phase}=Successful', '--timeout=30s']);

      const rows = table(await ok(['get', 'dags,dagruns', '-o', 'wide']));
      const dag = rows.find((r) => r.NAME === 'dag.kontroler.greedykomodo/hello-world');
      expect(dag).toMatchObject({ SCHEDULE: '', VERSION: '1', PHASE: 'Successful', VALID: 'true' });
      expect(rows.find((r) => r.NAME === 'dag.kontroler.greedykomodo/dag-schedule')).toMatchObject({
        SCHEDULE: '*/1 * * * *',
        VERSION: '1',
        PHASE: 'Successful',
      });
      const run = rows.find((r) => r.NAME === 'dagrun.kontroler.greedykomodo/hello-1');
      expect(run).toMatchObject({ DAG: 'hello-world', VERSION: '1', PHASE: 'Succeeded' });
      expect(run?.AGE).toMatch(/^\d+s$/);
      // The Run column is the run's id in the store.
      const snapshot = await controller.engine.getRun(run?.RUN ?? '');
      expect(snapshot?.run.state).toBe('succeeded');
      expect(snapshot?.attempts.map((a) => a.taskName).sort()).toEqual(['hello', 'world']);
      // A DagRun naming a DAG that does not exist (as one of the examples does) says so in its status.
      expect(rows.find((r) => r.NAME === 'dagrun.kontroler.greedykomodo/dagrun-sample5')?.PHASE).toMatch(
        /^(Pending|Failed)$/,
      );
    });

    it('kubectl explain describes the CRDs field by field', async () => {
      const task = await ok(['explain', 'dags.spec.task']);
      expect(task).toContain('KIND:       DAG');
      expect(task).toContain('The tasks (Kontroler calls the list `task`)');
      expect(task).toMatch(/^ {2}runAfter\t<\[\]string>$/m);
      expect(task).toMatch(/^ {2}name\t<string> -required-$/m);
      const status = await ok(['explain', 'dagruns.status.phase']);
      expect(status).toMatch(/ENUM:\s+Queued\s+Pending\s+Running\s+Succeeded\s+Failed\s+Canceled\s/);
      // A run's own options on the DagRun (docs/run-limits.md, docs/flow/deadline.md).
      const runSpec = await ok(['explain', 'dagruns.spec']);
      expect(runSpec).toMatch(/^ {2}priority\t<integer>$/m);
      expect(runSpec).toMatch(/^ {2}activeDeadlineSeconds\t<integer>$/m);
      expect(await ok(['explain', 'dagtasks.spec'])).toContain('KIND:       DagTask');
    });

    it('kubectl delete of a running DagRun cancels the run and its pods go away', async () => {
      const { node } = plane();
      node.script('forever', { afterMs: Number.POSITIVE_INFINITY, logs: ['working'] }, { namespace: ns });
      await ok(
        ['apply', '-f', '-'],
        [
          {
            apiVersion: 'kontroler.greedykomodo/v1alpha1',
            kind: 'DAG',
            metadata: { name: 'sleeper' },
            spec: {
              task: [
                { name: 'forever', image: 'busybox', command: ['sleep', 'infinity'] },
                { name: 'after', image: 'busybox', command: ['true'], runAfter: ['forever'] },
              ],
            },
          },
          {
            apiVersion: 'kontroler.greedykomodo/v1alpha1',
            kind: 'DagRun',
            metadata: { name: 'sleeper-1' },
            spec: { dagName: 'sleeper' },
          },
        ]
          .map((doc) => JSON.stringify(doc))
          .join('\n---\n'),
      );
      await ok(['wait', 'dagrun/sleeper-1', '--for=jsonpath={.status.phase}=Running', '--timeout=60s']);
      const runId = await ok(['get', 'dagrun/sleeper-1', '-o', 'jsonpath={.status.dagRunId}']);
      const selector = `${LABELS.run}=${runId}`;
      const pods = await eventually('the running pod', async () => {
        const names = (await ok(['get', 'pods', '-l', selector, '-o', 'name'])).trim();
        return names ? names.split('\n') : undefined;
      });
      expect(pods).toHaveLength(1);
      await ok(['wait', ...pods, '--for=jsonpath={.status.phase}=Running', '--timeout=30s']);

      expect(await ok(['delete', 'dagrun/sleeper-1'])).toMatch(
        /^dagrun\.kontroler\.greedykomodo "sleeper-1" deleted/,
      );
      await ok(['wait', 'pods', '-l', selector, '--for=delete', '--timeout=60s']);
      expect((await ok(['get', 'pods', '-l', selector, '-o', 'name'])).trim()).toBe('');
      const snapshot = await eventually('the run canceled in the store', async () => {
        const s = await controller.engine.getRun(runId);
        return s?.run.state === 'canceled' ? s : undefined;
      });
      // The task after the canceled one never started.
      expect(snapshot.attempts.filter((a) => a.taskName === 'after' && a.state === 'running')).toEqual([]);
    });
  },
  { requires: ['kubectl'] },
);
