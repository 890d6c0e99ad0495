/**
 * The controller in-process on real PostgreSQL with the process runtime (Kubernetes is not the point
 * here): a DAG runs to success, health and metrics answer, cron fires once per tick across two replicas
 * sharing one database, retention prunes old runs, and plugins named in configuration are loaded.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { RunRecord } from '@kontroler/core';
import { makeRun, uniqueName } from '@kontroler/core/testing';
import { startController, type ControllerHandle } from '../src/controller.js';
import { ControllerStartError } from '../src/wiring/errors.js';
import { configFrom, eventually, usePostgres } from './support/env.js';

const pg = usePostgres();
const started: ControllerHandle[] = [];
const tmp = mkdtempSync(join(tmpdir(), 'kontroler-ctl-test-'));

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((c) => c.stop()));
  for (const c of cleanup.splice(0)) await c();
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function start(
  env: Record<string, string> = {},
  identity = uniqueName('ctl'),
): Promise<ControllerHandle> {
  const controller = await startController(
    configFrom(
      {
        DATABASE_URL: pg().url,
        KONTROLER_RUNTIME: 'process',
        KONTROLER_LEADER_ELECTION: 'none',
        KONTROLER_SHUTDOWN_GRACE_MS: '2000',
        ...env,
      },
      identity,
    ),
    { duties: { cronIntervalMs: 100 }, pollIntervalMs: 200 },
  );
  started.push(controller);
  return controller;
}

async function finished(controller: ControllerHandle, runId: string, timeoutMs = 20_000): Promise<RunRecord> {
  return eventually(
    `run ${runId} to finish`,
    async () => {
      const snapshot = await controller.engine.getRun(runId);
      const state = snapshot?.run.state;
      return state === 'succeeded' || state === 'failed' || state === 'canceled' ? snapshot?.run : undefined;
    },
    timeoutMs,
  );
}

async function get(port: number, path: string): Promise<{ status: number; body: string; type: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  return {
    status: response.status,
    body: await response.text(),
    type: response.headers.get('content-type') ?? '',
  };
}

describe('controller (process runtime, PostgreSQL)', () => {
  it('runs a fan-out/fan-in DAG to success and reports it on /metrics, /healthz and /readyz', async () => {
    const received: string[] = [];
    const receiver = createServer((req, res) => {
      received.push(String(req.headers['webhook-id']));
      req.resume().on('end', () => res.writeHead(204).end());
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise<void>((resolve) => receiver.close(() => resolve())));
    const controller = await start({
      KONTROLER_DATABASE_SCHEMA: pg().schema(),
      KONTROLER_WEBHOOK_URL: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/`,
    });
    const name = uniqueName('fan');
    await controller.engine.registerDag({
      name,
      tasks: [
        { name: 'a', image: 'x', script: 'echo a' },
        { name: 'b', image: 'x', script: 'echo b', runAfter: ['a'] },
        { name: 'c', image: 'x', script: 'echo c', runAfter: ['a'] },
        { name: 'd', image: 'x', script: 'echo d', runAfter: ['b', 'c'] },
      ],
    });
    const run = await controller.engine.submit(name);
    const done = await finished(controller, run.id);
    expect(done.state).toBe('succeeded');
    const snapshot = await controller.engine.getRun(run.id);
    expect(snapshot?.attempts.map((a) => [a.taskName, a.state]).sort()).toEqual([
      ['a', 'succeeded'],
      ['b', 'succeeded'],
      ['c', 'succeeded'],
      ['d', 'succeeded'],
    ]);

    const health = await get(controller.port, '/healthz');
    expect(health).toMatchObject({ status: 200, body: 'ok\n' });
    const ready = await get(controller.port, '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toContain('[+] store');
    expect(ready.body).toContain('[+] informers');
    const metrics = await get(controller.port, '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.type).toContain('text/plain');
    expect(metrics.body).toMatch(/^kontroler_runs_total\{state="succeeded"\} 1$/m);
    expect(metrics.body).toMatch(/^kontroler_task_attempts_total\{state="succeeded"\} 4$/m);
    expect(metrics.body).toMatch(/^kontroler_leader 1$/m);
    expect(metrics.body).toMatch(/^kontroler_dependency_start_latency_seconds_count 4$/m);
    expect(metrics.body).toContain('kontroler_process_resident_memory_bytes');
    expect(metrics.body).toMatch(/^kontroler_attempt_claims_total 4$/m);
    expect(metrics.body).toMatch(/^kontroler_queue_depth 0$/m);
    expect(metrics.body).toContain('kontroler_attempt_lease_renewals_total');
    // Four task.succeeded and one run.finished webhook, each delivered once and counted.
    await eventually('five webhooks', () => received.length === 5);
    const after = await eventually('the delivery metric', async () => {
      const text = (await get(controller.port, '/metrics')).body;
      return /^kontroler_webhook_deliveries_total\{outcome="delivered"\} 5$/m.test(text) ? text : undefined;
    });
    expect(after).not.toMatch(/outcome="failed"/);
    expect((await get(controller.port, '/nope')).status).toBe(404);
  });

  it('answers 503 on /readyz while the store is unreachable', async () => {
    const schema = pg().schema();
    const controller = await start({ KONTROLER_DATABASE_SCHEMA: schema });
    expect((await get(controller.port, '/readyz')).status).toBe(200);
    // Closing the store's pools makes ping fail exactly as an unreachable server does.
    await controller.store.close();
    const ready = await get(controller.port, '/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body).toMatch(/^\[-\] store: /m);
  });

  it('waits for PostgreSQL at start-up instead of failing while it restarts', async () => {
    await pg().handle.stop();
    const starting = start({ KONTROLER_DATABASE_SCHEMA: pg().schema() });
    let settled = false;
    void starting.then(
      () => (settled = true),
      () => (settled = true),
    );
    await new Promise((r) => setTimeout(r, 1500));
    expect(settled).toBe(false);
    await pg().handle.restart();
    const controller = await starting;
    expect((await get(controller.port, '/readyz')).status).toBe(200);
  });

  it('fires a cron schedule exactly once per tick across two controllers sharing one database', async () => {
    const schema = pg().schema();
    // Leader election `none`: both replicas tick, the harder case for exactly-once. A tick every second:
    // on a busy machine both replicas stalled for over two of them and the default catch-up of one skipped
    // the older by design; catching up every tick makes "none skipped" hold however long the stall.
    const env = { KONTROLER_DATABASE_SCHEMA: schema, KONTROLER_CRON_MAX_CATCH_UP: '1000' };
    const [a, b] = await Promise.all([start(env), start(env)]);
    const name = uniqueName('cron');
    await a!.engine.registerDag({
      name,
      schedule: '* * * * * *',
      tasks: [{ name: 'tick', image: 'x', script: 'true' }],
    });
    const runs = await eventually(
      'five scheduled runs',
      async () => {
        const page = await a!.engine.listRuns({ dag: { namespace: 'default', name } }, { limit: 100 });
        return page.items.length >= 5 ? page.items : undefined;
      },
      20_000,
    );
    await Promise.all([a!.stop(), b!.stop()]);
    // This replica's scheduler may fire the ticks since the others stopped before the list is read: all of them.
    const all = (
      await (await start(env)).engine.listRuns({ dag: { namespace: 'default', name } }, { limit: 500 })
    ).items;
    expect(all.length).toBeGreaterThanOrEqual(runs.length);
    const ticks = all.map((r) => r.scheduledFor ?? -1).sort((x, y) => x - y);
    expect(new Set(ticks).size).toBe(ticks.length);
    expect(all.every((r) => r.trigger === 'schedule')).toBe(true);
    // Consecutive seconds: no tick was skipped while both replicas ran.
    for (let i = 1; i < ticks.length; i++) expect(ticks[i]! - ticks[i - 1]!).toBe(1000);
  });

  it('deletes finished runs older than the retention period, and run events older than a day, on the leader', async () => {
    const schema = pg().schema();
    const seed = await start({ KONTROLER_DATABASE_SCHEMA: schema });
    const name = uniqueName('old');
    await seed.engine.registerDag({ name, tasks: [{ name: 't', image: 'x', script: 'true' }] });
    const day = 86_400_000;
    const old = makeRun({
      dagName: name,
      state: 'succeeded',
      createdAt: Date.now() - 10 * day,
      finishedAt: Date.now() - 9 * day,
    });
    const recent = makeRun({
      dagName: name,
      state: 'succeeded',
      createdAt: Date.now() - day,
      finishedAt: Date.now() - day,
    });
    await seed.store.createRun({ run: old, attempts: [] });
    await seed.store.createRun({ run: recent, attempts: [] });
    const journaled = (run: typeof old, createdAt: number) => ({
      type: 'run.created' as const,
      namespace: run.namespace,
      runId: run.id,
      attemptId: null,
      payload: { run },
      createdAt,
    });
    await seed.store.appendRunEvents([journaled(old, Date.now() - 2 * day), journaled(recent, Date.now())]);
    await seed.stop();

    const controller = await startController(
      configFrom({
        DATABASE_URL: pg().url,
        KONTROLER_DATABASE_SCHEMA: schema,
        KONTROLER_RUNTIME: 'process',
        KONTROLER_LEADER_ELECTION: 'none',
        KONTROLER_RETENTION_DAYS: '7',
      }),
      { duties: { retentionIntervalMs: 100, retentionBatchSize: 1 } },
    );
    started.push(controller);
    await eventually(
      'the old run to be deleted',
      async () => (await controller.store.getRun(old.id)) === undefined,
    );
    expect(await controller.store.getRun(recent.id)).toBeDefined();
    await eventually(
      'the old run event to be pruned',
      async () =>
        (await controller.store.readRunEvents({ afterId: 0, limit: 10, runId: old.id })).length === 0,
    );
    expect(await controller.store.readRunEvents({ afterId: 0, limit: 10, runId: recent.id })).toHaveLength(1);
  });

  it('loads plugins named in configuration by module name, and refuses a bad one with a clear error', async () => {
    const good = join(tmp, 'good-plugin.mjs');
    writeFileSync(
      good,
      `export const seen = [];
       export default { name: 'recorder', setup(host) { host.registerHooks({ afterTaskEnd(ctx) { seen.push(ctx.taskName); } }); } };`,
    );
    const controller = await start({ KONTROLER_DATABASE_SCHEMA: pg().schema(), KONTROLER_PLUGINS: good });
    const name = uniqueName('plug');
    await controller.engine.registerDag({ name, tasks: [{ name: 'only', image: 'x', script: 'true' }] });
    const run = await controller.engine.submit(name);
    expect((await finished(controller, run.id)).state).toBe('succeeded');
    const module = (await import(good)) as { seen: string[] };
    await eventually('the plugin hook', () => module.seen.includes('only'));

    const bad = join(tmp, 'bad-plugin.mjs');
    writeFileSync(bad, `export default { name: 'nameless-setup' };`);
    const refused = start({ KONTROLER_PLUGINS: bad });
    await expect(refused).rejects.toBeInstanceOf(ControllerStartError);
    await expect(refused).rejects.toMatchObject({ code: 'PLUGIN_INVALID' });
    await expect(start({ KONTROLER_PLUGINS: '@kontroler/no-such-plugin' })).rejects.toMatchObject({
      code: 'PLUGIN_NOT_FOUND',
      message: expect.stringContaining('@kontroler/no-such-plugin'),
    });
    const throwing = join(tmp, 'throwing-plugin.mjs');
    writeFileSync(
      throwing,
      `export const plugin = { name: 'boom', setup() { throw new Error('no licence'); } };`,
    );
    await expect(
      start({ KONTROLER_DATABASE_SCHEMA: pg().schema(), KONTROLER_PLUGINS: throwing }),
    ).rejects.toMatchObject({ code: 'PLUGIN_SETUP_FAILED', message: expect.stringContaining('no licence') });
  });
});
