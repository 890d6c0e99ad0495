/**
 * Outputs of the `http` task type (`valueFrom`, docs/flow/outputs.md) against a real local HTTP server:
 * JSON Pointers into `{status, headers, body}`, absent values, refused pointers, a body too large to read,
 * and, inside a real engine, a downstream task rendered from them and the engine's size limit.
 */
import { createEngine, MAX_OUTPUT_BYTES, type DagSpec, type RunRecord } from '@kontroler/core';
import { createMemoryStore, FakeRuntime } from '@kontroler/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpTaskRuntime, httpTaskPlugin } from '../src/http-task/runtime.js';
import { readPointer } from '../src/http-task/value-from.js';
import { attemptOf } from './helpers.js';
import { reply, startHttpServer, type TestServer } from './receiver.js';

let server: TestServer;
let hits = 0;
const JOB = { id: 'j-7', rows: [10, 20, 30], nested: { 'a/b': 'slash', 'c~d': 'tilde' }, none: null };

beforeAll(async () => {
  server = await startHttpServer((request, response) => {
    hits++;
    if (request.url === '/job') reply(response, 201, JOB, { 'x-rows': '3' });
    else if (request.url === '/vendor')
      reply(response, 200, '{"ok":true}', { 'content-type': 'application/vnd.api+json; charset=utf-8' });
    else if (request.url === '/text') reply(response, 200, 'plain words');
    else if (request.url === '/huge') reply(response, 200, { blob: 'x'.repeat(4000) });
    else if (request.url === '/big-output') reply(response, 200, { blob: 'y'.repeat(MAX_OUTPUT_BYTES) });
    else reply(response, 404);
  });
});
afterAll(() => server.close());

type Outputs = { name: string; valueFrom?: string }[];
const call = (path: string, outputs: Outputs) =>
  attemptOf({ name: 'call', type: 'http', with: { url: `${server.url}${path}` }, outputs });
const system = (a: ReturnType<typeof call>) =>
  a.lines.filter((l) => l.stream === 'system').map((l) => l.line);

describe('http task outputs (valueFrom)', () => {
  const runtime = createHttpTaskRuntime({ maxLoggedBodyBytes: 100, maxResponseBytes: 2000 });

  it('reads status, headers and JSON body fields by JSON Pointer, escapes included', async () => {
    const a = call('/job', [
      { name: 'code', valueFrom: '/status' },
      { name: 'rowsHeader', valueFrom: '/headers/x-rows' },
      { name: 'type', valueFrom: '/headers/content-type' },
      { name: 'id', valueFrom: '/body/id' },
      { name: 'rows', valueFrom: '/body/rows' },
      { name: 'second', valueFrom: '/body/rows/1' },
      { name: 'slash', valueFrom: '/body/nested/a~1b' },
      { name: 'tilde', valueFrom: '/body/nested/c~0d' },
      { name: 'none', valueFrom: '/body/none' },
      { name: 'body', valueFrom: '/body' },
    ]);
    const outcome = await runtime.execute(a.ctx);
    expect(outcome).toMatchObject({ status: 'succeeded', reason: 'Completed', message: 'HTTP 201' });
    expect(outcome.outputs).toEqual({
      code: 201,
      rowsHeader: '3',
      type: 'application/json',
      id: 'j-7',
      rows: [10, 20, 30],
      second: 20,
      slash: 'slash',
      tilde: 'tilde',
      none: null,
      body: JOB,
    });
  });

  it('leaves an output absent when its pointer names nothing or it has no valueFrom, and logs why', async () => {
    const a = call('/job', [
      { name: 'missing', valueFrom: '/body/nope' },
      { name: 'pastEnd', valueFrom: '/body/rows/3' },
      { name: 'notIndex', valueFrom: '/body/rows/01' },
      { name: 'intoText', valueFrom: '/body/id/x' },
      { name: 'bare' },
      { name: 'id', valueFrom: '/body/id' },
    ]);
    const outcome = await runtime.execute(a.ctx);
    expect(outcome.status).toBe('succeeded');
    expect(outcome.outputs).toEqual({ id: 'j-7' });
    expect(system(a)).toEqual(
      expect.arrayContaining([
        'output "missing": "/body/nope" names nothing in the response',
        'output "pastEnd": "/body/rows/3" names nothing in the response',
        'output "bare" has no valueFrom; an http task gives it no value',
      ]),
    );
  });

  it('parses +json bodies and keeps other bodies as text', async () => {
    const vendor = await runtime.execute(call('/vendor', [{ name: 'ok', valueFrom: '/body/ok' }]).ctx);
    expect(vendor.outputs).toEqual({ ok: true });
    const text = await runtime.execute(call('/text', [{ name: 'words', valueFrom: '/body' }]).ctx);
    expect(text.outputs).toEqual({ words: 'plain words' });
  });

  it('refuses a pointer outside status, headers and body before sending anything, naming the output', async () => {
    const before = hits;
    for (const valueFrom of ['/rows', 'body/rows', '/body/~2']) {
      const a = call('/job', [{ name: 'rows', valueFrom }]);
      const outcome = await runtime.execute(a.ctx);
      expect(outcome).toMatchObject({
        status: 'failed',
        reason: 'InvalidTask',
        nonRetryable: true,
        failureKind: 'start',
      });
      expect(outcome.message).toContain(`output "rows": valueFrom ${JSON.stringify(valueFrom)}`);
    }
    expect(hits).toBe(before);
  });

  it('fails with ResponseTooLarge rather than read outputs from a cut body; status and headers need no body', async () => {
    const cut = await runtime.execute(call('/huge', [{ name: 'blob', valueFrom: '/body/blob' }]).ctx);
    expect(cut).toMatchObject({ status: 'failed', reason: 'ResponseTooLarge', nonRetryable: true });
    expect(cut.message).toContain('over 2000 bytes');
    expect(cut.outputs).toBeUndefined();
    const statusOnly = await runtime.execute(call('/huge', [{ name: 'code', valueFrom: '/status' }]).ctx);
    expect(statusOnly).toMatchObject({ status: 'succeeded', outputs: { code: 200 } });
  });

  it('reads pointers per RFC 6901', () => {
    const doc = { a: [{ b: 1 }], '': 'empty', 'x/y': 2 };
    expect(readPointer(doc, '')).toBe(doc);
    expect(readPointer(doc, '/a/0/b')).toBe(1);
    expect(readPointer(doc, '/')).toBe('empty');
    expect(readPointer(doc, '/x~1y')).toBe(2);
    expect(readPointer(doc, '/a/-')).toBeUndefined();
    expect(readPointer(doc, '/toString')).toBeUndefined();
  });
});

