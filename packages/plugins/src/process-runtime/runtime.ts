/**
 * The process runtime: runs a task attempt as a child process on this host. It is the local default
 * (`npm start`, embedding) and the reference for what a runtime owes the engine: idempotent starts,
 * streamed logs, outcomes from exit codes and signals, deadlines and cancel, and "lost" after a crash.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { WORKSPACE_ENV, attemptEnv, silentLogger } from '@kontroler/core';
import type { AttemptContext, Logger, Runtime, TaskOutcome } from '@kontroler/core';
import { abortKind, type AbortKind } from '../shared/abort.js';
import { LineSplitter } from '../shared/line-splitter.js';
import { OUTPUTS_DIR_ENV, readOutputFiles } from '../shared/output-files.js';
import { Semaphore } from '../shared/semaphore.js';
import {
  noSecrets,
  resolveParameters,
  SECRET_NOT_FOUND,
  SecretNotFoundError,
  type SecretSource,
} from '../secrets/index.js';

export interface ProcessRuntimeOptions {
  /** The runtime's name, which tasks and `defaultRuntime` refer to. @default 'process' */
  readonly name?: string;
  /** Root of the per-run working directories. @default `${os.tmpdir()}/kontroler-runs` */
  readonly workDir?: string;
  /** Where `{fromSecret}` parameters are resolved. @default a source with no secrets */
  readonly secretSource?: SecretSource;
  /** Child processes running at once; further attempts wait in a FIFO queue. @default os.availableParallelism() */
  readonly concurrency?: number;
  /** Time between SIGTERM and SIGKILL on timeout, cancel and close. @default 5000 */
  readonly killGraceMs?: number;
  /** Characters kept per log line; the rest of a longer line is dropped with a marker. @default 16384 */
  readonly maxLineLength?: number;
  /** The shell that runs `script`. @default '/bin/sh' */
  readonly shell?: string;
  /**
   * Extra environment for every child. Children get `PATH`, `HOME`, `LANG`, `LC_ALL`, `TZ` and `TMPDIR` from
   * the engine's environment (not all of it: the engine's own credentials stay out), then this, then the
   * task's `env` and parameters, then the `KONTROLER_*` variables (which nothing overrides).
   * @default {}
   */
  readonly env?: Readonly<Record<string, string>>;
  /** Pass the engine's whole environment to children instead of the short list above. @default false */
  readonly inheritEnv?: boolean;
  /** For the "image is ignored" warning and kill failures. @default silentLogger */
  readonly logger?: Logger;
}

export interface ProcessRuntimeStats {
  /** Child processes alive now. */
  readonly running: number;
  /** Attempts waiting for a concurrency slot. */
  readonly queued: number;
  /** The most children that were ever alive at once. */
  readonly peakRunning: number;
}

export interface ProcessRuntime extends Runtime {
  readonly name: string;
  /** The working directory an attempt of this run and task gets (the run's workspace when enabled). */
  workDirFor(runId: string, taskName?: string, attempt?: number, workspace?: boolean): string;
  stats(): ProcessRuntimeStats;
  /** Removes the run's working directories. */
  cleanupRun(runId: string): Promise<void>;
  /** Stops every child (SIGTERM, then SIGKILL after the grace period) and waits for them. */
  close(): Promise<void>;
}

/** Outcome message of an attempt that was running under an engine that stopped. */
export const LOST_MESSAGE = 'the process was lost when its engine stopped';

const DEFAULT_WORKDIR = join(os.tmpdir(), 'kontroler-runs');
const PASSED_ENV = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR'] as const;
/** Finished outcomes remembered so that a late duplicate `execute` gets the same answer, not a second run. */
const REMEMBERED_OUTCOMES = 1024;
/** After the main process exits, how long its pipes may stay open (a killed grandchild) before we close them. */
const PIPE_DRAIN_MS = 2000;

/** Keeps names usable as single path segments. */
function segment(value: string): string {
  return value.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_') || '_';
}

/**
 * What a shell prints on stderr when a command inside a script does not exist (dash, bash, busybox):
 * with exit code 127 it tells "command not found" from a script that chose to exit 127.
 */
const NOT_FOUND_LINE = /(?:not found|No such file or directory)\s*$/;

/** A failure to start: written to the attempt's log (where the user looks first) and kind `start`. */
function startFailure(ctx: AttemptContext, outcome: Omit<TaskOutcome, 'failureKind'>): TaskOutcome {
  ctx.log({ stream: 'system', line: `${outcome.reason}: ${outcome.message ?? 'the task could not start'}` });
  return { ...outcome, failureKind: 'start' };
}

function signalNumber(signal: NodeJS.Signals): number {
  return os.constants.signals[signal] ?? 0;
}

/** How to stop an attempt's child; set once the child is spawned. */
interface Control {
  terminate?: (kind: AbortKind) => void;
}

