/**
 * Smoke test: the service on embedded PostgreSQL with the PostgreSQL store and the process runtime. A DAG
 * is registered and run over HTTP, and the run's SSE stream is read to its end.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { createEngine, createFunctionRuntime, type Engine } from '@kontroler/core';
import { createProcessRuntime, type ProcessRuntime } from '@kontroler/plugins';
import {
  createPostgresStore,
  startEmbeddedPostgres,
  type EmbeddedPostgresHandle,
  type PostgresStore,
} from '@kontroler/postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { hello } from '../src/hello-workflow.js';

let dataDir: string;
let pg: EmbeddedPostgresHandle;
let store: PostgresStore;
let runtime: ProcessRuntime;
let engine: Engine;
let server: Server;
let base: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(os.tmpdir(), 'kontroler-embed-express-'));
  pg = await startEmbeddedPostgres({ dataDir, settings: { fsync: 'off', synchronous_commit: 'off' } });
  store = await createPostgresStore({ url: pg.url });
  runtime = createProcessRuntime({ workDir: join(dataDir, 'runs') });
  engine = createEngine({
    store,
    runtimes: [runtime, createFunctionRuntime([hello])],
    defaultRuntime: runtime.name,
    scheduler: false,
    pollIntervalMs: 200,
  });
  await engine.start();
  server = createApp(engine).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 120_000);

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  await engine?.stop();
  await runtime?.close();
  await store?.close();
  await pg?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

/** Reads a whole SSE response into `[event, data]` pairs. */
async function readEvents(url: string): Promise<Array<[string, unknown]>> {
  const response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  expect(response.headers.get('content-type')).toBe('text/event-stream');
  const text = await response.text();
  return text
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const event = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
      const data = /^data: (.*)$/m.exec(block)?.[1] ?? 'null';
      return [event, JSON.parse(data) as unknown];
    });
}

describe('embed-express', () => {
  it('registers a DAG, triggers a run and streams its events to run.finished', async () => {
    const dag = {
      name: 'smoke',
      parameters: [{ name: 'WHO', defaultValue: 'world' }],
      tasks: [
        { name: 'greet', image: 'alpine:3', script: 'echo "hello, $WHO"', parameters: ['WHO'] },
        { name: 'after', image: 'alpine:3', script: 'sleep 0.3; echo done', runAfter: ['greet'] },
      ],
    };
    const put = await fetch(`${base}/dags`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(dag),
    });
    expect(put.status).toBe(201);
    expect(await put.json()).toMatchObject({ name: 'smoke', version: 1, created: true });

    const post = await fetch(`${base}/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ dag: 'smoke', parameters: { WHO: 'express' } }),
    });
    expect(post.status).toBe(202);
    const run = (await post.json()) as { id: string };
    expect(post.headers.get('location')).toBe(`/runs/${run.id}`);

    const events = await readEvents(`${base}/runs/${run.id}/events`);
    const names = events.map(([name]) => name);
    expect(names[0]).toBe('snapshot');
    expect(names.at(-1)).toBe('run.finished');
    expect(events.at(-1)![1]).toMatchObject({ run: { id: run.id, state: 'succeeded' } });
    // Whatever the snapshot already showed, the stream shows `after` succeeding (it takes 0.3 s).
    expect(
      events.some(
        ([name, data]) =>
          name === 'task.succeeded' &&
          (data as { attempt: { taskName: string } }).attempt.taskName === 'after',
      ),
    ).toBe(true);

    const snapshot = (await (await fetch(`${base}/runs/${run.id}`)).json()) as {
      attempts: Array<{ id: string; taskName: string }>;
    };
    const greet = snapshot.attempts.find((a) => a.taskName === 'greet')!;
    const logs = await store.readLogs(greet.id);
    expect(logs.map((l) => l.line)).toContain('hello, express');

    // A finished run's stream is its snapshot and an immediate end.
    const again = await readEvents(`${base}/runs/${run.id}/events`);
    expect(again.map(([name]) => name)).toEqual(['snapshot']);
  });

  it('runs the workflow written with the builder: process tasks, then an inline function task', async () => {
    const put = await fetch(`${base}/dags`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(hello.toDocument()),
    });
    expect(put.status).toBe(201);
    const post = await fetch(`${base}/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ dag: 'hello', parameters: { WHO: 'builder' } }),
    });
    const run = (await post.json()) as { id: string };
    const events = await readEvents(`${base}/runs/${run.id}/events`);
    expect(events.at(-1)![1]).toMatchObject({ run: { id: run.id, state: 'succeeded' } });
    const snapshot = (await (await fetch(`${base}/runs/${run.id}`)).json()) as {
      attempts: Array<{ id: string; taskName: string; state: string }>;
    };
    expect(snapshot.attempts.map((a) => [a.taskName, a.state]).sort()).toEqual([
      ['count', 'succeeded'],
      ['greet', 'succeeded'],
      ['summarize', 'succeeded'],
    ]);
    const summarize = snapshot.attempts.find((a) => a.taskName === 'summarize')!;
    expect((await store.readLogs(summarize.id)).map((l) => l.line)).toEqual([
      'greeted builder and counted to 3',
    ]);
  });

  it('maps Kontroler errors to HTTP statuses', async () => {
    const unknown = await fetch(`${base}/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ dag: 'nope' }),
    });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ code: 'DAG_NOT_FOUND' });
    const invalid = await fetch(`${base}/dags`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x' }),
    });
    expect(invalid.status).toBe(400);
    expect((await fetch(`${base}/runs/00000000-0000-0000-0000-000000000000`)).status).toBe(404);
  });
});
