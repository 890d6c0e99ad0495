/**
 * For the simulated node: runs a pod's container command as a host process, so that a test sees what the
 * task's own script does — its exit code, its lines and the termination message it leaves (the outputs
 * wrapper's, see outputs.ts) — instead of a scripted result. The container's image is ignored: the command
 * runs with the host's `sh` and tools. `KONTROLER_OUTPUTS_DIR` and the termination message file are mapped
 * to a temporary directory (a script must use the variable, not the literal `/kontroler/outputs`); env
 * values taken from secrets or fields (`valueFrom`) are not available.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import { OUTPUTS_MOUNT_PATH, TERMINATION_MESSAGE_PATH } from '../output-paths.js';

/** What the container did on the host. */
export interface HostRun {
  readonly exitCode: number;
  /** stdout and stderr lines, in the order they came. */
  readonly lines: readonly string[];
  /** The termination message file's content, when the container wrote one. */
  readonly terminationMessage?: string;
}

/**
 * Runs the first container of `pod` (`command` + `args`) on the host; at most `timeoutMs`, and no longer
 * than `signal` allows (then SIGKILL, exit code 137).
 */
export async function runContainerOnHost(
  pod: V1Pod,
  options: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<HostRun> {
  const container = pod.spec?.containers[0];
  const argv = [...(container?.command ?? []), ...(container?.args ?? [])];
  if (argv.length === 0)
    return { exitCode: 127, lines: ['runContainerOnHost: the container has no command'] };
  const dir = await mkdtemp(join(tmpdir(), 'kontroler-host-pod-'));
  try {
    const outputsDir = join(dir, 'outputs');
    const messageFile = join(dir, 'termination-log');
    await Promise.all([writeFile(messageFile, ''), mkdir(outputsDir)]);
    const messagePath = container?.terminationMessagePath ?? TERMINATION_MESSAGE_PATH;
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      HOME: dir,
    };
    for (const e of container?.env ?? []) if (e.value !== undefined) env[e.name] = e.value;
    // `KONTROLER_OUTPUTS_DIR` (or any variable naming the outputs mount) points at the host directory.
    for (const [name, value] of Object.entries(env)) if (value === OUTPUTS_MOUNT_PATH) env[name] = outputsDir;
    const [file, ...args] = argv.map((a) => (a === messagePath ? messageFile : a));
    const lines: string[] = [];
    const exitCode = await new Promise<number>((resolve) => {
      const child = spawn(file!, args, {
        cwd: dir,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
        ...(options.signal ? { signal: options.signal, killSignal: 'SIGKILL' as const } : {}),
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
      const collect = (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      child.stdout.on('data', collect);
      child.stderr.on('data', collect);
      child.on('error', (error) => {
        // Spawn failures (no such command) and an abort (the node stopped) both end up here.
        lines.push(String(error));
        clearTimeout(timer);
        resolve(options.signal?.aborted ? 137 : 127);
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        resolve(code ?? (signal === 'SIGKILL' ? 137 : 143));
      });
    });
    const message = await readFile(messageFile, 'utf8');
    return { exitCode, lines, ...(message ? { terminationMessage: message } : {}) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
