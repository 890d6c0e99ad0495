/**
 * One `npm start` per data directory. The process that starts writes `<dataDir>/kontroler.pid`
 * (`{pid, port}`) exclusively; a second start reads it, checks that the process is alive and that its port
 * answers `/healthz` (or is listening and slow to), and stops with a sentence naming the port, the pid
 * and the directory, instead of PostgreSQL's lock message. A file left behind by a crash (dead pid, or a
 * port where nothing listens or something else answers) is taken over.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const INSTANCE_FILE = 'kontroler.pid';

/** What the running instance wrote; `port` is null while it is still starting. */
export interface InstanceRecord {
  readonly pid: number;
  readonly port: number | null;
  /** The address it listens on (`0.0.0.0` for all). */
  readonly host: string | null;
}

/** Another Kontroler already runs on this data directory. */
export class AlreadyRunningError extends Error {
  override readonly name = 'AlreadyRunningError';
  constructor(
    readonly record: InstanceRecord,
    readonly dataDir: string,
  ) {
    super(
      record.port === null
        ? `Kontroler is already starting (pid ${record.pid}, data directory ${dataDir}); ` +
            `if it is not, delete ${join(dataDir, INSTANCE_FILE)}`
        : `Kontroler is already running on port ${record.port} (pid ${record.pid}, data directory ${dataDir})`,
    );
  }
}

export interface InstanceLock {
  /** Records the address the server listens on, for the next start to check. */
  listening(host: string, port: number): void;
  /** Deletes the file, if it is still this process's. */
  release(): void;
}

function read(file: string): InstanceRecord | undefined {
  try {
    const value = JSON.parse(readFileSync(file, 'utf8')) as Partial<InstanceRecord>;
    if (typeof value.pid !== 'number' || !Number.isInteger(value.pid) || value.pid <= 0) return undefined;
    return {
      pid: value.pid,
      port: typeof value.port === 'number' ? value.port : null,
      host: typeof value.host === 'string' ? value.host : null,
    };
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * True when a Kontroler answers `/healthz` on the record's address, or something listens there and has not
 * answered within a second. A slow answer is the running instance on a busy machine: judging it gone took
 * its directory over, and the second start then failed on PostgreSQL's lock (and deleted the first one's
 * pid file). Only a refused connection or an answer that is not Kontroler's means the pid was reused.
 */
async function answers(host: string | null, port: number): Promise<boolean> {
  const any = host === null || host === '' || host === '0.0.0.0' || host === '::';
  const address = any ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  try {
    const response = await fetch(`http://${address}:${port}/healthz`, { signal: AbortSignal.timeout(1000) });
    await response.body?.cancel();
    return response.ok;
  } catch (error) {
    return error instanceof Error && error.name === 'TimeoutError';
  }
}

/**
 * Claims `dataDir` for this process, or throws AlreadyRunningError. The directory must exist.
 * @param pid @default process.pid
 */
export async function claimInstance(dataDir: string, pid: number = process.pid): Promise<InstanceLock> {
  const file = join(dataDir, INSTANCE_FILE);
  const write = (record: InstanceRecord, flag: 'wx' | 'w'): void =>
    writeFileSync(file, `${JSON.stringify(record)}\n`, { flag, mode: 0o644 });
  for (let attempt = 0; ; attempt += 1) {
    try {
      write({ pid, port: null, host: null }, 'wx');
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw error;
    }
    const other = read(file);
    if (other && other.pid !== pid && alive(other.pid)) {
      if (other.port === null || (await answers(other.host, other.port))) {
        throw new AlreadyRunningError(other, dataDir);
      }
    }
    // Left behind by a process that is gone (or a pid now used by something else): take it over.
    rmSync(file, { force: true });
  }
  const ours = (): boolean => read(file)?.pid === pid;
  return {
    listening(host, port) {
      if (ours()) write({ pid, port, host }, 'w');
    },
    release() {
      if (ours()) rmSync(file, { force: true });
    },
  };
}
