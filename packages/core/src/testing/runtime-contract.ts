/**
 * `runtimeContractSuite(makeRuntime, options)`: what every Runtime that runs commands owes the engine, as
 * vitest tests. The process runtime and the container runtime run it unchanged. It talks to the port only
 * (`execute`, `outcomeRecorded`, `cleanupRun`), with tasks any POSIX shell runs (`sh`, `echo`, `sleep`).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TaskSpec } from '../dag/schema.js';
import type { AttemptContext, Runtime } from '../ports/runtime.js';
import { makeTestAttempt, type TestAttempt, type TestAttemptOptions } from './attempt-context.js';

export interface RuntimeContractOptions<R extends Runtime> {
  /** Shown in the suite's title. */
  readonly name: string;
  /** The image every task names; it must have `sh`, `echo` and `sleep`. Runtimes without images ignore it. */
  readonly image?: string;
  /** After each test. @default `runtime.close()` */
  readonly cleanup?: (runtime: R) => Promise<void>;
  /** Whether anything of the attempt is left on the machine: its container, its working directory… */
  readonly leftovers: (runtime: R, ctx: AttemptContext) => Promise<boolean>;
  /**
   * How long a canceled or timed-out task may take to end, counted from the abort: the runtime's grace
   * period between SIGTERM and SIGKILL plus its own overhead.
   */
  readonly stopWithinMs: number;
  /** Per-test timeout. @default 30000 */
  readonly testTimeoutMs?: number;
}

