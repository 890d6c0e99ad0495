/** One `npm start` per data directory: the pid file, its checks and its take-over after a crash. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AlreadyRunningError, claimInstance, INSTANCE_FILE } from '../src/instance-lock.js';

const dirs: string[] = [];
const servers: Server[] = [];
const dir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'kontroler-instance-'));
  dirs.push(d);
  return d;
};
afterEach(async () => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** A pid that belonged to a process which has exited. */
const deadPid = (): number => {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  return Number(child.stdout);
};

async function healthServer(): Promise<number> {
  const server = createServer((_req, res) => res.end('{"status":"ok"}'));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

describe('instance lock', () => {
  it('refuses a second claim while the first one answers on its port, naming port, pid and directory', async () => {
    const d = dir();
    const first = await claimInstance(d, process.pid);
    const port = await healthServer();
    first.listening('0.0.0.0', port);
    const error = await claimInstance(d, process.pid + 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AlreadyRunningError);
    expect((error as Error).message).toBe(
      `Kontroler is already running on port ${port} (pid ${process.pid}, data directory ${d})`,
    );
    first.release();
    await claimInstance(d, process.pid + 1);
  });

  // On a busy machine the running instance answered /healthz after the check's second: the second start took
  // its directory over and failed on PostgreSQL's lock file instead of naming the running one.
  it('refuses a second claim while the first one is too busy to answer /healthz in time', async () => {
    const d = dir();
    const first = await claimInstance(d, process.pid);
    const held: Array<() => void> = [];
    const busy = createServer((_req, res) => held.push(() => res.end('{"status":"ok"}')));
    servers.push(busy);
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const { port } = busy.address() as AddressInfo;
    first.listening('127.0.0.1', port);
    const error = await claimInstance(d, process.pid + 1).catch((e: unknown) => e);
    for (const answer of held) answer();
    expect(error).toBeInstanceOf(AlreadyRunningError);
    expect((error as Error).message).toBe(
      `Kontroler is already running on port ${port} (pid ${process.pid}, data directory ${d})`,
    );
    // The running one keeps its file.
    expect(JSON.parse(readFileSync(join(d, INSTANCE_FILE), 'utf8'))).toMatchObject({
      pid: process.pid,
      port,
    });
  });

  it('refuses while the first one is still starting (no port yet)', async () => {
    const d = dir();
    await claimInstance(d, process.pid);
    await expect(claimInstance(d, process.pid + 1)).rejects.toThrow(/already starting \(pid \d+/);
  });

  it('takes over the file of a crashed start (dead pid) and of a pid whose port is not Kontroler', async () => {
    const d = dir();
    writeFileSync(join(d, INSTANCE_FILE), JSON.stringify({ pid: deadPid(), port: 1, host: null }));
    const lock = await claimInstance(d, 4242);
    expect(JSON.parse(readFileSync(join(d, INSTANCE_FILE), 'utf8'))).toMatchObject({ pid: 4242 });
    lock.release();
    // A live process (this one) but nothing answering on the recorded port: a reused pid.
    const closed = await healthServer();
    await new Promise((resolve) => servers.pop()?.close(resolve));
    writeFileSync(
      join(d, INSTANCE_FILE),
      JSON.stringify({ pid: process.pid, port: closed, host: '127.0.0.1' }),
    );
    await claimInstance(d, 4243);
    expect(JSON.parse(readFileSync(join(d, INSTANCE_FILE), 'utf8'))).toMatchObject({ pid: 4243 });
  });
});
