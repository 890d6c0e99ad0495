/**
 * `npm start` with a container engine: it says it chose the container runtime, runs a DAG whose tasks name
 * an image inside that image (not on the host), stores their logs, and removes their containers; and a
 * restart on the same data adopts the container of a task that outlived the first engine.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONTAINER_LABELS } from '@kontroler/plugins';
import { podmanAvailability, startPodman, TEST_IMAGE, type PodmanEngine } from '@kontroler/plugins/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminToken, call, startServer, type StartedServer } from './support/start-server.js';

const podman = podmanAvailability();
if (!podman.available && process.env.CI) {
  throw new Error(`the npm start container e2e needs Podman in CI: ${podman.reason}`);
}
if (!podman.available) console.warn(`skipping the npm start container e2e: ${podman.reason}`);

interface LogView {
  lines: Array<{ stream: string; line: string }>;
}

interface RunView {
  run: { state: string };
  attempts: Array<{ id: string; taskName: string; state: string; reason: string | null }>;
}

function containersOfRun(runId: string): string[] {
  const result = spawnSync('podman', ['ps', '-aq', '--filter', `label=${CONTAINER_LABELS.run}=${runId}`], {
    encoding: 'utf8',
  });
  return result.stdout.split('\n').filter(Boolean);
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe.skipIf(!podman.available)('npm start with a container engine', () => {
  let engine: PodmanEngine;
  let server: StartedServer | undefined;
  beforeAll(async () => {
    engine = await startPodman();
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    await engine?.stop();
  });

  it('runs a manifest command that exists only in its image (exit 127 on the host) and keeps its log', async () => {
    server = await startServer({ DOCKER_HOST: engine.host, KONTROLER_RUNTIME: 'auto' });
    expect(server.output()).toMatch(/runtime: container \(Podman Engine \S+ at unix:\/\/\S+podman\.sock\)/);
    const token = await adminToken(server);

    const dag = {
      name: 'in-a-container',
      tasks: [
        {
          name: 'inside',
          image: TEST_IMAGE,
          // The host is Debian; the image is a bare busybox: this fails if the task ran on the host.
          script:
            '[ -e /etc/debian_version ] && { echo "ran on the host"; exit 3; }; echo "hello from $GREETING"',
          parameters: ['GREETING'],
        },
        {
          name: 'prepare',
          image: TEST_IMAGE,
          // What a Kontroler manifest runs: under the process runtime this was `spawn … ENOENT`, exit 127.
          command: ['/scripts/prepare.sh'],
          args: ['the data'],
          parameters: ['STAGE'],
          runAfter: ['inside'],
        },
      ],
      parameters: [
        { name: 'GREETING', defaultValue: 'a container' },
        { name: 'STAGE', defaultValue: 'staging' },
      ],
    };
    const created = await call(server.url, 'POST', '/api/v1/namespaces/default/dags', token, dag);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const run = await call<{ id: string }>(
      server.url,
      'POST',
      '/api/v1/namespaces/default/dags/in-a-container/runs',
      token,
      {},
    );
    expect(run.status).toBe(201);

    const view = await until(
      async () =>
        (await call<RunView>(server!.url, 'GET', `/api/v1/namespaces/default/runs/${run.body.id}`, token))
          .body,
      (v) => ['succeeded', 'failed', 'canceled'].includes(v.run.state),
      'the run to finish',
    );
    expect(view.run.state, JSON.stringify(view.attempts)).toBe('succeeded');
    const inside = view.attempts.find((a) => a.taskName === 'inside')!;
    const logs = await call<LogView>(
      server.url,
      'GET',
      `/api/v1/namespaces/default/runs/${run.body.id}/attempts/${inside.id}/logs`,
      token,
    );
    expect(logs.body.lines.filter((l) => l.stream === 'stdout').map((l) => l.line)).toEqual([
      'hello from a container',
    ]);
    const prepare = view.attempts.find((a) => a.taskName === 'prepare')!;
    const prepared = await call<LogView>(
      server.url,
      'GET',
      `/api/v1/namespaces/default/runs/${run.body.id}/attempts/${prepare.id}/logs`,
      token,
    );
    expect(prepared.body.lines.filter((l) => l.stream === 'stdout').map((l) => l.line)).toEqual([
      'prepared the data for staging',
    ]);

    // Containers go once their outcomes are recorded.
    await until(
      async () => containersOfRun(run.body.id),
      (ids) => ids.length === 0,
      'the containers to go',
    );
    expect(await server.stop()).toBe(0);
    expect(server.output()).toContain('Kontroler stopped.');
  }, 600_000);
  it('a restarted npm start adopts the running container of a task instead of starting a twin', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'kontroler-e2e-adopt-'));
    try {
      const first = await startServer({ DOCKER_HOST: engine.host }, { dataDir });
      server = first;
      const token = await adminToken(first);
      const dag = {
        name: 'outlives-its-engine',
        tasks: [
          {
            name: 'wait',
            image: TEST_IMAGE,
            script: 'echo started; while [ ! -f /tmp/go ]; do sleep 0.1; done; echo finished',
          },
        ],
      };
      expect((await call(first.url, 'POST', '/api/v1/namespaces/default/dags', token, dag)).status).toBe(201);
      const run = await call<{ id: string }>(
        first.url,
        'POST',
        '/api/v1/namespaces/default/dags/outlives-its-engine/runs',
        token,
        {},
      );
      const runPath = `/api/v1/namespaces/default/runs/${run.body.id}`;
      const attempt = await until(
        async () => (await call<RunView>(first.url, 'GET', runPath, token)).body.attempts[0],
        (a) => a?.state === 'running',
        'the attempt to run',
      );
      const logPath = `${runPath}/attempts/${attempt!.id}/logs`;
      await until(
        async () => (await call<LogView>(first.url, 'GET', logPath, token)).body.lines,
        (lines) => lines.some((l) => l.line === 'started'),
        'the first line',
      );
      const [container, ...twins] = containersOfRun(run.body.id);
      expect(twins).toEqual([]);
      expect(await first.stop()).toBe(0);
      // The engine stopped; its task did not.
      expect(
        spawnSync('podman', ['inspect', '--format', '{{.State.Status}}', container!], {
          encoding: 'utf8',
        }).stdout.trim(),
      ).toBe('running');

      const second = await startServer({ DOCKER_HOST: engine.host }, { dataDir });
      server = second;
      const again = await call<{ accessToken: string }>(second.url, 'POST', '/api/v1/auth/login', undefined, {
        username: 'admin',
        password: 'a-better-password',
      });
      const token2 = again.body.accessToken;
      await until(
        async () => (await call<LogView>(second.url, 'GET', logPath, token2)).body.lines,
        (lines) => lines.some((l) => l.stream === 'system' && l.line.startsWith('adopted container')),
        'the adoption',
      );
      expect(containersOfRun(run.body.id)).toEqual([container]);
      spawnSync('podman', ['exec', container!, 'sh', '-c', ': > /tmp/go']);

      const view = await until(
        async () => (await call<RunView>(second.url, 'GET', runPath, token2)).body,
        (v) => ['succeeded', 'failed', 'canceled'].includes(v.run.state),
        'the run to finish',
      );
      expect(view.run.state, JSON.stringify(view.attempts)).toBe('succeeded');
      expect(view.attempts).toHaveLength(1);
      const lines = (await call<LogView>(second.url, 'GET', logPath, token2)).body.lines;
      expect(lines.filter((l) => l.stream === 'stdout').map((l) => l.line)).toEqual(['started', 'finished']);
      await until(
        async () => containersOfRun(run.body.id),
        (ids) => ids.length === 0,
        'the container to go',
      );
      expect(await second.stop()).toBe(0);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 600_000);
});
