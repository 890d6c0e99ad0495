import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import type { TaskOutcome } from '@kontroler/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createProcessRuntime, LOST_MESSAGE, type ProcessRuntime } from '../src/process-runtime/runtime.js';
import { envSecretSource, fileSecretSource, chainSecretSources } from '../src/secrets/index.js';
import { TRUNCATED_MARKER } from '../src/shared/line-splitter.js';
import { attemptOf } from './helpers.js';

let root: string;
let secretsDir: string;
const runtimes: ProcessRuntime[] = [];

function makeRuntime(options: Parameters<typeof createProcessRuntime>[0] = {}): ProcessRuntime {
  const runtime = createProcessRuntime({ workDir: root, killGraceMs: 300, ...options });
  runtimes.push(runtime);
  return runtime;
}

beforeAll(async () => {
  root = await mkdtemp(join(os.tmpdir(), 'kontroler-process-'));
  secretsDir = await mkdtemp(join(os.tmpdir(), 'kontroler-process-secrets-'));
  await writeFile(join(secretsDir, 'api-token'), 'tok-from-file\n');
});
afterEach(async () => {
  await Promise.all(runtimes.splice(0).map((r) => r.close()));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
  await rm(secretsDir, { recursive: true, force: true });
});

/** Waits until `predicate` holds, checking on each turn of the event loop (no fixed sleeps). */
async function until(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A process's state letter from /proc (R, S, Z…), or 'gone'. */
function processState(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] ?? 'gone';
  } catch {
    return 'gone';
  }
}

describe('process runtime: outcomes', () => {
  it('is named "process" and runs a script through sh -c', async () => {
    const runtime = makeRuntime();
    const a = attemptOf({ name: 'hello', script: 'echo hello; echo oops >&2' });
    await expect(runtime.execute(a.ctx)).resolves.toEqual({
      status: 'succeeded',
      exitCode: 0,
      reason: 'Completed',
    });
    expect(runtime.name).toBe('process');
    expect(a.stdout()).toEqual(['hello']);
    expect(a.stderr()).toEqual(['oops']);
    expect(a.lines.every((l) => typeof l.ts === 'number' && l.ts > 0)).toBe(true);
  });

  it('runs command + args without a shell', async () => {
    const runtime = makeRuntime();
    const a = attemptOf({ name: 'cmd', command: ['printf', '%s|%s\\n'], args: ['$HOME', 'two words'] });
    await expect(runtime.execute(a.ctx)).resolves.toMatchObject({ status: 'succeeded' });
    expect(a.stdout()).toEqual(['$HOME|two words']);
  });

  it('reports a non-zero exit code as a failure with reason Error', async () => {
    const a = attemptOf({ name: 'fail', script: 'exit 3' });
    await expect(makeRuntime().execute(a.ctx)).resolves.toEqual({
      status: 'failed',
      exitCode: 3,
      reason: 'Error',
      message: 'exited with code 3',
    });
  });

  it('reports death by a signal as reason Signal with exit code 128+n, like a shell', async () => {
    const a = attemptOf({ name: 'sig', script: 'kill -USR1 $$; sleep 5' });
    const outcome = await makeRuntime().execute(a.ctx);
    expect(outcome).toMatchObject({
      status: 'failed',
      reason: 'Signal',
      exitCode: 128 + os.constants.signals.SIGUSR1,
    });
    expect(outcome.message).toContain('SIGUSR1');
  });

  it('reports a command that does not exist as StartError with 127, kind start, and logs it', async () => {
    const a = attemptOf({ name: 'missing', command: ['/nonexistent/kontroler-binary'] });
    const outcome = await makeRuntime().execute(a.ctx);
    expect(outcome).toMatchObject({
      status: 'failed',
      exitCode: 127,
      reason: 'StartError',
      failureKind: 'start',
    });
    expect(outcome.message).toMatch(
      /^command not found: \/nonexistent\/kontroler-binary \(spawn .* ENOENT\)$/,
    );
    // Regression (issue 15): a start error's log held no trace of the error.
    expect(a.system()).toEqual([`StartError: ${outcome.message}`]);
  });

  it('says that a Kontroler manifest’s command was looked up on this host, not in its image', async () => {
    const a = attemptOf({ name: 'prepare', image: 'example/etl:1', command: ['/scripts/prepare.sh'] });
    const outcome = await makeRuntime().execute(a.ctx);
    expect(outcome).toMatchObject({ reason: 'StartError', failureKind: 'start' });
    expect(outcome.message).toContain('the process runtime runs commands on this host, not in example/etl:1');
    expect(a.system().at(-1)).toBe(`StartError: ${outcome.message}`);
  });

  it('reports a script whose shell could not find a command as CommandNotFound, kind start', async () => {
    const a = attemptOf({ name: 'script', script: 'echo before; /scripts/prepare.sh' });
    const outcome = await makeRuntime().execute(a.ctx);
    expect(outcome).toMatchObject({
      status: 'failed',
      exitCode: 127,
      reason: 'CommandNotFound',
      failureKind: 'start',
    });
    expect(a.stderr().at(-1)).toMatch(/not found|No such file/);
    expect(a.system()).toEqual([`CommandNotFound: ${outcome.message}`]);
  });

  it('keeps a script that exits 127 on its own an ordinary failure (kind derived from the exit)', async () => {
    const a = attemptOf({ name: 'own-127', script: 'echo done >&2; exit 127' });
    const outcome = await makeRuntime().execute(a.ctx);
    expect(outcome).toEqual({
      status: 'failed',
      exitCode: 127,
      reason: 'Error',
      message: 'exited with code 127',
    });
  });

  it('fails a task with neither script nor command without retrying it, and logs why', async () => {
    const a = attemptOf({ name: 'empty' });
    await expect(makeRuntime().execute(a.ctx)).resolves.toMatchObject({
      reason: 'InvalidTask',
      nonRetryable: true,
      failureKind: 'start',
    });
    expect(a.system()).toEqual(['InvalidTask: task "empty" has neither a script nor a command']);
  });
});

