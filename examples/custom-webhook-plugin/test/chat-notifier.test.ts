import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CompiledDag, NotifiableEvent, OutboxRecord } from '@kontroler/core';
import { makeAttempt, makeRun } from '@kontroler/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChatNotifier, formatRunFinished, type ChatMessage } from '../src/chat-notifier.js';

/** A chat tool's incoming webhook on 127.0.0.1: answers 500 to the first `failFirst` posts. */
let receiver: http.Server;
let url = '';
const received: ChatMessage[] = [];
let failFirst = 0;
beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      if (failFirst > 0) {
        failFirst--;
        res.writeHead(500).end('internal_error');
        return;
      }
      received.push(JSON.parse(body) as ChatMessage);
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/services/T000/B000/XXX`;
});
afterAll(async () => {
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
});

const dag = (name: string) =>
  ({ name, spec: { name, tasks: [] }, tasks: new Map(), order: [] }) as CompiledDag;
const finishedRun = makeRun({
  dagName: 'nightly',
  state: 'failed',
  startedAt: 1_000,
  finishedAt: 96_000,
  reason: 'task <load> failed',
});
const finalFailure = makeAttempt({
  runId: finishedRun.id,
  taskName: 'load',
  attempt: 4,
  state: 'failed',
  exitCode: 2,
  reason: 'Error',
  message: 'psql: could not connect',
  startedAt: 10_000,
  finishedAt: 12_000,
});

const record = (selected: {
  runId: string | null;
  payload: Readonly<Record<string, unknown>>;
}): OutboxRecord => ({
  id: 'msg-1',
  topic: 'chat',
  ...selected,
  createdAt: 0,
  status: 'pending',
  attempts: 0,
  nextAttemptAt: 0,
  lastError: null,
  deliveredAt: null,
});

describe('chat notifier', () => {
  it('formats a finished run as Slack blocks, escaping user text', () => {
    const message = formatRunFinished(finishedRun, { consoleUrl: 'https://kontroler.example/runs/' });
    expect(message.text).toBe(':x: DAG nightly failed: task <load> failed');
    expect(message.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: 'nightly failed' },
    });
    expect(message.blocks[1]).toMatchObject({
      type: 'section',
      fields: expect.arrayContaining([
        {
          type: 'mrkdwn',
          text: `*Run*\n<https://kontroler.example/runs/${finishedRun.id}|${finishedRun.id}>`,
        },
        { type: 'mrkdwn', text: '*Duration*\n1m 35s' },
      ]),
    });
    expect(message.blocks[2]).toEqual({
      type: 'section',
      text: { type: 'mrkdwn', text: ':x: task &lt;load&gt; failed' },
    });
  });

  it('selects failed runs and final task failures, not retried failures or successes (unless asked)', () => {
    const notifier = createChatNotifier({ url });
    const events: NotifiableEvent[] = [
      { name: 'run.finished', payload: { run: finishedRun } },
      { name: 'task.failed', payload: { run: finishedRun, attempt: finalFailure, willRetry: false } },
      { name: 'task.failed', payload: { run: finishedRun, attempt: finalFailure, willRetry: true } },
      { name: 'run.finished', payload: { run: { ...finishedRun, state: 'succeeded', reason: null } } },
      { name: 'task.started', payload: { run: finishedRun, attempt: finalFailure } },
    ];
    const selected = events.map((e) => notifier.select(e, dag('nightly')));
    expect(selected.map((s) => s !== null)).toEqual([true, true, false, false, false]);
    expect(selected[1]!.payload).toMatchObject({
      url,
      message: { text: ':x: nightly/load failed after 4 attempt(s) (exit 2)' },
    });
    const chatty = createChatNotifier({ url, reportSuccess: true });
    expect(chatty.select(events[3]!, dag('nightly'))).not.toBeNull();
  });

  it('routes by DAG name and skips DAGs without a route or default', () => {
    const notifier = createChatNotifier({ routes: { nightly: 'http://team-a.example/hook' } });
    const event: NotifiableEvent = { name: 'run.finished', payload: { run: finishedRun } };
    expect(notifier.select(event, dag('nightly'))!.payload).toMatchObject({
      url: 'http://team-a.example/hook',
    });
    expect(notifier.select(event, dag('other'))).toBeNull();
  });

  it('delivers to the incoming webhook; a 500 is a failed attempt and the retry succeeds', async () => {
    failFirst = 1;
    const notifier = createChatNotifier({ url });
    const message = record(
      notifier.select({ name: 'run.finished', payload: { run: finishedRun } }, dag('nightly'))!,
    );
    const first = await notifier.deliver(message);
    expect(first).toMatchObject({ ok: false, statusCode: 500, error: 'HTTP 500: internal_error' });
    const second = await notifier.deliver(message);
    expect(second).toMatchObject({ ok: true, statusCode: 200, error: null });
    expect(received.at(-1)).toEqual(formatRunFinished(finishedRun));
  });

  it('reports an unreachable webhook as a failed attempt', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const notifier = createChatNotifier({ url: `http://127.0.0.1:${port}/hook`, timeoutMs: 2000 });
    const attempt = await notifier.deliver(
      record(notifier.select({ name: 'run.finished', payload: { run: finishedRun } }, dag('x'))!),
    );
    expect(attempt).toMatchObject({ ok: false, statusCode: null });
    expect(attempt.error).toMatch(/ECONNREFUSED/);
  });
});