/** Waits until `predicate` holds, checking every 10 ms: for real processes, which no fake clock moves. */
async function until(predicate: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Registers the Runtime contract tests in the calling test file. `makeRuntime` runs before each test,
 * `cleanup` after it.
 */
export function runtimeContractSuite<R extends Runtime>(
  makeRuntime: () => R | Promise<R>,
  options: RuntimeContractOptions<R>,
): void {
  const timeout = options.testTimeoutMs ?? 30_000;
  const task = (spec: Omit<TaskSpec, 'image'>): TaskSpec =>
    options.image === undefined ? spec : { image: options.image, ...spec };

  describe(`Runtime contract (${options.name})`, () => {
    let runtime: R;
    beforeEach(async () => {
      runtime = await makeRuntime();
    });
    afterEach(async () => {
      await (options.cleanup ? options.cleanup(runtime) : runtime.close?.());
    });

    const attempt = (spec: Omit<TaskSpec, 'image'>, more?: TestAttemptOptions): TestAttempt =>
      makeTestAttempt(task(spec), more);

    it('a task that exits 0 succeeds with reason Completed', { timeout }, async () => {
      const a = attempt({ name: 'ok', script: 'exit 0' });
      await expect(runtime.execute(a.ctx)).resolves.toEqual({
        status: 'succeeded',
        exitCode: 0,
        reason: 'Completed',
      });
    });

    it('a task that exits N fails with exit code N and reason Error', { timeout }, async () => {
      const a = attempt({ name: 'exit-seven', script: 'echo before; exit 7' });
      const outcome = await runtime.execute(a.ctx);
      expect(outcome).toMatchObject({ status: 'failed', exitCode: 7, reason: 'Error' });
      expect(outcome.message).toContain('7');
      expect(a.stdout()).toEqual(['before']);
    });

    it('command and args run without a shell', { timeout }, async () => {
      const a = attempt({ name: 'argv', command: ['echo'], args: ['two  words', '$HOME', '; exit 3'] });
      await expect(runtime.execute(a.ctx)).resolves.toMatchObject({ status: 'succeeded', exitCode: 0 });
      expect(a.stdout()).toEqual(['two  words $HOME ; exit 3']);
    });

    it('stdout and stderr lines reach the log in order, each with its time', { timeout }, async () => {
      const a = attempt({
        name: 'streams',
        script: 'for i in 1 2 3 4 5; do echo "out $i"; echo "err $i" >&2; done; printf "no newline"',
      });
      const before = Date.now();
      await runtime.execute(a.ctx);
      expect(a.stdout()).toEqual(['out 1', 'out 2', 'out 3', 'out 4', 'out 5', 'no newline']);
      expect(a.stderr()).toEqual(['err 1', 'err 2', 'err 3', 'err 4', 'err 5']);
      const output = a.lines.filter((l) => l.stream !== 'system');
      // Engines stamp lines with their own clock: allow for a second of skew, not for made-up times.
      for (const line of output) expect(line.ts).toBeGreaterThanOrEqual(before - 1000);
      for (let i = 1; i < output.length; i += 1) {
        if (output[i]?.stream === output[i - 1]?.stream) {
          expect(output[i]!.ts).toBeGreaterThanOrEqual(output[i - 1]!.ts);
        }
      }
    });

    it('log lines arrive while the task is still running', { timeout }, async () => {
      const a = attempt({ name: 'live', script: 'echo ready; sleep 30; echo never' });
      let settled = false;
      const outcome = runtime.execute(a.ctx).finally(() => (settled = true));
      await until(() => a.stdout().includes('ready'), 'the first line');
      expect(settled).toBe(false);
      a.abort.abort('Canceled');
      await expect(outcome).resolves.toMatchObject({ status: 'failed', reason: 'Canceled' });
      expect(a.stdout()).not.toContain('never');
    });

    /** Runs `script` until it prints `ready`, cancels it, and checks it ended as Canceled in time. */
    async function cancelWhenReady(name: string, script: string): Promise<TestAttempt> {
      const a = attempt({ name, script: `${script}; echo ready; while true; do sleep 0.2; done` });
      const outcome = runtime.execute(a.ctx);
      await until(() => a.stdout().includes('ready'), 'the task to start');
      const aborted = Date.now();
      a.abort.abort('Canceled');
      await expect(outcome).resolves.toMatchObject({ status: 'failed', reason: 'Canceled' });
      expect(Date.now() - aborted).toBeLessThan(options.stopWithinMs);
      return a;
    }

    it('cancel stops the task: SIGTERM first, so it can clean up', { timeout }, async () => {
      const a = await cancelWhenReady('cancel', "trap 'echo stopping; exit 143' TERM");
      expect(a.stdout()).toContain('stopping');
    });

    it('cancel kills a task that ignores SIGTERM after the grace period', { timeout }, async () => {
      await cancelWhenReady('stubborn', "trap '' TERM");
    });

    it('a task past its timeoutSeconds is stopped with reason Timeout', { timeout }, async () => {
      const a = attempt({ name: 'slow', timeoutSeconds: 1, script: 'echo ready; sleep 30; echo never' });
      const started = Date.now();
      const outcome = await runtime.execute(a.ctx);
      expect(outcome).toMatchObject({ status: 'failed', reason: 'Timeout' });
      expect(outcome.message).toContain('1s');
      expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
      expect(Date.now() - started).toBeLessThan(1000 + options.stopWithinMs);
      expect(a.stdout()).toEqual(['ready']);
    });

    it('parameters reach the task as environment variables, unchanged', { timeout }, async () => {
      const tricky = 'a "quoted" $value; `x` \\ end';
      const a = attempt(
        { name: 'env', script: 'echo "greeting=$GREETING"; echo "empty=[$EMPTY]"; echo "tricky=$TRICKY"' },
        {
          parameters: {
            GREETING: { value: 'hello world' },
            EMPTY: { value: '' },
            TRICKY: { value: tricky },
          },
        },
      );
      const outcome = await runtime.execute(a.ctx);
      // The whole outcome and log in the message: a failure here says why the task did not run.
      const seen = JSON.stringify({ outcome, log: a.lines });
      expect(outcome, seen).toMatchObject({ status: 'succeeded' });
      expect(a.stdout(), seen).toEqual(['greeting=hello world', 'empty=[]', `tricky=${tricky}`]);
    });

    it('execute is idempotent by attempt id: a second call runs nothing twice', { timeout }, async () => {
      const a = attempt({ name: 'once', script: 'echo once' });
      const [first, second] = await Promise.all([runtime.execute(a.ctx), runtime.execute(a.ctx)]);
      expect(second).toEqual(first);
      expect(first).toMatchObject({ status: 'succeeded' });
      await expect(runtime.execute(a.ctx)).resolves.toEqual(first);
      expect(a.stdout()).toEqual(['once']);
    });

    it(
      'keeps the attempt until its outcome is recorded, then leaves nothing behind',
      { timeout },
      async () => {
        const a = attempt({ name: 'tidy', script: 'echo done' });
        const outcome = await runtime.execute(a.ctx);
        expect(outcome.status).toBe('succeeded');
        expect(await options.leftovers(runtime, a.ctx)).toBe(true);
        await runtime.outcomeRecorded?.(a.ctx, outcome);
        await runtime.cleanupRun?.(a.ctx.runId);
        expect(await options.leftovers(runtime, a.ctx)).toBe(false);
      },
    );
  });
}