describe('process runtime: environment and secrets', () => {
  it('passes parameters as env vars named exactly as the parameter, from values, env and files', async () => {
    const runtime = makeRuntime({
      secretSource: chainSecretSources(
        envSecretSource({ prefix: 'T_', env: { T_pw: 'pw-from-env' } }),
        fileSecretSource(secretsDir),
      ),
      env: { EXTRA: 'x' },
    });
    const a = attemptOf(
      {
        name: 'env',
        script: 'echo "$greeting|$Password|$token|$EXTRA|$KONTROLER_TASK|${DATABASE_URL:-unset}"',
      },
      {
        parameters: {
          greeting: { value: 'hi there' },
          Password: { fromSecret: 'pw' },
          token: { fromSecret: 'api-token' },
        },
      },
    );
    process.env.DATABASE_URL = 'postgres://engine-secret';
    try {
      await expect(runtime.execute(a.ctx)).resolves.toMatchObject({ status: 'succeeded' });
    } finally {
      delete process.env.DATABASE_URL;
    }
    expect(a.stdout()).toEqual(['hi there|pw-from-env|tok-from-file|x|env|unset']);
  });

  it("gives the task the engine's KONTROLER_* variables, which a task variable or parameter of a DAG stored before validation refused them cannot hide", async () => {
    const runtime = makeRuntime({});
    const a = attemptOf(
      {
        name: 'ids',
        script:
          'echo "$KONTROLER_NAMESPACE|$KONTROLER_DAG|$KONTROLER_DAG_VERSION|$KONTROLER_TASK|$KONTROLER_ATTEMPT"',
        env: [{ name: 'KONTROLER_TASK', value: 'spoofed' }],
      },
      { parameters: { KONTROLER_ATTEMPT: { value: '99' } } },
    );
    await expect(runtime.execute(a.ctx)).resolves.toMatchObject({ status: 'succeeded' });
    const { namespace, dagName, dagVersion, attempt } = a.ctx;
    expect(a.stdout()).toEqual([`${namespace}|${dagName}|${dagVersion}|ids|${attempt}`]);
  });

  it('fails with SecretNotFound (not retryable) and starts nothing when a secret is missing', async () => {
    const runtime = makeRuntime({ secretSource: envSecretSource({ env: {} }) });
    const marker = join(root, 'should-not-exist');
    const a = attemptOf(
      { name: 's', script: `touch ${marker}` },
      { parameters: { X: { fromSecret: 'absent' } } },
    );
    const outcome = await runtime.execute(a.ctx);
    expect(outcome).toMatchObject({
      status: 'failed',
      exitCode: null,
      reason: 'SecretNotFound',
      nonRetryable: true,
    });
    expect(outcome.message).toContain('absent');
    await expect(stat(marker)).rejects.toThrow();
  });
});

