/**
 * Admission webhook benchmark, round trip through a real kube-apiserver + etcd (the test harness's control
 * plane): the controller's webhook server (`startAdmissionServer`, TLS on loopback) is registered with the
 * webhook configuration shipped in deploy/ (its Service swapped for a URL), and a DAG resource of N tasks
 * (a chain, about 80 bytes a task) is created through the apiserver, admitted; the same DAG closed into a
 * cycle is refused. Each is timed from the client's POST to the apiserver's answer, which includes the
 * apiserver's own decoding and schema validation and the webhook call. The apiserver gives a webhook at most
 * 10 s (`timeoutSeconds`); the target is well under that. The validator alone (`dagVerdict`, in this
 * process) and a create in a namespace the webhook does not select (the apiserver alone) are timed on the
 * same document for comparison.
 *
 * Run: `npm run bench -- admission` (it re-runs itself with `--conditions=source`).
 * Options: `--tasks N` (default 10000), `--rounds N` (default 3; the median is reported).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

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
  const { silentLogger } = await import('@kontroler/core');
  const k8s = await import('@kontroler/k8s-runtime');
  const { startControlPlane, selfSignedCertificate } = await import('@kontroler/k8s-runtime/testing');
  const { startAdmissionServer } = await import('@kontroler/controller');
  const { parse: parseYaml } = await import('yaml');

  const TASKS = arg('tasks', 10_000);
  const ROUNDS = arg('rounds', 3);
  /** Server-side time of each review: body read, validation, answer written. */
  const reviews: number[] = [];
  const work = mkdtempSync(join(tmpdir(), 'kontroler-bench-admission-'));
  const plane = await startControlPlane();
  try {
    const admin = plane.admin;
    const ns = await plane.createNamespace('bench-admission');
    const tls = selfSignedCertificate(work, 'webhook');
    const server = await startAdmissionServer({
      port: 0,
      host: '127.0.0.1',
      certFile: tls.certFile,
      keyFile: tls.keyFile,
      lookups: { lookupDag: k8s.createDagLookup({ client: admin }) },
      logger: silentLogger,
      onReviewed: ({ ms }) => reviews.push(ms),
    });
    const shipped = parseYaml(
      readFileSync(join(import.meta.dirname, '..', 'deploy', 'base', 'admission-webhook.yaml'), 'utf8'),
    ) as {
      metadata: { name: string; annotations?: unknown };
      webhooks: Array<{
        clientConfig: unknown;
        namespaceSelector: { matchExpressions: Array<{ values: string[] }> };
      }>;
    };
    delete shipped.metadata.annotations;
    for (const webhook of shipped.webhooks) {
      webhook.clientConfig = {
        url: `https://127.0.0.1:${server.port}/validate`,
        caBundle: Buffer.from(tls.cert).toString('base64'),
      };
      for (const e of webhook.namespaceSelector.matchExpressions) e.values = [ns];
    }
    await admin.request('POST', '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations', {
      body: shipped,
    });

    const path = `/apis/${k8s.CRD_GROUP}/${k8s.CRD_VERSION}/namespaces/${ns}/dags`;
    // A namespace the webhook does not select: the apiserver's own share of a create (decode, schema, etcd).
    const plain = await plane.createNamespace('bench-plain');
    const plainPath = `/apis/${k8s.CRD_GROUP}/${k8s.CRD_VERSION}/namespaces/${plain}/dags`;
    const dag = (name: string, cyclic: boolean) => ({
      apiVersion: `${k8s.CRD_GROUP}/${k8s.CRD_VERSION}`,
      kind: 'DAG',
      metadata: { name },
      spec: {
        task: Array.from({ length: TASKS }, (_, i) => ({
          name: `t${i}`,
          image: 'alpine:3.20',
          command: ['true'],
          // t1 also runs after the last task: a cycle through every task but the root t0.
          ...(i === 1 && cyclic
            ? { runAfter: ['t0', `t${TASKS - 1}`] }
            : i > 0
              ? { runAfter: [`t${i - 1}`] }
              : {}),
        })),
      },
    });
    /** POST through the apiserver; resolves with the time and whether it was refused by the webhook. */
    const create = async (body: object): Promise<{ ms: number; refused: boolean; message: string }> => {
      const start = performance.now();
      try {
        await admin.request('POST', path, { body });
        return { ms: performance.now() - start, refused: false, message: '' };
      } catch (error) {
        const message = String(error);
        if (!message.includes('denied the request')) throw error;
        return { ms: performance.now() - start, refused: true, message };
      }
    };

    // Until the apiserver has loaded the configuration, creates are not sent to the webhook.
    for (let i = 0; ; i++) {
      const probe = await create({
        ...dag(`probe-${i}`, true),
        spec: { task: [{ name: 'a', image: 'x', command: ['true'], runAfter: ['a'] }] },
      });
      if (probe.refused) break;
      if (i > 300) throw new Error('the webhook configuration never took effect');
      await new Promise((r) => setTimeout(r, 100));
    }

    const bytes = Buffer.byteLength(JSON.stringify(dag('size', false)));
    const admitted: number[] = [];
    const refused: number[] = [];
    const local: number[] = [];
    const baseline: number[] = [];
    const webhookAdmitted: number[] = [];
    const webhookRefused: number[] = [];
    let refusal = '';
    for (let round = 0; round < ROUNDS; round++) {
      reviews.length = 0;
      const ok = await create(dag(`big-${round}`, false));
      webhookAdmitted.push(...reviews);
      reviews.length = 0;
      if (ok.refused) throw new Error(`the valid DAG was refused: ${ok.message}`);
      admitted.push(ok.ms);
      const bad = await create(dag(`cyclic-${round}`, true));
      webhookRefused.push(...reviews);
      if (!bad.refused) throw new Error('the cyclic DAG was admitted');
      refused.push(bad.ms);
      refusal = bad.message;
      const start0 = performance.now();
      await admin.request('POST', plainPath, { body: dag(`plain-${round}`, false) });
      baseline.push(performance.now() - start0);
      const spec = dag('local', false).spec;
      const start = performance.now();
      const verdict = k8s.dagVerdict('local', ns, spec);
      local.push(performance.now() - start);
      if (!verdict.allowed) throw new Error('the validator refused the valid DAG');
    }
    await server.close();

    const median = (values: number[]) => percentile(values, 50);
    const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    printMachine({
      tasks: String(TASKS),
      document: `${(bytes / 1024).toFixed(0)} KiB`,
      rounds: String(ROUNDS),
    });
    printTable(
      `Admission webhook (real kube-apiserver ${plane.connection.url ? '1.37.2' : ''} + etcd, TLS on loopback)`,
      [
        {
          name: `${TASKS}-task DAG admitted, round trip (POST → 201)`,
          value: fmt(median(admitted)),
          note: `max ${fmt(Math.max(...admitted))}`,
        },
        {
          name: `${TASKS}-task DAG with a cycle refused, round trip (POST → 422)`,
          value: fmt(median(refused)),
          note: `max ${fmt(Math.max(...refused))}`,
        },
        {
          name: `${TASKS}-task DAG: the webhook's own time, admitted`,
          value: fmt(median(webhookAdmitted)),
          target: '< 10 s',
          ratio: `${((median(webhookAdmitted) / 10_000) * 100).toFixed(0)}% of timeoutSeconds`,
          note: 'request in → answer out, server side',
        },
        {
          name: `${TASKS}-task DAG: the webhook's own time, refused`,
          value: fmt(median(webhookRefused)),
          target: '< 10 s',
          ratio: `${((median(webhookRefused) / 10_000) * 100).toFixed(0)}% of timeoutSeconds`,
          note: 'request in → answer out, server side',
        },
        {
          name: `${TASKS}-task DAG created without the webhook`,
          value: fmt(median(baseline)),
          note: 'the apiserver alone: decode, schema, etcd',
        },
        {
          name: `${TASKS}-task DAG, validator alone (dagVerdict)`,
          value: fmt(median(local)),
          note: 'in this process, no I/O',
        },
      ],
    );
    console.log(`\nrefusal as the client sees it (first 200 characters):\n  ${refusal.slice(0, 200)}`);
  } finally {
    await plane.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
