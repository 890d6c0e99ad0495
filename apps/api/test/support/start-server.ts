/**
 * `npm start` as a user runs it (`node scripts/start.mjs`) in a child process with a fresh data directory
 * and a free port, for end-to-end tests; plus a small JSON client for its API.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

export interface StartedServer {
  readonly url: string;
  /** The one-time admin password printed at the first start. */
  readonly password: string | undefined;
  /** stdout and stderr so far. */
  output(): string;
  /** SIGINT, then the exit code; removes the data directory unless it was given. */
  stop(): Promise<number | null>;
}

export interface StartServerOptions {
  /** Use this data directory and keep it on `stop()` (a restart on the same data). @default a fresh one, removed */
  readonly dataDir?: string;
  /** @default 300000 */
  readonly timeoutMs?: number;
}

/** Starts the server with `env` on top of the test's environment and waits for "running at". */
export function startServer(
  env: Record<string, string>,
  options: StartServerOptions = {},
): Promise<StartedServer> {
  const timeoutMs = options.timeoutMs ?? 300_000;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'kontroler-e2e-'));
  const child: ChildProcess = spawn(process.execPath, [join(root, 'scripts', 'start.mjs')], {
    cwd: root,
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      KONTROLER_ENV: 'development',
      DATABASE_URL: '',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async (): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGINT');
      const hard = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(hard);
    }
    if (options.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
    return child.exitCode;
  };
  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer);
      void stop().then(() => reject(new Error(`${why}:\n${out.slice(-4000)}`)));
    };
    const timer = setTimeout(() => fail(`no start within ${timeoutMs} ms`), timeoutMs);
    const check = (): void => {
      const url = /running at (http:\/\/\S+)/.exec(out)?.[1];
      if (url === undefined) return;
      clearTimeout(timer);
      child.stdout?.off('data', check);
      resolve({
        url: url.replace('localhost', '127.0.0.1'),
        password: /one-time password: (\S+)/.exec(out)?.[1],
        output: () => out,
        stop,
      });
    };
    child.stdout?.on('data', check);
    void exited.then((code) => {
      if (!/running at/.test(out)) fail(`the server exited with ${code}`);
    });
  });
}

/** One JSON request; the body of the answer parsed when there is one. */
export async function call<T>(
  url: string,
  method: string,
  path: string,
  token?: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
}

/** Logs in as the admin with the one-time password and sets a new one; returns an access token. */
export async function adminToken(server: StartedServer): Promise<string> {
  const login = await call<{ accessToken: string }>(server.url, 'POST', '/api/v1/auth/login', undefined, {
    username: 'admin',
    password: server.password,
  });
  if (login.status !== 200) throw new Error(`login failed with ${login.status}`);
  // A password change ends every earlier session and answers with a fresh one.
  const changed = await call<{ accessToken: string }>(
    server.url,
    'POST',
    '/api/v1/me/password',
    login.body.accessToken,
    { currentPassword: server.password, newPassword: 'a-better-password' },
  );
  if (changed.status !== 200) throw new Error(`password change failed with ${changed.status}`);
  return changed.body.accessToken;
}
