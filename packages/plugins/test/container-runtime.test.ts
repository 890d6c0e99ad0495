/**
 * The container runtime against a real engine: Podman's Docker-compatible service on a private socket
 * (started here), with a busybox image imported from the host. In CI a missing Podman fails the run;
 * on a developer machine without it the file is skipped with one line saying why.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { runtimeContractSuite } from '@kontroler/core/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CONTAINER_LABELS } from '../src/container-runtime/container-spec.js';
import { discoverContainerEngine } from '../src/container-runtime/discovery.js';
import {
  createContainerRuntime,
  type ContainerRuntime,
  type ContainerRuntimeOptions,
} from '../src/container-runtime/runtime.js';
import { podmanAvailability, startPodman, TEST_IMAGE, type PodmanEngine } from '../src/testing/podman.js';
import { attemptOf } from './helpers.js';

const availability = podmanAvailability();
if (!availability.available) {
  if (process.env.CI)
    throw new Error(`the container runtime tests need Podman in CI: ${availability.reason}`);
  console.warn(`skipping the container runtime tests: ${availability.reason}`);
}

/** Our instance label, so that removing leftovers touches no other engine's containers. */
const instance = `kontroler-test-${randomUUID().slice(0, 8)}`;
let engine: PodmanEngine;
/** A registry that knows no image at all: pulls from it fail with "manifest unknown". */
let registry: http.Server;
let registryHost: string;

function exists(name: string): boolean {
  return spawnSync('podman', ['container', 'exists', name]).status === 0;
}

function podman(...args: string[]): string {
  const result = spawnSync('podman', args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`podman ${args.join(' ')}: ${result.stderr}`);
  return result.stdout.trim();
}

