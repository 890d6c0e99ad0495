/**
 * Every server command against a real API process (`npm start`: embedded PostgreSQL, tasks as host
 * processes), asserting what a user sees and the exit status.
 */
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKontrolerClient, unwrap } from '@kontroler/client';
import { startServer, type StartedServer } from '../../../apps/api/test/support/start-server.js';
import { cli, fixtures, type CliResult } from './helpers.js';

const PASSWORD = 'cli-test-password';
let server: StartedServer;
let env: Record<string, string>;
const work = mkdtempSync(join(tmpdir(), 'kontroler-cli-server-'));

/** The CLI with the test's config directory and server. */
const k = (args: string[], extra: Record<string, string> = {}): Promise<CliResult> =>
  cli(args, { env: { ...env, ...extra } });

beforeAll(async () => {
  server = await startServer({ KONTROLER_RUNTIME: 'process' });
  // The one-time admin password must be changed before anything else.
  const anonymous = createKontrolerClient({ baseUrl: server.url });
  const first = await unwrap(
    anonymous.POST('/api/v1/auth/login', { body: { username: 'admin', password: server.password ?? '' } }),
  );
  await unwrap(
    createKontrolerClient({ baseUrl: server.url, token: first.accessToken }).POST('/api/v1/me/password', {
      body: { currentPassword: server.password ?? '', newPassword: PASSWORD },
    }),
  );
  env = { KONTROLER_CONFIG_DIR: join(work, 'config'), KONTROLER_SERVER: server.url };
}, 300_000);

afterAll(async () => {
  await server?.stop();
});