describe('process runtime: output', () => {
  it('captures 10 MB of output line by line', async () => {
    const a = attemptOf({
      name: 'big',
      // 160,000 lines of 64 characters + newline ≈ 10.4 MB
      script: `awk 'BEGIN { for (i = 0; i < 160000; i++) printf "%063d\\n", i }'`,
    });
    await expect(makeRuntime().execute(a.ctx)).resolves.toMatchObject({ status: 'succeeded' });
    const out = a.stdout();
    expect(out).toHaveLength(160_000);
    expect(out[0]).toBe('0'.repeat(63));
    expect(out[159_999]).toBe(`${'0'.repeat(57)}159999`);
  }, 60_000);

  it('keeps unicode whole when the bytes of a character are written in separate chunks', async () => {
    // printf writes the 4 bytes of 😀 (f0 9f 98 80) in two writes with a pause, so they arrive in two chunks.
    const a = attemptOf({
      name: 'uni',
      script: "printf 'héllo \\360\\237'; sleep 0.2; printf '\\230\\200 wörld\\n€'",
    });
    await expect(makeRuntime().execute(a.ctx)).resolves.toMatchObject({ status: 'succeeded' });
    expect(a.stdout()).toEqual(['héllo 😀 wörld', '€']);
  });

  it('caps very long lines', async () => {
    const a = attemptOf({ name: 'long', script: `head -c 5000 /dev/zero | tr '\\0' a; echo; echo next` });
    await expect(makeRuntime({ maxLineLength: 100 }).execute(a.ctx)).resolves.toMatchObject({
      status: 'succeeded',
    });
    expect(a.stdout()).toEqual([`${'a'.repeat(100)}${TRUNCATED_MARKER}`, 'next']);
  });

  it('says once per DAG that images are ignored', async () => {
    const runtime = makeRuntime();
    const first = attemptOf({ name: 'a', image: 'alpine:3', script: 'true' });
    const again = attemptOf({ name: 'b', image: 'alpine:3', script: 'true' });
    const other = attemptOf({ name: 'c', image: 'busybox', script: 'true' }, { dag: { name: 'other-dag' } });
    await runtime.execute(first.ctx);
    await runtime.execute(again.ctx);
    await runtime.execute(other.ctx);
    expect(first.system()).toEqual([
      expect.stringContaining('runs its commands on this host, not in alpine:3'),
    ]);
    expect(again.system()).toEqual([]);
    expect(other.system()).toHaveLength(1);
  });
});