interface Running {
  readonly promise: Promise<TaskOutcome>;
  readonly control: Control;
}

export function createProcessRuntime(options: ProcessRuntimeOptions = {}): ProcessRuntime {
  const name = options.name ?? 'process';
  const root = options.workDir ?? DEFAULT_WORKDIR;
  const secrets = options.secretSource ?? noSecrets;
  const killGraceMs = options.killGraceMs ?? 5000;
  const maxLineLength = options.maxLineLength ?? 16_384;
  const shell = options.shell ?? '/bin/sh';
  const logger = options.logger ?? silentLogger;
  const slots = new Semaphore(options.concurrency ?? os.availableParallelism());
  const running = new Map<string, Running>();
  const finished = new Map<string, TaskOutcome>();
  const warnedDags = new Set<string>();
  const liveGroups = new Set<number>();
  const cleanups = new Set<Promise<void>>();
  let peakRunning = 0;
  let closed = false;

  // Children run in their own process groups (so that we can kill their descendants too), which means
  // they would outlive an engine that exits abruptly. Kill them on the way out, like a pod's containers.
  const onExit = () => {
    for (const pid of liveGroups) killGroup(pid, 'SIGKILL');
  };
  process.on('exit', onExit);

  function killGroup(pid: number, signal: NodeJS.Signals): void {
    try {
      process.kill(-pid, signal);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') {
        logger.warn({ err: error, pid, signal }, 'could not signal a task process group');
      }
    }
  }

  function workDirFor(runId: string, taskName?: string, attempt?: number, workspace = false): string {
    const runDir = join(root, segment(runId));
    if (workspace || taskName === undefined) return join(runDir, 'workspace');
    return join(runDir, 'tasks', segment(taskName), String(attempt ?? 1));
  }

  function baseEnv(): Record<string, string> {
    const env: Record<string, string> = {};
    if (options.inheritEnv) {
      for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value;
    } else {
      for (const key of PASSED_ENV) {
        const value = process.env[key];
        if (value !== undefined) env[key] = value;
      }
    }
    return { ...env, ...options.env };
  }

  function warnAboutImage(ctx: AttemptContext): void {
    const image = ctx.task.spec.image;
    if (image === undefined || warnedDags.has(ctx.dagName)) return;
    warnedDags.add(ctx.dagName);
    const message = `the process runtime ignores images: DAG "${ctx.dagName}" runs its commands on this host, not in ${image}`;
    ctx.log({ stream: 'system', line: message });
    logger.warn({ dag: ctx.dagName, image, runtime: name }, message);
  }

  function argv(ctx: AttemptContext): [string, ...string[]] | null {
    const { script, command, args } = ctx.task.spec;
    if (script !== undefined) return [shell, '-c', script];
    const [file, ...rest] = command ?? [];
    if (file === undefined) return null;
    return [file, ...rest, ...(args ?? [])];
  }

  async function run(ctx: AttemptContext, control: Control): Promise<TaskOutcome> {
    warnAboutImage(ctx);
    const command = argv(ctx);
    if (command === null) {
      return startFailure(ctx, {
        status: 'failed',
        exitCode: null,
        reason: 'InvalidTask',
        message: `task "${ctx.taskName}" has neither a script nor a command`,
        nonRetryable: true,
      });
    }

    let parameters: Record<string, string>;
    try {
      parameters = await resolveParameters(ctx.parameters, secrets);
    } catch (error) {
      if (error instanceof SecretNotFoundError) {
        return startFailure(ctx, {
          status: 'failed',
          exitCode: null,
          reason: SECRET_NOT_FOUND,
          message: error.message,
          nonRetryable: true,
        });
      }
      throw error;
    }

    let release: () => void;
    try {
      release = await slots.acquire(ctx.signal);
    } catch {
      const kind = abortKind(ctx.signal.reason);
      return {
        status: 'failed',
        exitCode: null,
        reason: kind,
        message: `${kind.toLowerCase()} before the process started`,
      };
    }
    try {
      if (closed) return { status: 'failed', exitCode: null, reason: 'Lost', message: LOST_MESSAGE };
      const workspace = ctx.dag.spec.workspace?.enable === true;
      const cwd = workDirFor(ctx.runId, ctx.taskName, ctx.attempt, workspace);
      await mkdir(cwd, { recursive: true });
      // Outputs (docs/flow/outputs.md): one file per declared output in a directory of the attempt's own.
      const outputsDir = join(cwd, `.kontroler-outputs-${ctx.attemptId}`);
      await mkdir(outputsDir, { recursive: true });
      // The engine's variables come last: validation refuses task variables and parameters named KONTROLER_*,
      // and a DAG stored before that rule still cannot hide the run's identity from its task.
      const env: Record<string, string> = {
        ...baseEnv(),
        ...Object.fromEntries((ctx.task.spec.env ?? []).map((e) => [e.name, e.value])),
        ...parameters,
        ...attemptEnv(ctx),
        ...(workspace ? { [WORKSPACE_ENV]: cwd } : {}),
        [OUTPUTS_DIR_ENV]: outputsDir,
      };
      try {
        const outcome = await spawnAndWait(ctx, control, command, cwd, env);
        const names = ctx.task.outputs ?? [];
        if (outcome.status !== 'succeeded' || names.length === 0) return outcome;
        const read = await readOutputFiles(outputsDir, names);
        if ('outputs' in read) return { ...outcome, outputs: read.outputs };
        return {
          status: 'failed',
          exitCode: outcome.exitCode,
          reason: 'OutputTooLarge',
          message: read.tooLarge,
          nonRetryable: true,
          failureKind: 'exit',
        };
      } finally {
        await rm(outputsDir, { recursive: true, force: true });
      }
    } finally {
      release();
    }
  }

  function spawnAndWait(
    ctx: AttemptContext,
    control: Control,
    [file, ...args]: [string, ...string[]],
    cwd: string,
    env: Record<string, string>,
  ): Promise<TaskOutcome> {
    return new Promise<TaskOutcome>((resolve) => {
      const child: ChildProcess = spawn(file, args, {
        cwd,
        env,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const pid = child.pid;
      let stoppedFor: AbortKind | null = null;
      let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
      let spawnError: Error | null = null;
      /** The last stderr line said a command was not found (the shell's way to report it). */
      let notFound = false;
      let settled = false;
      const timers: Array<ReturnType<typeof setTimeout>> = [];

      if (pid !== undefined) {
        liveGroups.add(pid);
        peakRunning = Math.max(peakRunning, liveGroups.size);
      }

      const splitters = (['stdout', 'stderr'] as const).map((stream) => {
        const splitter = new LineSplitter(maxLineLength, (line) => {
          if (stream === 'stderr') notFound = NOT_FOUND_LINE.test(line);
          ctx.log({ stream, line, ts: Date.now() });
        });
        child[stream]?.on('data', (chunk: Buffer) => splitter.push(chunk));
        return splitter;
      });

      const terminate = (kind: AbortKind) => {
        if (stoppedFor !== null || exit !== null || pid === undefined) return;
        stoppedFor = kind;
        ctx.log({
          stream: 'system',
          line: `${describe(kind)}: sending SIGTERM, SIGKILL in ${killGraceMs} ms`,
        });
        killGroup(pid, 'SIGTERM');
        const hard = setTimeout(() => {
          if (exit !== null) return;
          ctx.log({ stream: 'system', line: `still running after ${killGraceMs} ms: sending SIGKILL` });
          killGroup(pid, 'SIGKILL');
        }, killGraceMs);
        hard.unref();
        timers.push(hard);
      };
      control.terminate = terminate;

      const timeoutSeconds = ctx.task.timeoutSeconds;
      if (timeoutSeconds !== undefined) {
        const deadline = setTimeout(() => terminate('Timeout'), timeoutSeconds * 1000);
        deadline.unref();
        timers.push(deadline);
      }
      const onAbort = () => terminate(abortKind(ctx.signal.reason));
      if (ctx.signal.aborted) onAbort();
      else ctx.signal.addEventListener('abort', onAbort, { once: true });

      const finish = () => {
        if (settled) return;
        settled = true;
        for (const timer of timers) clearTimeout(timer);
        ctx.signal.removeEventListener('abort', onAbort);
        if (pid !== undefined) liveGroups.delete(pid);
        for (const splitter of splitters) splitter.end();
        resolve(outcomeOf(exit, stoppedFor, spawnError, notFound, ctx));
      };

      child.on('error', (error) => {
        spawnError = error;
        // A failed spawn emits no 'exit'; 'close' follows once the pipes are gone.
        if (pid === undefined) setImmediate(finish);
      });
      child.on('exit', (code, signal) => {
        exit = { code, signal };
        // As when a container's main process ends: whatever it left behind in its group goes too.
        if (pid !== undefined) killGroup(pid, 'SIGKILL');
        const drain = setTimeout(() => {
          child.stdout?.destroy();
          child.stderr?.destroy();
          finish();
        }, PIPE_DRAIN_MS);
        drain.unref();
        timers.push(drain);
      });
      child.on('close', () => {
        if (exit !== null || spawnError !== null) finish();
      });
    });
  }

  /** For a task that names an image: the command was looked up on this host, not in the image. */
  function imageHint(ctx: AttemptContext): string {
    const image = ctx.task.spec.image;
    return image === undefined ? '' : `; the process runtime runs commands on this host, not in ${image}`;
  }

  function describe(kind: AbortKind): string {
    if (kind === 'Timeout') return 'timed out';
    if (kind === 'Canceled') return 'canceled';
    return 'the engine gave the attempt up';
  }

  function outcomeOf(
    exit: { code: number | null; signal: NodeJS.Signals | null } | null,
    stoppedFor: AbortKind | null,
    spawnError: Error | null,
    notFound: boolean,
    ctx: AttemptContext,
  ): TaskOutcome {
    if (exit === null) {
      const code = (spawnError as NodeJS.ErrnoException | null)?.code;
      const file = (spawnError as (NodeJS.ErrnoException & { path?: string }) | null)?.path;
      const what =
        code === 'ENOENT'
          ? `command not found: ${file ?? 'the command'}`
          : code === 'EACCES'
            ? `permission denied: ${file ?? 'the command'} is not executable`
            : 'could not start the process';
      return startFailure(ctx, {
        status: 'failed',
        // What a shell answers for "not found" and "not executable".
        exitCode: code === 'ENOENT' ? 127 : code === 'EACCES' ? 126 : null,
        reason: 'StartError',
        message: `${what} (${spawnError?.message ?? 'unknown error'})${imageHint(ctx)}`,
      });
    }
    const exitCode = exit.signal !== null ? 128 + signalNumber(exit.signal) : exit.code;
    if (stoppedFor === 'Timeout') {
      return {
        status: 'failed',
        exitCode,
        reason: 'Timeout',
        message:
          ctx.task.timeoutSeconds !== undefined ? `timed out after ${ctx.task.timeoutSeconds}s` : 'timed out',
      };
    }
    if (stoppedFor === 'Canceled')
      return { status: 'failed', exitCode, reason: 'Canceled', message: 'canceled' };
    if (stoppedFor === 'Lost') return { status: 'failed', exitCode, reason: 'Lost', message: LOST_MESSAGE };
    if (exit.signal !== null) {
      return { status: 'failed', exitCode, reason: 'Signal', message: `killed by ${exit.signal}` };
    }
    if (exit.code === 0) return { status: 'succeeded', exitCode: 0, reason: 'Completed' };
    if (exit.code === 127 && notFound) {
      return startFailure(ctx, {
        status: 'failed',
        exitCode,
        reason: 'CommandNotFound',
        message: `exited with code 127: a command was not found${imageHint(ctx)}`,
      });
    }
    return { status: 'failed', exitCode, reason: 'Error', message: `exited with code ${exit.code}` };
  }

  function remember(attemptId: string, outcome: TaskOutcome): void {
    finished.set(attemptId, outcome);
    if (finished.size > REMEMBERED_OUTCOMES) {
      const oldest = finished.keys().next().value;
      if (oldest !== undefined) finished.delete(oldest);
    }
  }

  return {
    name,
    workDirFor,

    execute(ctx) {
      const current = running.get(ctx.attemptId);
      if (current) return current.promise;
      const done = finished.get(ctx.attemptId);
      if (done) return Promise.resolve(done);
      if (ctx.reclaimed) {
        // Nothing of ours runs it: its process died with the engine that started it. Never start a twin.
        return Promise.resolve({ status: 'failed', exitCode: null, reason: 'Lost', message: LOST_MESSAGE });
      }
      if (closed) {
        return Promise.resolve({
          status: 'failed',
          exitCode: null,
          reason: 'Lost',
          message: 'the process runtime is closed',
        });
      }
      const control: Control = {};
      const promise = run(ctx, control)
        .catch((error: unknown): TaskOutcome => {
          logger.error({ err: error, attemptId: ctx.attemptId }, 'process runtime failed');
          const message = error instanceof Error ? error.message : String(error);
          ctx.log({ stream: 'system', line: `RuntimeError: ${message}` });
          return { status: 'failed', exitCode: null, reason: 'RuntimeError', message, failureKind: 'infra' };
        })
        .then((outcome) => {
          running.delete(ctx.attemptId);
          remember(ctx.attemptId, outcome);
          return outcome;
        });
      running.set(ctx.attemptId, { promise, control });
      return promise;
    },

    cleanupRun(runId) {
      // The engine does not wait for cleanups; `close()` does, so that a host exiting right after a run
      // does not leave half-removed directories behind.
      const removal = rm(join(root, segment(runId)), { recursive: true, force: true }).finally(() =>
        cleanups.delete(removal),
      );
      cleanups.add(removal);
      return removal;
    },

    stats() {
      return { running: liveGroups.size, queued: slots.queued, peakRunning };
    },

    async close() {
      closed = true;
      const pending = [...running.values()];
      for (const entry of pending) entry.control.terminate?.('Lost');
      await Promise.all(pending.map((entry) => entry.promise));
      await Promise.allSettled(cleanups);
      process.off('exit', onExit);
    },
  };
}
