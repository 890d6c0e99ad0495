/**
 * `npm start`: a local stand-in for a chat tool's incoming webhook prints what it receives, and an engine
 * (in memory) runs a DAG whose last task fails for good.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createEngine } from '@kontroler/core';
import { createMemoryStore } from '@kontroler/core/testing';
import { createProcessRuntime } from '@kontroler/plugins';
import { chatNotifierPlugin } from './chat-notifier.js';

const chat = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c: Buffer) => (body += c.toString('utf8')));
  req.on('end', () => {
    console.log(`chat received:\n${JSON.stringify(JSON.parse(body), null, 2)}\n`);
    res.writeHead(200).end('ok');
  });
});
await new Promise<void>((resolve) => chat.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(chat.address() as AddressInfo).port}/services/demo`;

const runtime = createProcessRuntime();
const engine = createEngine({
  store: createMemoryStore(),
  runtimes: [runtime],
  plugins: [chatNotifierPlugin({ url, consoleUrl: 'http://localhost:5173/runs/' })],
});
await engine.registerDag({
  name: 'billing-export',
  tasks: [
    { name: 'extract', image: 'alpine:3', script: 'echo extracting' },
    {
      name: 'upload',
      image: 'alpine:3',
      script: 'echo "403 Forbidden" >&2; exit 22',
      runAfter: ['extract'],
      backoff: { limit: 0 },
    },
  ],
});
await engine.start();
const run = await engine.submit('billing-export');
await new Promise<void>((resolve) =>
  engine.events.on('run.finished', (e) => {
    if (e.run.id === run.id) resolve();
  }),
);
// Give the outbox dispatcher a moment to post both messages.
await new Promise((resolve) => setTimeout(resolve, 500));
await engine.stop();
await runtime.close();
chat.close();
