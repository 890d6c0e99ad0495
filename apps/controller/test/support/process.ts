/** The controller as a child process (`node --conditions=source --import tsx src/main.ts`), as tests run it. */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { eventually } from './env.js';

export const ROOT = join(import.meta.dirname, '..', '..', '..', '..');
const MAIN = join(ROOT, 'apps', 'controller', 'src', 'main.ts');

export interface ControllerProcess {
  readonly child: ChildProcess;
  /** stdout and stderr, as received. */
  readonly output: string[];
  text(): string;
  exited(): boolean;
  /** Resolves with the exit code (null when killed by a signal). */
  exit(): Promise<number | null>;
  /** Waits until `text` appears in the output; fails with the output's tail if the process exits first. */
  waitFor(text: string, timeoutMs?: number): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

export function spawnController(env: Record<string, string>): ControllerProcess {
  return spawnMain(MAIN, env, 'controller');
}

/** The API server (`apps/api/src/main.ts`) as a child process, the same way. */
export function spawnApi(env: Record<string, string>): ControllerProcess {
  return spawnMain(join(ROOT, 'apps', 'api', 'src', 'main.ts'), env, 'API');
}

function spawnMain(main: string, env: Record<string, string>, what: string): ControllerProcess {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', main], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  let size = 0;
  const keep = (d: string) => {
    output.push(d);
    size += d.length;
    // Bounded: a long chaos run must not hold every log line.
    while (size > 200_000 && output.length > 1) size -= output.shift()!.length;
  };
  child.stdout?.setEncoding('utf8').on('data', keep);
  child.stderr?.setEncoding('utf8').on('data', keep);
  const exitPromise = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const handle: ControllerProcess = {
    child,
    output,
    text: () => output.join(''),
    exited: () => child.exitCode !== null || child.signalCode !== null,
    exit: () => exitPromise,
    async waitFor(text, timeoutMs = 60_000) {
      try {
        await eventually(
          `"${text}" in the ${what}'s log`,
          () => {
            if (handle.text().includes(text)) return true;
            if (handle.exited())
              throw new Error(`the ${what} exited (${child.exitCode ?? child.signalCode})`);
            return false;
          },
          timeoutMs,
          25,
        );
      } catch (error) {
        throw new Error(`${String(error)}\n--- ${what} output ---\n${handle.text().slice(-3000)}`, {
          cause: error,
        });
      }
    },
    async kill(signal = 'SIGKILL') {
      if (!handle.exited()) child.kill(signal);
      return exitPromise;
    },
  };
  return handle;
}
