/**
 * `npm start` from a clean data folder: build, embedded PostgreSQL, engine, API. Log in with the printed
 * one-time password, change it, create a DAG, trigger it, see it succeed, stop with SIGINT (clean exit),
 * start again and find everything kept.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const dataDir = mkdtempSync(join(tmpdir(), 'kontroler-start-'));
const children: ChildProcess[] = [];

interface Started {
  child: ChildProcess;
  url: string;
  password: string | undefined;
  output: () => string;
}

function start(): Promise<Started> {
  const child = spawn(process.execPath, [join(root, 'scripts', 'start.mjs')], {
    cwd: root,
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      PORT: '0',
      LOG_LEVEL: 'warn',
      KONTROLER_ENV: 'development',
      DATABASE_URL: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start within 240 s:\n${out}\n${err}`)), 240_000);
    const check = (): void => {
      const url = /running at (http:\/\/\S+)/.exec(out)?.[1];
      if (!url) return;
      clearTimeout(timer);
      resolve({
        child,
        url: url.replace('localhost', '127.0.0.1'),
        password: /one-time password: (\S+)/.exec(out)?.[1],
        output: () => out + err,
      });
    };
    child.stdout?.on('data', check);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code}:\n${out}\n${err}`));
    });
  });
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.on('exit', (code) => resolve(code));
    child.kill('SIGINT');
  });
}

async function call<T>(
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

afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('npm start', () => {
  it('starts from scratch, runs a DAG, stops cleanly and keeps its data', async () => {
    const first = await start();
    expect(first.password).toMatch(/^[A-Za-z0-9]{20}$/);
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
    const token = login.body.accessToken;
    expect(
      (
        await call(first.url, 'POST', '/api/v1/me/password', token, {
          currentPassword: first.password,
          newPassword: 'a-better-password',
        })
      ).status,
    ).toBe(204);
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
    expect(await stop(second.child)).toBe(0);
  }, 600_000);
});
