/**
 * `npm run bench -- plugins` (or `npx tsx --conditions=source bench/plugins.ts`): what the first-party plugins cost.
 *
 * - process runtime: spawn-to-exit time of one `true` task, run one after another (the per-task overhead);
 * - process runtime: tasks per second with many `true` tasks queued at the concurrency limit;
 * - webhooks: signed deliveries per second to a receiver on 127.0.0.1 that verifies every signature.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import type { AttemptContext, CompiledDag, NotifiableEvent, OutboxRecord, TaskSpec } from '@kontroler/core';
import {
  createProcessRuntime,
  createWebhookNotifier,
  generateWebhookSecret,
  verifyWebhook,
} from '@kontroler/plugins';
import { percentile, printMachine, printTable, type BenchRow } from './lib/report.js';

function contextFor(task: TaskSpec, runId: string): AttemptContext {
  const dag: CompiledDag = {
    name: 'bench',
    spec: { name: 'bench', tasks: [task] },
    order: [task.name],
    tasks: new Map([
      [
        task.name,
        {
          name: task.name,
          spec: task,
          runAfter: [],
          children: [],
          backoffLimit: 0,
          retryCodes: null,
          timeoutSeconds: undefined,
        },
      ],
    ]),
  };
  return {
    attemptId: randomUUID(),
    runId,
    dagName: 'bench',
    dagVersion: 1,
    namespace: 'default',
    taskName: task.name,
    attempt: 1,
    task: dag.tasks.get(task.name)!,
    dag,
    parameters: {},
    reclaimed: false,
    signal: new AbortController().signal,
    log: () => undefined,
  };
}

const fmt = (n: number, digits = 1) => n.toFixed(digits);

async function benchProcessRuntime(workDir: string): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const task: TaskSpec = { name: 'noop', command: ['true'] };
  const runId = randomUUID();

  const sequential = createProcessRuntime({ workDir, concurrency: 1 });
  for (let i = 0; i < 20; i++) await sequential.execute(contextFor(task, runId)); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < 300; i++) {
    const started = performance.now();
    const outcome = await sequential.execute(contextFor(task, runId));
    samples.push(performance.now() - started);
    if (outcome.status !== 'succeeded') throw new Error(`true failed: ${JSON.stringify(outcome)}`);
  }
  await sequential.close();
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  rows.push({
    name: 'spawn-to-exit, `true`, mean',
    value: `${fmt(mean, 2)} ms`,
    target: '< 20 ms',
    note: '300 sequential tasks',
  });
  rows.push({
    name: 'spawn-to-exit, p50 / p95 / p99',
    value: `${fmt(percentile(samples, 50), 2)} / ${fmt(percentile(samples, 95), 2)} / ${fmt(percentile(samples, 99), 2)} ms`,
  });
  rows.push({ name: 'spawn-to-exit, `sh -c true` mean', value: await shellMean(workDir, runId) });

  for (const concurrency of [os.availableParallelism(), 8]) {
    const runtime = createProcessRuntime({ workDir, concurrency });
    const count = 600;
    const started = performance.now();
    const outcomes = await Promise.all(
      Array.from({ length: count }, () => runtime.execute(contextFor(task, runId))),
    );
    const seconds = (performance.now() - started) / 1000;
    const stats = runtime.stats();
    await runtime.close();
    if (outcomes.some((o) => o.status !== 'succeeded')) throw new Error('a task failed');
    rows.push({
      name: `tasks/s at concurrency ${concurrency}`,
      value: fmt(count / seconds, 0),
      target: '> 100',
      note: `${count} tasks queued at once, peak ${stats.peakRunning} children`,
    });
  }
  await sequential.cleanupRun(runId);
  return rows;
}

async function shellMean(workDir: string, runId: string): Promise<string> {
  const runtime = createProcessRuntime({ workDir, concurrency: 1 });
  const task: TaskSpec = { name: 'sh', script: 'true' };
  const started = performance.now();
  for (let i = 0; i < 200; i++) await runtime.execute(contextFor(task, runId));
  await runtime.close();
  return `${fmt((performance.now() - started) / 200, 2)} ms`;
}

async function benchWebhooks(): Promise<BenchRow[]> {
  const secret = generateWebhookSecret();
  let verified = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      verifyWebhook(secret, req.headers, Buffer.concat(chunks));
      verified++;
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  const notifier = createWebhookNotifier({ secret });
  const dag: CompiledDag = {
    name: 'bench',
    spec: { name: 'bench', tasks: [], webhook: { url } },
    tasks: new Map(),
    order: [],
  };
  const now = Date.now();
  const event: NotifiableEvent = {
    name: 'run.finished',
    payload: {
      run: {
        id: randomUUID(),
        dagName: 'bench',
        namespace: 'default',
        dagVersion: 1,
        state: 'succeeded',
        parameters: {},
        trigger: 'api',
        revision: 5,
        round: 1,
        cancelRequested: false,
        createdAt: now,
        startedAt: now,
        finishedAt: now + 1000,
        reason: null,
        idempotencyKey: null,
        scheduledFor: null,
        labels: {},
        priority: 0,
      },
    },
  };
  const selected = notifier.select(event, dag)!;
  const message = (): OutboxRecord => ({
    id: randomUUID(),
    topic: 'webhook',
    runId: selected.runId,
    payload: selected.payload,
    createdAt: now,
    status: 'pending',
    attempts: 0,
    nextAttemptAt: now,
    lastError: null,
    deliveredAt: null,
  });

  const rows: BenchRow[] = [];
  for (const parallel of [1, 16]) {
    const total = 2000;
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: parallel }, async () => {
        while (next < total) {
          next++;
          const attempt = await notifier.deliver(message());
          if (!attempt.ok) throw new Error(`delivery failed: ${attempt.error}`);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    rows.push({
      name: `webhook deliveries/s, ${parallel} in flight`,
      value: fmt(total / seconds, 0),
      target: '> 200',
      note: `${total} signed POSTs, receiver verifies each`,
    });
  }
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  if (verified < 4000) throw new Error(`receiver verified only ${verified} deliveries`);
  return rows;
}

const workDir = await mkdtemp(join(os.tmpdir(), 'kontroler-bench-'));
try {
  const processRows = await benchProcessRuntime(workDir);
  const webhookRows = await benchWebhooks();
  printTable('@kontroler/plugins', [...processRows, ...webhookRows]);
  printMachine({
    load: os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' '),
  });
} finally {
  await rm(workDir, { recursive: true, force: true });
}
