import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..', '..', '..');

export interface RunningServer {
  url: string;
  adminPassword: string;
  dataDir: string;
  output(): string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** Builds the console so the server serves the current code at `/`. */
export function buildConsole(): void {
  const r = spawnSync('npm', ['run', 'build', '-w', '@kontroler/console'], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`console build failed:\n${r.stdout}\n${r.stderr}`);
}

/**
 * Starts the real system the way a user does (`node scripts/start.mjs`: embedded PostgreSQL, the
 * engine with the process runtime, the API and the console) on a free port with a fresh data dir,
 * and reads the one-time admin password it prints.
 */
export async function startServer(timeoutMs = 240_000): Promise<RunningServer> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'kontroler-e2e-data-'));
  let out = '';
  const child: ChildProcess = spawn(process.execPath, ['scripts/start.mjs'], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      KONTROLER_ENV: 'development',
      // The console's DAGs name images no registry here serves: run them as host processes, whatever
      // container engine the machine runs.
      KONTROLER_RUNTIME: 'process',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dataDir, { recursive: true, force: true });
  };

  const started = Date.now();
  while (!/Kontroler is running at/.test(out)) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`the server exited with ${child.exitCode}:\n${out.slice(-3000)}`);
    }
    if (Date.now() - started > timeoutMs) {
      await stop();
      throw new Error(`the server did not start within ${timeoutMs} ms:\n${out.slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const password = /one-time password: (\S+)/.exec(out)?.[1];
  if (!password) {
    await stop();
    throw new Error(`no admin password in the server output:\n${out.slice(-3000)}`);
  }
  return { url: `http://127.0.0.1:${port}`, adminPassword: password, dataDir, output: () => out, stop };
}

/**
 * The server under test: `KONTROLER_E2E_URL` (+ `KONTROLER_E2E_ADMIN_PASSWORD`) points at one that is
 * already running (a dev server, a staging install); otherwise a fresh one is started.
 */
export async function serverUnderTest(): Promise<RunningServer> {
  const url = process.env.KONTROLER_E2E_URL;
  if (!url) {
    buildConsole();
    return startServer();
  }
  return {
    url: url.replace(/\/$/, ''),
    adminPassword: process.env.KONTROLER_E2E_ADMIN_PASSWORD ?? '',
    dataDir: '',
    output: () => '',
    stop: async () => undefined,
  };
}

/** A minimal API client for test set-up (the console is what is under test). */
export class TestApi {
  constructor(
    private readonly base: string,
    private token = '',
  ) {}

  async login(username: string, password: string): Promise<{ mustChangePassword: boolean }> {
    const r = await this.call<{ accessToken: string; user: { mustChangePassword: boolean } }>(
      'POST',
      '/api/v1/auth/login',
      { username, password },
      false,
    );
    this.token = r.accessToken;
    return r.user;
  }

  async call<T>(method: string, path: string, body?: unknown, auth = true): Promise<T> {
    const res = await fetch(this.base + path, {
      method,
      headers: {
        'Content-Type': 'application/json',
        Accept: 'application/json',
        ...(auth && this.token ? { Authorization: `Bearer ${this.token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }
}

/**
 * Signs `api` in as admin, first replacing the server's one-time password with `newPassword` when the
 * server asks for a change. Returns the password that now works (for the browser's sign-in).
 */
export async function signInAdmin(api: TestApi, server: RunningServer, newPassword: string): Promise<string> {
  const first = server.adminPassword;
  if (!(await api.login('admin', first)).mustChangePassword) return first;
  await api.call('POST', '/api/v1/me/password', { currentPassword: first, newPassword });
  await api.login('admin', newPassword);
  return newPassword;
}