describe('process runtime: timeouts and cancel', () => {
  it('times out: SIGTERM, and SIGKILL for a script that ignores SIGTERM', async () => {
    const runtime = makeRuntime({ killGraceMs: 200 });
    const a = attemptOf({
      name: 'stubborn',
      timeoutSeconds: 1,
      script: "trap 'echo got TERM' TERM; echo started; while :; do sleep 0.05; done",
    });
    const started = Date.now();
    const outcome = await runtime.execute(a.ctx);
    expect(outcome).toMatchObject({
      status: 'failed',
      reason: 'Timeout',
      exitCode: 128 + os.constants.signals.SIGKILL,
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1150);
    expect(a.stdout()).toContain('got TERM');
    expect(a.system().join('\n')).toMatch(/SIGKILL/);
  });

  it('times out a cooperative process with SIGTERM alone', async () => {
    const a = attemptOf({ name: 'sleepy', timeoutSeconds: 1, command: ['sleep', '30'] });
    await expect(makeRuntime({ killGraceMs: 10_000 }).execute(a.ctx)).resolves.toMatchObject({
      reason: 'Timeout',
      exitCode: 128 + os.constants.signals.SIGTERM,
    });
  });

  it('cancels through ctx.signal and kills the whole process group', async () => {
    const runtime = makeRuntime();
    const pidFile = join(root, `grandchild-${Date.now()}`);
    const a = attemptOf({ name: 'tree', script: `sleep 30 & echo $! > ${pidFile}; echo ready; wait` });
    const outcome = runtime.execute(a.ctx);
    await until(() => a.stdout().includes('ready'));
    a.abort.abort('Canceled');
    await expect(outcome).resolves.toMatchObject({ status: 'failed', reason: 'Canceled' });
    const grandchild = Number((await readFile(pidFile, 'utf8')).trim());
    // Gone, or a zombie waiting for whoever reaps orphans here: either way no longer running.
    await until(() => processState(grandchild) === 'gone' || processState(grandchild) === 'Z');
    expect(['gone', 'Z']).toContain(processState(grandchild));
  });

  it('does not wait for a descendant that left the process group and still holds the output pipe', async () => {
    const pidFile = join(root, `escaped-${Date.now()}`);
    // setsid puts the child in a new session: out of reach of the group kill, with stdout still open.
    const a = attemptOf({
      name: 'escapee',
      script: `setsid sh -c 'echo $$ > ${pidFile}; exec sleep 30' & sleep 0.2; echo main-done`,
    });
    const started = Date.now();
    try {
      await expect(makeRuntime().execute(a.ctx)).resolves.toMatchObject({ status: 'succeeded' });
      expect(Date.now() - started).toBeLessThan(5000);
      expect(a.stdout()).toEqual(['main-done']);
    } finally {
      const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
      if (pid > 0) process.kill(pid, 'SIGKILL');
    }
  });

  it('reports an abort whose reason is Timeout as Timeout', async () => {
    const runtime = makeRuntime();
    const a = attemptOf({ name: 'engine-deadline', script: 'echo ready; sleep 30' });
    const outcome = runtime.execute(a.ctx);
    await until(() => a.stdout().includes('ready'));
    a.abort.abort('Timeout');
    await expect(outcome).resolves.toMatchObject({ reason: 'Timeout' });
  });

  it('reports an abort whose reason is Lost (the engine gave the attempt up) as Lost', async () => {
    const runtime = makeRuntime();
    const a = attemptOf({ name: 'given-up', script: 'echo ready; sleep 30' });
    const outcome = runtime.execute(a.ctx);
    await until(() => a.stdout().includes('ready'));
    a.abort.abort('Lost');
    await expect(outcome).resolves.toMatchObject({ reason: 'Lost', message: LOST_MESSAGE });
  });

  it('cancels an attempt still queued for a slot without starting it', async () => {
    const runtime = makeRuntime({ concurrency: 1 });
    const blocker = attemptOf({ name: 'blocker', script: 'echo ready; sleep 30' });
    const queued = attemptOf({ name: 'queued', script: 'echo should-not-run' });
    const first = runtime.execute(blocker.ctx);
    const second = runtime.execute(queued.ctx);
    await until(() => runtime.stats().queued === 1);
    queued.abort.abort('Canceled');
    await expect(second).resolves.toMatchObject({ reason: 'Canceled', exitCode: null });
    expect(queued.stdout()).toEqual([]);
    blocker.abort.abort('Canceled');
    await first;
  });
});

describe('process runtime: concurrency, idempotency, loss', () => {
  it('never runs more children than the concurrency limit and queues the rest', async () => {
    const runtime = makeRuntime({ concurrency: 2 });
    const attempts = Array.from({ length: 6 }, (_, i) => attemptOf({ name: `t${i}`, script: 'sleep 0.2' }));
    const outcomes = attempts.map((a) => runtime.execute(a.ctx));
    await until(() => runtime.stats().running === 2);
    expect(runtime.stats().queued).toBe(4);
    const results = await Promise.all(outcomes);
    expect(results.every((o: TaskOutcome) => o.status === 'succeeded')).toBe(true);
    expect(runtime.stats()).toEqual({ running: 0, queued: 0, peakRunning: 2 });
  });

  it('returns the same promise for a second execute of a running attempt (one process)', async () => {
    const runtime = makeRuntime();
    const counter = join(root, `count-${Date.now()}`);
    const a = attemptOf({ name: 'once', script: `echo x >> ${counter}; sleep 0.3` });
    const first = runtime.execute(a.ctx);
    const second = runtime.execute(a.ctx);
    expect(second).toBe(first);
    await first;
    // A late duplicate after the end gets the remembered outcome, not a second process.
    await expect(runtime.execute(a.ctx)).resolves.toEqual(await first);
    expect(await readFile(counter, 'utf8')).toBe('x\n');
  });

  it('reports a reclaimed attempt that does not run here as Lost, retryable, without starting it', async () => {
    const marker = join(root, `lost-${Date.now()}`);
    const a = attemptOf({ name: 'gone', script: `touch ${marker}` }, { reclaimed: true });
    const outcome = await makeRuntime().execute(a.ctx);
    expect(outcome).toEqual({ status: 'failed', exitCode: null, reason: 'Lost', message: LOST_MESSAGE });
    expect(outcome.nonRetryable).toBeUndefined();
    await expect(stat(marker)).rejects.toThrow();
  });

  it('adopts a reclaimed attempt that still runs here', async () => {
    const runtime = makeRuntime();
    const a = attemptOf({ name: 'adopt', script: 'sleep 0.2; echo done' });
    const first = runtime.execute(a.ctx);
    const adopted = runtime.execute({ ...a.ctx, reclaimed: true });
    expect(adopted).toBe(first);
    await expect(adopted).resolves.toMatchObject({ status: 'succeeded' });
  });

  it('close() stops running children and reports them lost', async () => {
    const runtime = createProcessRuntime({ workDir: root, killGraceMs: 200 });
    const a = attemptOf({ name: 'long', script: "trap '' TERM; echo ready; sleep 30" });
    const outcome = runtime.execute(a.ctx);
    await until(() => a.stdout().includes('ready'));
    await runtime.close();
    await expect(outcome).resolves.toMatchObject({ reason: 'Lost', message: LOST_MESSAGE });
    expect(runtime.stats().running).toBe(0);
  });
});

describe('process runtime: working directories', () => {
  it('shares the run workspace between the tasks of a run when the DAG enables it, and cleanupRun removes it', async () => {
    const runtime = makeRuntime();
    const dag = { workspace: { enable: true } };
    const runId = `run-${Date.now()}`;
    const writer = attemptOf({ name: 'writer', script: 'echo payload > shared.txt; pwd' }, { dag, runId });
    const reader = attemptOf(
      { name: 'reader', script: 'cat shared.txt; echo "$KONTROLER_WORKSPACE"' },
      { dag, runId },
    );
    await expect(runtime.execute(writer.ctx)).resolves.toMatchObject({ status: 'succeeded' });
    await expect(runtime.execute(reader.ctx)).resolves.toMatchObject({ status: 'succeeded' });
    const workspace = runtime.workDirFor(runId, 'reader', 1, true);
    expect(reader.stdout()).toEqual(['payload', workspace]);
    expect(writer.stdout()).toEqual([workspace]);
    await runtime.cleanupRun(runId);
    expect(await readdir(root)).not.toContain(runId);
  });

  it('close() waits for cleanups the engine started without waiting', async () => {
    const runtime = createProcessRuntime({ workDir: root });
    const runId = `run-close-${Date.now()}`;
    const a = attemptOf({ name: 'big', script: 'for i in $(seq 1 200); do echo x > f$i; done' }, { runId });
    await runtime.execute(a.ctx);
    void runtime.cleanupRun(runId);
    await runtime.close();
    expect(await readdir(root)).not.toContain(runId);
  });

  it('gives each attempt its own directory under the run without a workspace', async () => {
    const runtime = makeRuntime();
    const runId = `run-iso-${Date.now()}`;
    const writer = attemptOf({ name: 'writer', script: 'echo payload > shared.txt' }, { runId });
    const reader = attemptOf({ name: 'reader', script: 'cat shared.txt' }, { runId });
    await runtime.execute(writer.ctx);
    await expect(runtime.execute(reader.ctx)).resolves.toMatchObject({ status: 'failed', exitCode: 1 });
    expect(runtime.workDirFor(runId, 'writer', 1)).toContain(join(runId, 'tasks', 'writer', '1'));
    await runtime.cleanupRun(runId);
  });
});
