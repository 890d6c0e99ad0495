/**
 * `npm start` from a clean data folder: build, embedded PostgreSQL, engine, API. Log in with the printed
 * one-time password, change it, create a DAG, trigger it, see it succeed, stop with SIGINT (clean exit),
 * start again and find everything kept. In production mode it refuses to run tasks as host processes.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { call } from './support/start-server.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const dataDir = mkdtempSync(join(tmpdir(), 'kontroler-start-'));
const children: ChildProcess[] = [];

interface Started {
  child: ChildProcess;
  url: string;
  password: string | undefined;
  output: () => string;
}

/** `node scripts/start.mjs` on the shared data directory, its stdout and stderr collected. */
function spawnStart(): { child: ChildProcess; out: () => string; err: () => string } {
  const child = spawn(process.execPath, [join(root, 'scripts', 'start.mjs')], {
    cwd: root,
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      PORT: '0',
      LOG_LEVEL: 'warn',
      KONTROLER_ENV: 'development',
      DATABASE_URL: '',
      // This test is about the process runtime (its DAG names an image no registry here serves), whatever
      // container engine the machine runs; start-container.test.ts covers the container runtime.
      KONTROLER_RUNTIME: 'process',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return { child, out: () => out, err: () => err };
}

function start(): Promise<Started> {
  const { child, out, err } = spawnStart();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start within 240 s:\n${out()}\n${err()}`)), 240_000);
    const check = (): void => {
      const url = /running at (http:\/\/\S+)/.exec(out())?.[1];
      if (!url) return;
      clearTimeout(timer);
      resolve({
        child,
        url: url.replace('localhost', '127.0.0.1'),
        password: /one-time password: (\S+)/.exec(out())?.[1],
        output: () => out() + err(),
      });
    };
    child.stdout?.on('data', check);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code}:\n${out()}\n${err()}`));
    });
  });
}

/** Starts a server that is expected to give up: resolves with its exit code and output. */
function startRefused(): Promise<{ code: number | null; output: string }> {
  const { child, out, err } = spawnStart();
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, output: out() + err() })));
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.on('exit', (code) => resolve(code));
    child.kill('SIGINT');
  });
}

afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('npm start', () => {
  it('starts from scratch, runs a DAG, stops cleanly, keeps its data and refuses a second start on it', async () => {
    const first = await start();
    expect(first.password).toMatch(/^[A-Za-z0-9]{20}$/);
    expect(first.output()).toContain(
      'runtime: process (KONTROLER_RUNTIME=process; tasks run as host processes',
    );
    const login = await call<{ accessToken: string; user: { mustChangePassword: boolean } }>(
      first.url,
      'POST',
      '/api/v1/auth/login',
      undefined,
      {
        username: 'admin',
        password: first.password,
      },
    );
    expect(login.status).toBe(200);
    expect(login.body.user.mustChangePassword).toBe(true);
    // The change ends the one-time password's session and answers with a new one.
    const changed = await call<{ accessToken: string }>(
      first.url,
      'POST',
      '/api/v1/me/password',
      login.body.accessToken,
      { currentPassword: first.password, newPassword: 'a-better-password' },
    );
    expect(changed.status).toBe(200);
    expect((await call(first.url, 'GET', '/api/v1/me', login.body.accessToken)).status).toBe(401);
    const token = changed.body.accessToken;
    const dag = {
      name: 'hello',
      tasks: [
        { name: 'greet', image: 'alpine', script: 'echo hello' },
        { name: 'after', image: 'alpine', command: ['true'], runAfter: ['greet'] },
      ],
    };
    expect((await call(first.url, 'POST', '/api/v1/namespaces/default/dags', token, dag)).status).toBe(201);
    const run = await call<{ id: string }>(
      first.url,
      'POST',
      '/api/v1/namespaces/default/dags/hello/runs',
      token,
      {},
    );
    expect(run.status).toBe(201);
    let state = 'pending';
    for (let i = 0; i < 100 && !['succeeded', 'failed', 'canceled'].includes(state); i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      state = (
        await call<{ run: { state: string } }>(
          first.url,
          'GET',
          `/api/v1/namespaces/default/runs/${run.body.id}`,
          token,
        )
      ).body.run.state;
    }
    expect(state).toBe('succeeded');
    expect(await stop(first.child)).toBe(0);
    expect(first.output()).toContain('Kontroler stopped.');

    const second = await start();
    expect(second.password).toBeUndefined();
    const again = await call<{ accessToken: string }>(second.url, 'POST', '/api/v1/auth/login', undefined, {
      username: 'admin',
      password: 'a-better-password',
    });
    expect(again.status).toBe(200);
    const kept = await call<{ run: { state: string } }>(
      second.url,
      'GET',
      `/api/v1/namespaces/default/runs/${run.body.id}`,
      again.body.accessToken,
    );
    expect(kept.body.run.state).toBe('succeeded');

    // A second `npm start` on the same data directory names the running one instead of PostgreSQL's lock.
    const port = new URL(second.url).port;
    const refused = await startRefused();
    expect(refused.code).toBe(1);
    expect(refused.output).toContain(
      `Kontroler is already running on port ${port} (pid ${second.child.pid}, data directory ${dataDir})`,
    );
    expect(refused.output).not.toMatch(/lock file|postmaster/i);
    // The running one is unharmed, and gives the directory back when it stops.
    expect((await call(second.url, 'GET', '/healthz')).status).toBe(200);
    expect(await stop(second.child)).toBe(0);
    expect(existsSync(join(dataDir, 'kontroler.pid'))).toBe(false);
  }, 600_000);

  it('refuses to start in production with the host-process runtime, naming the setting', () => {
    // Built by the test above (or now, when run alone); the refusal comes before any database is touched.
    const result = spawnSync(process.execPath, [join(root, 'scripts', 'start.mjs')], {
      cwd: root,
      env: {
        ...process.env,
        DATA_DIR: mkdtempSync(join(tmpdir(), 'kontroler-start-prod-')),
        PORT: '0',
        NODE_ENV: 'production',
        KONTROLER_ENV: '',
        KONTROLER_RUNTIME: 'process',
        JWT_SECRET: 'p'.repeat(40),
        DATABASE_URL: '',
      },
      encoding: 'utf8',
      timeout: 600_000,
    });
    expect(result.status, result.stderr).toBe(1);
    expect(result.stdout).not.toContain('Kontroler is running');
    expect(result.stderr).toContain('production mode refuses');
    expect(result.stderr).toContain('KONTROLER_ALLOW_PROCESS_RUNTIME=true');
  }, 600_000);
});
