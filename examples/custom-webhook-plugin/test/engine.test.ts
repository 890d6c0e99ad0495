/** The chat notifier in a real engine: a failed run reaches the receiver through the outbox. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createEngine } from '@kontroler/core';
import { createMemoryStore } from '@kontroler/core/testing';
import { createProcessRuntime } from '@kontroler/plugins';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatNotifierPlugin, type ChatMessage } from '../src/chat-notifier.js';

let receiver: http.Server;
let url = '';
const received: ChatMessage[] = [];
let answered = 0;
beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      received.push(JSON.parse(body) as ChatMessage);
      answered++;
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
});
afterAll(async () => {
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
});

describe('chat notifier in an engine', () => {
  it('posts the final task failure and the failed run, not the succeeded task', async () => {
    const store = createMemoryStore();
    const runtime = createProcessRuntime();
    const engine = createEngine({
      store,
      runtimes: [runtime],
      scheduler: false,
      plugins: [chatNotifierPlugin({ url })],
    });
    try {
      await engine.registerDag({
        name: 'billing-export',
        tasks: [
          { name: 'extract', image: 'alpine:3', script: 'true' },
          {
            name: 'upload',
            image: 'alpine:3',
            script: 'exit 22',
            runAfter: ['extract'],
            backoff: { limit: 0 },
          },
        ],
      });
      await engine.start();
      const run = await engine.submit('billing-export');
      // Wait on the store: both messages delivered.
      for (const deadline = Date.now() + 15_000; ;) {
        const deliveries = await store.listDeliveries(run.id);
        if (deliveries.length === 2 && deliveries.every((d) => d.message.status === 'delivered')) break;
        if (Date.now() > deadline)
          throw new Error(`deliveries: ${JSON.stringify(deliveries.map((d) => d.message.status))}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(answered).toBe(2);
      const texts = received.map((m) => m.text);
      expect(texts).toContain(':x: billing-export/upload failed after 1 attempt(s) (exit 22)');
      // The run's reason is the engine's wording; the message carries it after the state.
      expect(texts.find((t) => t.startsWith(':x: DAG billing-export failed: '))).toMatch(/upload/);
    } finally {
      await engine.stop();
      await runtime.close();
    }
  });
});