describe('kontroler against a server', { timeout: 60_000 }, () => {
  it('asks for a server when none is given', async () => {
    const { code, stderr } = await cli(['whoami'], { env: { KONTROLER_CONFIG_DIR: join(work, 'none') } });
    expect(code).toBe(2);
    expect(stderr).toBe(
      'error: no server: pass --server URL, set KONTROLER_SERVER, or run "kontroler login --server URL"\n',
    );
  });

  it('refuses a wrong password with the problem and exit 4, no stack trace', async () => {
    const { code, stdout, stderr } = await k(['login', '-u', 'admin', '--password', 'wrong']);
    expect([code, stdout]).toEqual([4, '']);
    expect(stderr).toMatch(/^error: .+\n/);
    expect(stderr).not.toMatch(/\bat .+:\d+:\d+/);
  });

  it('logs in, stores the session readable only by the user, and knows who it is', async () => {
    const login = await k(['login', '-u', 'admin'], { KONTROLER_PASSWORD: PASSWORD });
    expect(login).toEqual({ code: 0, stdout: `logged in to ${server.url} as admin\n`, stderr: '' });
    expect(statSync(join(work, 'config', 'credentials.json')).mode & 0o777).toBe(0o600);
    const me = await k(['whoami']);
    expect(me).toEqual({
      code: 0,
      stdout: `admin on ${server.url}\nroles: admin (all namespaces)\n`,
      stderr: '',
    });
  });

  it('applies a DAG, makes no new version for the same document, and diffs versions', async () => {
    const first = await k(['dags', 'apply', '-f', join(fixtures, 'hello.yaml')]);
    expect(first).toEqual({ code: 0, stdout: 'dag default/hello saved as version 1\n', stderr: '' });
    const again = await k(['dags', 'apply', '-f', join(fixtures, 'hello.yaml')]);
    expect(again.stdout).toBe('dag default/hello unchanged (version 1)\n');
    const changed = join(work, 'hello.yaml');
    writeFileSync(
      changed,
      (await import('node:fs'))
        .readFileSync(join(fixtures, 'hello.yaml'), 'utf8')
        .replace('defaultValue: hello', 'defaultValue: hi'),
    );
    expect((await k(['dags', 'apply', '-f', changed])).stdout).toBe('dag default/hello saved as version 2\n');

    const versions = await k(['dags', 'versions', 'hello']);
    expect(versions.code).toBe(0);
    expect(versions.stdout.split('\n')[0]).toMatch(/^VERSION\s+HASH\s+CREATED BY\s+AGE$/);
    expect(versions.stdout.trim().split('\n')).toHaveLength(3);

    const diff = await k(['dags', 'diff', 'hello']);
    expect(diff.code).toBe(1);
    expect(diff.stdout).toMatch(/^-.*hello/m);
    expect(diff.stdout).toMatch(/^\+.*hi/m);
  });

  it('lists and gets DAGs as a table, wide, JSON and YAML', async () => {
    const table = await k(['dags', 'list']);
    expect(table.code).toBe(0);
    const [header, row] = table.stdout.trim().split('\n');
    expect(header).toMatch(/^NAMESPACE\s+NAME\s+VERSION\s+TASKS\s+SCHEDULE\s+SUSPENDED\s+AGE$/);
    expect(row).toMatch(/^default\s+hello\s+2\s+4\s+-\s+no\s+\d+s$/);
    expect((await k(['dags', 'list', '-A', '-o', 'wide'])).stdout).toMatch(/LAST RUN\s+NEXT RUN/);
    const json = JSON.parse((await k(['dags', 'list', '-o', 'json'])).stdout) as { name: string }[];
    expect(json.map((d) => d.name)).toEqual(['hello']);
    const yaml = await k(['dags', 'get', 'hello', '-o', 'yaml']);
    expect(yaml.stdout).toMatch(/^dag:\n/);
    const missing = await k(['dags', 'get', 'nope']);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/^error: /);
  });

  it('suspends and resumes a DAG', async () => {
    expect((await k(['dags', 'suspend', 'hello'])).stdout).toBe('dag default/hello suspended\n');
    expect((await k(['dags', 'list'])).stdout).toMatch(/hello\s+2\s+4\s+-\s+yes/);
    expect((await k(['dags', 'resume', 'hello'])).stdout).toBe('dag default/hello resumed\n');
  });

  it('submits a run and watches it to success, then shows it and its logs', async () => {
    const run = await k(['runs', 'submit', 'hello', '--param', 'greeting=howdy', '--watch']);
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    const id = /^run (\S+) of default\/hello submitted$/.exec(lines[0] ?? '')?.[1] ?? '';
    expect(id).not.toBe('');
    for (const task of ['say', 'left', 'right', 'join'])
      expect(lines.some((l) => l.startsWith(`${task}: succeeded`))).toBe(true);
    expect(lines.at(-1)).toMatch(new RegExp(`^run ${id} succeeded in \\d+\\.\\ds$`));

    const list = await k(['runs', 'list']);
    expect(list.stdout).toMatch(new RegExp(`${id}\\s+hello\\s+succeeded`));
    const get = await k(['runs', 'get', id]);
    expect(get.stdout).toMatch(/^TASK\s+ATTEMPT\s+STATE\s+EXIT\s+REASON\s+DURATION$/m);
    expect(get.stdout).toMatch(/^say\s+1\s+succeeded\s+0\s/m);

    const logs = await k(['logs', id]);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toContain('say | howdy from say');
    expect(logs.stdout).toContain('join | joined');
    const followed = await k(['logs', id, 'say', '-f']);
    expect(followed.stdout).toContain('howdy from say\n');
    const watched = await k(['runs', 'watch', id]);
    expect(watched.code).toBe(0);
    expect(watched.stdout).toContain(`run ${id} succeeded`);
  });

  it('watches a failing run to exit 1 naming the task, then retries it', async () => {
    await k(['dags', 'apply', '-f', join(fixtures, 'failing.yaml')]);
    const run = await k(['runs', 'submit', 'failing', '--watch']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('publish: skipped');
    expect(run.stdout.trim().split('\n').at(-1)).toMatch(/^run \S+ failed in \d+\.\ds: failed compute$/);
    const id = /^run (\S+) of/.exec(run.stdout)?.[1] ?? '';
    const retry = await k(['runs', 'retry', id]);
    expect(retry.code).toBe(0);
    expect(retry.stdout).toMatch(new RegExp(`^run ${id} retried`));
  });

  it('cancels a running run: its task is stopped, watch exits 1, an unknown run is exit 3', async () => {
    const file = join(work, 'slow.yaml');
    writeFileSync(
      file,
      'name: slow\ntasks:\n  - name: wait\n    image: alpine\n    script: echo waiting; sleep 60\n',
    );
    await k(['dags', 'apply', '-f', file]);
    const submitted = await k(['runs', 'submit', 'slow']);
    const id = /^run (\S+) of/.exec(submitted.stdout)?.[1] ?? '';
    // Cancel once the task runs, so that a process is really stopped (not merely never started).
    const seen = new AbortController();
    const followed = await cli(['logs', id, 'wait', '-f'], {
      env,
      signal: seen.signal,
      onStdout: (text) => text.includes('waiting') && seen.abort(),
    });
    expect(followed.stdout).toContain('waiting');
    const cancel = await k(['runs', 'cancel', id]);
    expect([cancel.code, cancel.stderr]).toEqual([0, '']);
    expect(cancel.stdout).toMatch(new RegExp(`^run ${id} cancel requested \\((running|canceled)\\)\n$`));
    const watched = await k(['runs', 'watch', id]);
    expect(watched.code).toBe(1);
    expect(watched.stdout.trim().split('\n').at(-1)).toMatch(
      new RegExp(`^run ${id} canceled in \\d+\\.\\ds$`),
    );
    const get = await k(['runs', 'get', id, '-o', 'json']);
    const detail = JSON.parse(get.stdout) as { run: { state: string }; attempts: { state: string }[] };
    expect(detail.run.state).toBe('canceled');
    expect(detail.attempts.map((a) => a.state)).toEqual(['canceled']);
    const unknown = await k(['runs', 'cancel', '00000000-0000-4000-8000-000000000000']);
    expect(unknown.code).toBe(3);
  });

  it('reruns a task and marks a task of a finished run (runs rerun-task, runs mark-task)', async () => {
    const run = await k(['runs', 'submit', 'failing', '--watch']);
    expect(run.code).toBe(1);
    const id = /^run (\S+) of/.exec(run.stdout)?.[1] ?? '';
    const marked = await k(['runs', 'mark-task', id, 'compute', 'succeeded', '--reason', 'done by hand']);
    expect(marked.stderr).toBe('');
    expect(marked.stdout.trim()).toBe(`run ${id} (running): compute marked succeeded`);
    const again = await k(['runs', 'mark-task', id, 'compute', 'succeeded']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already succeeded');
    const watched = await k(['runs', 'watch', id]);
    expect(watched.code).toBe(0);
    const rerun = await k(['runs', 'rerun-task', id, 'compute', '--downstream']);
    expect(rerun.code).toBe(0);
    expect(rerun.stdout).toMatch(new RegExp(`^run ${id} \\(running\\): rerunning compute, publish`));
    const bad = await k(['runs', 'mark-task', id, 'compute', 'skipped']);
    expect(bad.code).toBe(2);
  });

  it('shows the server’s problem for a bad request: title, detail, exit 1', async () => {
    const { code, stdout, stderr } = await k(['runs', 'submit', 'hello', '--param', 'colour=red']);
    expect([code, stdout]).toEqual([1, '']);
    expect(stderr).toMatch(/^error: .+\n {2}.*colour/);
    expect(stderr).not.toMatch(/\bat .+:\d+:\d+/);
  });

  it('creates an API token that works as KONTROLER_TOKEN, lists and revokes it', async () => {
    const created = await k(['tokens', 'create', '--name', 'ci', '--role', 'viewer']);
    expect(created.code).toBe(0);
    const token = created.stdout.trim();
    expect(token).toMatch(/^kt_/);
    const me = await cli(['whoami', '--server', server.url], {
      env: { KONTROLER_CONFIG_DIR: join(work, 'empty'), KONTROLER_TOKEN: token },
    });
    expect(me.stdout).toMatch(/^admin on /);
    const list = await k(['tokens', 'list']);
    const id = /^(\S+)\s+ci\s/m.exec(list.stdout)?.[1] ?? '';
    expect(id).not.toBe('');
    expect((await k(['tokens', 'revoke', id])).stdout).toBe(`token ${id} revoked\n`);
    const after = await cli(['whoami', '--server', server.url], {
      env: { KONTROLER_CONFIG_DIR: join(work, 'empty'), KONTROLER_TOKEN: token },
    });
    expect(after.code).toBe(4);
  });

  it('watches through a dropped event stream, resuming with Last-Event-ID', async () => {
    // A proxy that cuts the first event stream right after its first event, as a flaky network would.
    const seen: IncomingHttpHeaders[] = [];
    const target = new URL(server.url);
    const proxy: Server = createServer((req, res) => {
      const isEvents = (req.url ?? '').startsWith('/api/v1/events');
      if (isEvents) seen.push(req.headers);
      const cut = isEvents && seen.length === 1;
      const upstream = request(
        { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          let events = 0;
          answer.on('data', (chunk: Buffer) => {
            const text = chunk.toString();
            if (!cut) return void res.write(chunk);
            // Cut right before the second event: the first arrived whole, so the client resumes after its id.
            for (const match of text.matchAll(/^id: /gm)) {
              if (++events < 2) continue;
              res.write(text.slice(0, match.index));
              // A clean end, so what was written arrives; the client takes it as a dropped connection.
              answer.destroy();
              res.end();
              return;
            }
            res.write(chunk);
          });
          answer.on('end', () => res.end());
        },
      );
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const via = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    try {
      const slow = join(work, 'slow.yaml');
      writeFileSync(
        slow,
        'name: slow\ntasks:\n' +
          ['one', 'two', 'three']
            .map(
              (t, i) =>
                `  - name: ${t}\n    image: alpine\n    script: sleep 0.4\n${i > 0 ? `    runAfter: [${['one', 'two'][i - 1]}]\n` : ''}`,
            )
            .join(''),
      );
      await k(['dags', 'apply', '-f', slow]);
      // A stored session goes only to its own server: through the proxy, the token comes from the environment.
      const { accessToken } = JSON.parse(readFileSync(join(work, 'config', 'credentials.json'), 'utf8')) as {
        accessToken: string;
      };
      const run = await k(['runs', 'submit', 'slow', '--watch', '--server', via], {
        KONTROLER_TOKEN: accessToken,
      });
      expect(run.code).toBe(0);
      for (const task of ['one', 'two', 'three'])
        expect(run.stdout).toMatch(new RegExp(`^${task}: succeeded`, 'm'));
      expect(run.stdout.trim().split('\n').at(-1)).toMatch(/^run \S+ succeeded in/);
      // The stream was cut once and picked up where it left off.
      expect(seen.length).toBeGreaterThanOrEqual(2);
      expect(seen[0]?.['last-event-id']).toBeUndefined();
      expect(seen[1]?.['last-event-id']).toMatch(/\S/);
    } finally {
      proxy.closeAllConnections();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });

  it('follows the logs of a running run, tasks that start later included', async () => {
    const file = join(work, 'chain.yaml');
    writeFileSync(
      file,
      'name: chain\ntasks:\n' +
        '  - name: first\n    image: alpine\n    script: echo first-line; sleep 0.3; echo first-end\n' +
        '  - name: second\n    image: alpine\n    script: echo second-line; sleep 0.3\n    runAfter: [first]\n',
    );
    await k(['dags', 'apply', '-f', file]);
    const submitted = await k(['runs', 'submit', 'chain']);
    const id = /^run (\S+) of/.exec(submitted.stdout)?.[1] ?? '';
    const { code, stdout } = await k(['logs', id, '-f']);
    expect(code).toBe(0);
    const lines = stdout
      .trim()
      .split('\n')
      .filter((l) => !l.includes('process runtime'));
    expect(lines).toEqual(['first | first-line', 'first | first-end', 'second | second-line']);
  });

  it('deletes a DAG, then says it is not found (exit 3)', async () => {
    expect((await k(['dags', 'delete', 'failing'])).stdout).toBe('dag default/failing deleted\n');
    expect((await k(['dags', 'get', 'failing'])).code).toBe(3);
  });

  it('logs out, after which the server refuses (exit 4)', async () => {
    expect((await k(['logout'])).stdout).toBe('logged out\n');
    const { code, stderr } = await k(['whoami']);
    expect(code).toBe(4);
    expect(stderr).toContain('log in with "kontroler login", or set KONTROLER_TOKEN');
  });
});