async function until(predicate: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.skipIf(!availability.available)('container runtime (Podman)', () => {
  const runtimes: ContainerRuntime[] = [];
  function makeRuntime(options: Partial<ContainerRuntimeOptions> = {}): ContainerRuntime {
    const runtime = createContainerRuntime({ host: engine.host, instance, stopGraceSeconds: 1, ...options });
    runtimes.push(runtime);
    return runtime;
  }

  beforeAll(async () => {
    registry = http.createServer((request, response) => {
      // Manifests under `slow/` never come: a pull that hangs, to cancel.
      if (request.url?.startsWith('/v2/slow/')) return;
      if (request.url === '/v2/' || request.url === '/v2') {
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        return;
      }
      response
        .writeHead(404, { 'content-type': 'application/json' })
        .end(JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] }));
    });
    await new Promise<void>((resolve) => registry.listen(0, '127.0.0.1', resolve));
    registryHost = `127.0.0.1:${(registry.address() as AddressInfo).port}`;
    engine = await startPodman({
      registriesConf: `[[registry]]\nlocation = "${registryHost}"\ninsecure = true\n`,
    });
  }, 120_000);
  afterEach(async () => {
    await Promise.all(runtimes.splice(0).map((r) => r.close()));
  });
  afterAll(async () => {
    engine?.removeContainers(`${CONTAINER_LABELS.engine}=${instance}`);
    await engine?.stop();
    registry?.closeAllConnections();
    await new Promise((resolve) => registry?.close(resolve));
  });

  runtimeContractSuite(() => makeRuntime(), {
    name: 'container',
    image: TEST_IMAGE,
    stopWithinMs: 6000,
    leftovers: async (runtime, ctx) => exists(runtime.containerNameFor(ctx.attemptId)),
  });

  it('finds the engine on its socket and names it', async () => {
    const found = await discoverContainerEngine({ dockerHost: engine.host });
    expect(found).toMatchObject({ found: true, engine: { name: 'Podman Engine' } });
    const missing = await discoverContainerEngine({ dockerHost: `${engine.host}.missing` });
    expect(missing.found).toBe(false);
    if (!missing.found) expect(missing.tried[0]?.url).toBe(`${engine.host}.missing`);
  });

  it('names the container from the attempt id and labels it with run, task and attempt', async () => {
    const runtime = makeRuntime();
    const a = attemptOf({ name: 'label-me', image: TEST_IMAGE, script: 'echo "$KONTROLER_ATTEMPT_ID"' });
    await expect(runtime.execute(a.ctx)).resolves.toMatchObject({ status: 'succeeded' });
    const name = `${instance}-${a.ctx.attemptId}`;
    expect(runtime.containerNameFor(a.ctx.attemptId)).toBe(name);
    const labels = JSON.parse(podman('inspect', '--format', '{{json .Config.Labels}}', name)) as Record<
      string,
      string
    >;
    expect(labels).toMatchObject({
      [CONTAINER_LABELS.engine]: instance,
      [CONTAINER_LABELS.attemptId]: a.ctx.attemptId,
      [CONTAINER_LABELS.run]: a.ctx.runId,
      [CONTAINER_LABELS.task]: 'label-me',
      [CONTAINER_LABELS.attempt]: '1',
    });
    expect(a.stdout()).toEqual([a.ctx.attemptId]);
  });

  it('a restarted engine adopts the running container of a reclaimed attempt instead of starting a twin', async () => {
    const first = makeRuntime();
    const attemptId = randomUUID();
    const runId = randomUUID();
    const task = {
      name: 'long',
      image: TEST_IMAGE,
      script: 'echo started; while [ ! -f /tmp/go ]; do sleep 0.1; done; echo finished; exit 4',
    };
    const a = attemptOf(task, { attemptId, runId });
    const lost = first.execute(a.ctx);
    await until(() => a.stdout().includes('started'), 'the first line');
    // The engine stops without finishing the attempt: the container keeps running.
    await first.close();
    await expect(lost).resolves.toMatchObject({ status: 'failed', reason: 'Lost' });
    const name = first.containerNameFor(attemptId);
    expect(podman('inspect', '--format', '{{.State.Status}}', name)).toBe('running');

    const stored = a.lines.filter((l) => l.stream !== 'system');
    const last = stored.at(-1)!;
    const b = attemptOf(task, {
      attemptId,
      runId,
      reclaimed: true,
      resumeLog: { afterTs: last.ts, atTs: stored.filter((l) => l.ts === last.ts).length },
    });
    const second = makeRuntime();
    const outcome = second.execute(b.ctx);
    await until(() => b.system().some((l) => l.startsWith('adopted container')), 'the adoption');
    podman('exec', name, 'sh', '-c', ': > /tmp/go');
    await expect(outcome).resolves.toMatchObject({ status: 'failed', exitCode: 4, reason: 'Error' });
    expect(b.stdout()).toEqual(['finished']);
    expect(second.stats()).toMatchObject({ created: 0, adopted: 1 });
    expect(
      podman('ps', '-aq', '--filter', `label=${CONTAINER_LABELS.attemptId}=${attemptId}`).split('\n'),
    ).toHaveLength(1);
  });

  it('an image that does not exist fails as ImagePullError, not retryable', async () => {
    const runtime = makeRuntime();
    const image = `${registryHost}/team/missing:1.0`;
    const a = attemptOf({ name: 'no-image', image, script: 'true' });
    const outcome = await runtime.execute(a.ctx);
    expect(outcome).toMatchObject({
      status: 'failed',
      exitCode: null,
      reason: 'ImagePullError',
      nonRetryable: true,
    });
    expect(outcome.message).toContain(image);
    expect(a.system()).toContain(`pulling image ${image}`);
    expect(exists(runtime.containerNameFor(a.ctx.attemptId))).toBe(false);
  });

  it('a registry that does not answer is a retryable ImagePullError', async () => {
    const runtime = makeRuntime();
    const a = attemptOf({ name: 'registry-down', image: '127.0.0.1:1/team/app:1', script: 'true' });
    const outcome = await runtime.execute(a.ctx);
    expect(outcome).toMatchObject({ status: 'failed', exitCode: null, reason: 'ImagePullError' });
    expect(outcome.nonRetryable).toBeUndefined();
    expect(outcome.message).toMatch(/could not pull image 127\.0\.0\.1:1\/team\/app:1: .*connection refused/);
  });

  it('cancel during a pull that hangs ends the attempt at once, and no container is created', async () => {
    const runtime = makeRuntime();
    const image = `${registryHost}/slow/image:1`;
    const a = attemptOf({ name: 'slow-pull', image, script: 'true' });
    const outcome = runtime.execute(a.ctx);
    await until(() => a.system().includes(`pulling image ${image}`), 'the pull to start');
    const canceled = Date.now();
    a.abort.abort('Canceled');
    await expect(outcome).resolves.toMatchObject({ status: 'failed', exitCode: null, reason: 'Canceled' });
    // The pull never ends by itself: an outcome at all shows the cancel did not wait for it.
    expect(Date.now() - canceled).toBeLessThan(10_000);
    expect(exists(runtime.containerNameFor(a.ctx.attemptId))).toBe(false);
  });

  it('a command missing from the image is a StartError with exit code 127', async () => {
    const runtime = makeRuntime();
    const a = attemptOf({ name: 'no-command', image: TEST_IMAGE, command: ['/scripts/not-in-the-image.sh'] });
    const outcome = await runtime.execute(a.ctx);
    expect(outcome).toMatchObject({ status: 'failed', exitCode: 127, reason: 'StartError' });
    expect(outcome.message).toContain('/scripts/not-in-the-image.sh');
    await runtime.outcomeRecorded?.(a.ctx, outcome);
    expect(exists(runtime.containerNameFor(a.ctx.attemptId))).toBe(false);
  });

  it('an engine that does not answer gives a clear EngineUnavailable outcome', async () => {
    const runtime = makeRuntime({ host: `${engine.host}.missing` });
    const a = attemptOf({ name: 'nowhere', image: TEST_IMAGE, script: 'true' });
    const outcome = await runtime.execute(a.ctx);
    expect(outcome).toMatchObject({ status: 'failed', reason: 'EngineUnavailable' });
    expect(outcome.message).toContain(`${engine.host}.missing`);
  });

  it('tasks of a run with a workspace share a volume at /workspace, removed with the run', async () => {
    const runtime = makeRuntime();
    const runId = randomUUID();
    const dag = { workspace: { enable: true } };
    const write = attemptOf(
      { name: 'write', image: TEST_IMAGE, script: 'echo "from write" > "$KONTROLER_WORKSPACE/note"' },
      { runId, dag },
    );
    const written = await runtime.execute(write.ctx);
    expect(written, `write: ${JSON.stringify(written)} ${write.stderr().join('\n')}`).toMatchObject({
      status: 'succeeded',
    });
    const read = attemptOf(
      { name: 'read', image: TEST_IMAGE, script: 'cat /workspace/note' },
      { runId, dag },
    );
    // Once on Node 24 under the whole suite's load the read failed (not reproduced alone in 3 runs, nor on
    // Node 20): the outcome, stderr and system lines say why next time.
    const readOutcome = await runtime.execute(read.ctx);
    expect(
      readOutcome,
      `read: ${JSON.stringify(readOutcome)} ${[...read.stderr(), ...read.system()].join('\n')}`,
    ).toMatchObject({ status: 'succeeded' });
    expect(read.stdout()).toEqual(['from write']);

    const volume = `${instance}-ws-${runId}`;
    expect(spawnSync('podman', ['volume', 'exists', volume]).status).toBe(0);
    await runtime.cleanupRun(runId);
    expect(exists(runtime.containerNameFor(write.ctx.attemptId))).toBe(false);
    expect(spawnSync('podman', ['volume', 'exists', volume]).status).toBe(1);
  });

  it('memory and cpu limits from podTemplate.resources apply: a task over its memory is killed', async () => {
    const runtime = makeRuntime();
    const a = attemptOf({
      name: 'greedy',
      image: TEST_IMAGE,
      podTemplate: { resources: { limits: { memory: '16Mi', cpu: '500m' } } },
      // Doubles a string until the memory limit stops it.
      script: 'a=xxxxxxxxxxxxxxxx; while true; do a="$a$a"; done',
    });
    const outcome = await runtime.execute(a.ctx);
    expect(outcome).toMatchObject({ status: 'failed', exitCode: 137 });
    expect(outcome.message).toContain('16Mi');
    const limits = podman(
      'inspect',
      '--format',
      '{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}}',
      runtime.containerNameFor(a.ctx.attemptId),
    );
    expect(limits).toBe(`${16 * 2 ** 20} 500000000`);
  });

  it('a limit that is not a quantity fails the attempt as InvalidTask, naming the field', async () => {
    const runtime = makeRuntime();
    const a = attemptOf({
      name: 'bad-limit',
      image: TEST_IMAGE,
      podTemplate: { resources: { limits: { memory: 'plenty' } } },
      script: 'true',
    });
    await expect(runtime.execute(a.ctx)).resolves.toMatchObject({
      status: 'failed',
      reason: 'InvalidTask',
      nonRetryable: true,
      message: 'podTemplate.resources.limits.memory is not a positive quantity: "plenty"',
    });
  });

  it('the start-up sweep removes containers of finished attempts and keeps active ones', async () => {
    const before = makeRuntime();
    const done = attemptOf({ name: 'done', image: TEST_IMAGE, script: 'true' });
    const active = attemptOf({ name: 'active', image: TEST_IMAGE, script: 'sleep 30' });
    await before.execute(done.ctx);
    const running = before.execute(active.ctx);
    await until(() => exists(before.containerNameFor(active.ctx.attemptId)), 'the active container');
    // A crash: neither outcome was recorded, nothing was removed.
    await before.close();
    await running;

    const activeIds = new Set([active.ctx.attemptId]);
    const after = makeRuntime({ isAttemptActive: async ({ attemptId }) => activeIds.has(attemptId) });
    const { removed, kept } = await after.sweep();
    expect(removed).toContain(after.containerNameFor(done.ctx.attemptId));
    expect(kept).toContain(after.containerNameFor(active.ctx.attemptId));
    expect(exists(after.containerNameFor(done.ctx.attemptId))).toBe(false);
    expect(exists(after.containerNameFor(active.ctx.attemptId))).toBe(true);

    await after.cleanupRun(active.ctx.runId);
    expect(exists(after.containerNameFor(active.ctx.attemptId))).toBe(false);
  });
});
