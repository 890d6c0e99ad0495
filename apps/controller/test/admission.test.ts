/**
 * The validating admission webhook, end to end: the controller serves it on loopback (TLS, a CA made here
 * with openssl), the webhook configuration shipped in deploy/ is registered with the harness's real
 * kube-apiserver (its Service reference swapped for a URL, as for a webhook outside the cluster), and
 * kubectl shows what a user sees: a cyclic DAG refused with the cycle's path and the field at fault, a
 * valid one created (and registered by the controller), DagRuns refused for an unknown DAG or parameter.
 * Then the certificate is rotated under the running controller and served without a restart.
 *
 * Simulated: nothing (no pods run here). The apiserver calls the webhook itself.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { KubeApiError } from '@kontroler/k8s-runtime';
import { startController, type ControllerHandle } from '../src/controller.js';
import { makeServingCertificates, type TestCertificates } from './support/certs.js';
import { configFrom, describeK8s, eventually, usePostgres, writeKubeconfig } from './support/env.js';
import { runKubectl, type KubectlResult } from './support/kubectl-run.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const WEBHOOK_YAML = join(ROOT, 'deploy', 'base', 'admission-webhook.yaml');
const DAGS = '/apis/kontroler.greedykomodo/v1alpha1/namespaces';

const pg = usePostgres();
const tmp = mkdtempSync(join(tmpdir(), 'kontroler-admission-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface WebhookConfiguration {
  metadata: { name: string; annotations?: Record<string, string> };
  webhooks: Array<{
    name: string;
    clientConfig: Record<string, unknown>;
    namespaceSelector?: { matchExpressions?: Array<{ values?: string[] }> };
  }>;
}

const manifest = (kind: string, name: string, spec: object): string =>
  JSON.stringify({ apiVersion: 'kontroler.greedykomodo/v1alpha1', kind, metadata: { name }, spec });
const task = (name: string, runAfter: string[] = []) => ({
  name,
  image: 'alpine:3.20',
  script: `echo ${name}`,
  ...(runAfter.length > 0 ? { runAfter } : {}),
});

describeK8s(
  'admission webhook on the real apiserver',
  (plane) => {
    let ns: string;
    let controller: ControllerHandle;
    let env: NodeJS.ProcessEnv;
    let certs: TestCertificates;
    let webhookName: string;

    const kubectl = (args: readonly string[], input?: string): Promise<KubectlResult> =>
      runKubectl(['-n', ns, ...args], env, input);

    /** Registers deploy/'s webhook configuration, pointed at the controller on loopback with `caPem`. */
    async function registerWebhook(caPem: string): Promise<void> {
      const shipped = parseYaml(readFileSync(WEBHOOK_YAML, 'utf8')) as WebhookConfiguration;
      delete shipped.metadata.annotations;
      shipped.metadata.name = webhookName;
      for (const webhook of shipped.webhooks) {
        webhook.clientConfig = {
          url: `https://127.0.0.1:${controller.admission?.port ?? 0}/validate`,
          caBundle: Buffer.from(caPem).toString('base64'),
        };
        for (const expression of webhook.namespaceSelector?.matchExpressions ?? []) expression.values = [ns];
      }
      await plane().admin.request(
        'PATCH',
        `/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/${webhookName}`,
        {
          body: shipped,
          contentType: 'application/apply-patch+yaml',
          query: { fieldManager: 'admission-test', force: true },
        },
      );
    }

    /** Resolves once the apiserver calls the webhook (a cyclic DAG is refused in a dry run). */
    async function webhookInForce(): Promise<void> {
      const cyclic = JSON.parse(
        manifest('DAG', 'probe', { task: [task('a', ['b']), task('b', ['a']), task('c')] }),
      ) as object;
      await eventually(
        'the webhook to be called',
        async () => {
          try {
            await plane().admin.request('POST', `${DAGS}/${ns}/dags`, {
              body: cyclic,
              query: { dryRun: 'All' },
            });
            return false;
          } catch (error) {
            return KubeApiError.is(error) && String(error).includes('denied the request');
          }
        },
        30_000,
        200,
      );
    }

    beforeAll(async () => {
      const { connection } = plane();
      ns = await plane().createNamespace('admission');
      webhookName = `kontroler-admission-${ns}`;
      const certDir = join(tmp, 'certs');
      mkdirSync(certDir);
      certs = makeServingCertificates(certDir, 'first');
      // The files the controller reads, as a mounted Secret would hold them.
      const live = { cert: join(certDir, 'tls.crt'), key: join(certDir, 'tls.key') };
      copyFileSync(certs.certFile, live.cert);
      copyFileSync(certs.keyFile, live.key);

      const kubeconfig = writeKubeconfig(tmp, {
        url: connection.url,
        caData: connection.caData,
        token: connection.adminToken,
        user: 'admin',
      });
      const home = join(tmp, 'home');
      mkdirSync(home);
      env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, KUBECONFIG: kubeconfig };

      controller = await startController(
        configFrom({
          DATABASE_URL: pg().url,
          KONTROLER_DATABASE_SCHEMA: pg().schema(),
          KONTROLER_NAMESPACES: ns,
          KONTROLER_POD_NAMESPACE: ns,
          KONTROLER_LEADER_ELECTION: 'none',
          KONTROLER_ADMISSION_CERT_FILE: live.cert,
          KONTROLER_ADMISSION_KEY_FILE: live.key,
          KONTROLER_ADMISSION_PORT: '0',
          KONTROLER_ADMISSION_RELOAD_MS: '200',
        }),
        { kubeConfig: plane().restrictedKubeConfig, pollIntervalMs: 200 },
      );
      await registerWebhook(certs.caPem);
      await webhookInForce();
    }, 120_000);
    afterAll(async () => {
      await plane()
        .admin.request(
          'DELETE',
          `/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/${webhookName}`,
        )
        .catch(() => undefined);
      await controller?.stop();
    });

    it('refuses a cyclic DAG at kubectl apply with the cycle’s path and the field at fault', async () => {
      const result = await kubectl(
        ['apply', '-f', '-'],
        manifest('DAG', 'cyclic', { task: [task('a'), task('b', ['a', 'c']), task('c', ['b'])] }),
      );
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(
        'admission webhook "resources.kontroler.greedykomodo" denied the request: DAG "cyclic" is invalid: ',
      );
      expect(result.stderr).toMatch(
        /spec\.task\[[12]\]\.runAfter\[\d\]: task "[bc]": cycle: (b → c → b|c → b → c)/,
      );
      const get = await kubectl(['get', 'dag', 'cyclic']);
      expect(get.stderr).toContain('NotFound');
    });

    it('creates a valid DAG, which the controller then registers', async () => {
      const result = await kubectl(
        ['apply', '-f', '-'],
        manifest('DAG', 'etl', {
          parameters: [{ name: 'region', defaultValue: 'eu-west-1' }],
          task: [task('extract'), { ...task('load', ['extract']), parameters: ['region'] }],
        }),
      );
      expect(result.stderr).toBe('');
      expect(result.stdout.trim()).toBe('dag.kontroler.greedykomodo/etl created');
      await eventually('the DAG registered', async () => {
        const dag = await controller.store.getDag({ namespace: ns, name: 'etl' });
        return dag !== undefined;
      });
    });

    it('refuses an unknown runAfter naming the task and entry', async () => {
      const result = await kubectl(
        ['apply', '-f', '-'],
        manifest('DAG', 'typo', { task: [task('extract'), task('load', ['extact'])] }),
      );
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/spec\.task\[1\]\.runAfter\[0\]: .*"load".*extact/);
    });

    it('refuses DagRuns for an unknown DAG or with unknown parameters, and admits a correct one', async () => {
      const unknownDag = await kubectl(['apply', '-f', '-'], manifest('DagRun', 'r1', { dagName: 'nope' }));
      expect(unknownDag.code).toBe(1);
      expect(unknownDag.stderr).toContain(
        `DagRun "r1" is invalid: spec.dagName: no DAG named "nope" in namespace ${ns}`,
      );
      const unknownParameter = await kubectl(
        ['apply', '-f', '-'],
        manifest('DagRun', 'r2', { dagName: 'etl', parameters: [{ name: 'regoin', value: 'us' }] }),
      );
      expect(unknownParameter.code).toBe(1);
      expect(unknownParameter.stderr).toContain(
        'spec.parameters[0].name: DAG "etl" declares no parameter "regoin" (declared: "region")',
      );
      const good = await kubectl(
        ['apply', '-f', '-'],
        manifest('DagRun', 'r3', { dagName: 'etl', parameters: [{ name: 'region', value: 'us-east-1' }] }),
      );
      expect(good.stderr).toBe('');
      expect(good.stdout.trim()).toBe('dagrun.kontroler.greedykomodo/r3 created');
    });

    it('serves a rotated certificate without a restart', async () => {
      const next = makeServingCertificates(join(tmp, 'certs'), 'second');
      const apply = () =>
        kubectl(['apply', '--dry-run=server', '-f', '-'], manifest('DAG', 'after', { task: [task('a')] }));
      // The apiserver trusts only the new CA while the controller still serves the first certificate: with
      // failurePolicy Fail the apply is refused with the TLS reason.
      await registerWebhook(next.caPem);
      const refused = await eventually('the apiserver to distrust the first certificate', async () => {
        const result = await apply();
        return result.code === 1 && /failed calling webhook/.test(result.stderr) ? result : undefined;
      });
      expect(refused.stderr).toMatch(/x509|certificate/);
      // The Secret is updated (both files replaced, as a Secret volume update does); the controller reads
      // them on its next tick (KONTROLER_ADMISSION_RELOAD_MS=200) and serves the new certificate.
      copyFileSync(next.certFile, join(tmp, 'certs', 'tls.crt'));
      copyFileSync(next.keyFile, join(tmp, 'certs', 'tls.key'));
      const admitted = await eventually('the new certificate to be served', async () => {
        const result = await apply();
        return result.code === 0 ? result : undefined;
      });
      expect(admitted.stdout).toContain('dag.kontroler.greedykomodo/after created (server dry run)');
    });
  },
  { requires: ['kubectl'] },
);