describe('http task outputs in the engine', () => {
  const dag = (path: string): DagSpec => ({
    name: `http-${path.slice(1)}`,
    tasks: [
      {
        name: 'call',
        type: 'http',
        with: { url: `${server.url}${path}` },
        backoff: { limit: 0 },
        outputs: [
          { name: 'id', valueFrom: '/body/id' },
          { name: 'rows', valueFrom: '/body/rows' },
          { name: 'blob', valueFrom: '/body/blob' },
        ],
      },
      {
        name: 'use',
        image: 'alpine',
        command: ['use'],
        runAfter: ['call'],
        args: ['{{ tasks.call.outputs.id }}', '{{ tasks.call.outputs.rows }}'],
      },
    ],
  });

  async function runOf(spec: DagSpec) {
    const fake = new FakeRuntime({ defaultOutcome: { exitCode: 0 } });
    const engine = createEngine({
      store: createMemoryStore(),
      runtimes: [fake],
      defaultRuntime: 'fake',
      plugins: [httpTaskPlugin({ maxResponseBytes: 200_000 })],
      scheduler: false,
    });
    await engine.start();
    try {
      await engine.registerDag(spec);
      const done = new Promise<RunRecord>((resolve) =>
        engine.events.on('run.finished', ({ run }) => resolve(run)),
      );
      const run = await engine.submit(spec.name);
      const finished = await done;
      const snapshot = await engine.getRun(run.id);
      return { finished, snapshot, fake };
    } finally {
      await engine.stop();
    }
  }

  it('keeps the outputs with the attempt and renders them into the downstream task', async () => {
    const { finished, snapshot, fake } = await runOf(dag('/job'));
    expect(finished.state).toBe('succeeded');
    expect(snapshot?.attempts.find((a) => a.taskName === 'call')?.outputs).toEqual({
      id: 'j-7',
      rows: [10, 20, 30],
    });
    expect(fake.callsOf('use')[0]?.task.spec.args).toEqual(['j-7', '[10,20,30]']);
  });

  it('fails the task with OutputTooLarge when an output read from the response passes 64 KiB', async () => {
    const { finished, snapshot, fake } = await runOf(dag('/big-output'));
    expect(finished.state).toBe('failed');
    const attempts = snapshot?.attempts.filter((a) => a.taskName === 'call') ?? [];
    expect(attempts[0]).toMatchObject({ state: 'failed', reason: 'OutputTooLarge' });
    expect(attempts[0]?.message).toContain('output "blob"');
    expect(fake.callsOf('use')).toEqual([]);
  });
});
