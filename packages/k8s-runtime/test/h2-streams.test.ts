/**
 * Streams over shared HTTP/2 connections (`multiplexStreams`, what the log follows use): against a local
 * HTTP/2 server over real TLS that counts its connections, an HTTP/1.1-only server (the fallback), and the
 * real kube-apiserver.
 */
import http2 from 'node:http2';
import https from 'node:https';
import { mkdtempSync, rmSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { V1Pod } from '@kubernetes/client-node';
import { createKubeClient, KubeApiError, type KubeClient, type KubeConnection } from '@kontroler/k8s-runtime';
import { selfSignedCertificate } from '@kontroler/k8s-runtime/testing';
import { Http2Streams } from '../src/h2-streams.js';
import { describeK8s, eventually } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'kontroler-h2-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const tls = selfSignedCertificate(dir, 'server');

function connection(server: string): KubeConnection {
  return {
    getCurrentCluster: () => ({ server }),
    async applyToHTTPSOptions(options) {
      options.ca = tls.cert;
      options.headers = { Authorization: 'Bearer secret-token' };
    },
  };
}

const opened: { close(): void }[] = [];
afterEach(() => {
  for (const thing of opened.splice(0)) thing.close();
});

function client(server: string): KubeClient {
  const made = createKubeClient(connection(server), { multiplexStreams: true, maxAttempts: 1 });
  opened.push(made);
  return made;
}

async function text(stream: Readable): Promise<string> {
  let all = '';
  for await (const chunk of stream) all += String(chunk);
  return all;
}

/**
 * An HTTP/2 server allowing `maxStreams` streams per connection. `/follow/<n>` writes a line and keeps the
 * stream open until `release()`; `/missing` answers a Kubernetes Status 404.
 */
async function h2Server(maxStreams: number) {
  const server = http2.createSecureServer({
    cert: tls.cert,
    key: tls.key,
    settings: { maxConcurrentStreams: maxStreams },
  });
  let connections = 0;
  const held: http2.ServerHttp2Stream[] = [];
  const authorizations: (string | undefined)[] = [];
  server.on('session', () => connections++);
  server.on('stream', (stream, headers) => {
    authorizations.push(headers.authorization);
    const path = String(headers[':path']);
    if (path.startsWith('/follow/')) {
      stream.respond({ ':status': 200, 'content-type': 'text/plain' });
      stream.write(`line of ${path.slice('/follow/'.length)}\n`);
      held.push(stream);
    } else {
      stream.respond({ ':status': 404, 'content-type': 'application/json' });
      stream.end(
        JSON.stringify({ kind: 'Status', reason: 'NotFound', message: 'pods "p" not found', code: 404 }),
      );
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  opened.push({ close: () => server.close() });
  return {
    url,
    connections: () => connections,
    held: () => held.length,
    authorizations,
    release: () => {
      for (const stream of held.splice(0)) stream.end('end\n');
    },
  };
}

describe('streams over HTTP/2', () => {
  it('puts streams on one connection up to what the server allows, then opens another', async () => {
    const server = await h2Server(3);
    const kube = client(server.url);
    const streams = await Promise.all(
      Array.from({ length: 5 }, (_, i) => kube.stream(`/follow/${i}`, { query: { follow: true } })),
    );
    expect(server.held()).toBe(5);
    expect(server.connections()).toBe(2);
    expect(server.authorizations).toEqual(Array(5).fill('Bearer secret-token'));
    server.release();
    const bodies = await Promise.all(streams.map(text));
    expect(bodies).toEqual(Array.from({ length: 5 }, (_, i) => `line of ${i}?follow=true\nend\n`));
    // The connections are reused once their streams have ended.
    await text(await kube.stream('/follow/again').then((s) => (server.release(), s)));
    expect(server.connections()).toBe(2);
  });

  it("throws the apiserver's Status for a non-2xx answer", async () => {
    const server = await h2Server(10);
    const error = await client(server.url)
      .stream('/missing')
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(KubeApiError.is(error, 404)).toBe(true);
    expect((error as KubeApiError).reason).toBe('NotFound');
    expect((error as KubeApiError).message).toBe('pods "p" not found');
  });

  it('cuts a stream when its signal aborts, and the connection serves the next one', async () => {
    const server = await h2Server(10);
    const kube = client(server.url);
    const abort = new AbortController();
    const stream = await kube.stream('/follow/a', { signal: abort.signal });
    const chunks = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    expect(String((await chunks.next()).value)).toBe('line of a\n');
    abort.abort(new Error('attempt ended'));
    await expect(chunks.next()).rejects.toThrow();
    const next = await kube.stream('/follow/b');
    server.release();
    expect(await text(next)).toBe('line of b\nend\n');
    expect(server.connections()).toBe(1);
  });

  it('gives up on a server that accepts the connection and then says nothing', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    opened.push({ close: () => (sockets.forEach((s) => s.destroy()), silent.close()) });
    const streams = new Http2Streams({
      origin: `https://127.0.0.1:${(silent.address() as AddressInfo).port}`,
      connectTimeoutMs: 300,
    });
    opened.push(streams);
    const error = await streams.get('/follow', {}, { ca: tls.cert }).then(
      () => undefined,
      (e: unknown) => e as Error & { code?: string },
    );
    expect(error?.code).toBe('ETIMEDOUT');
    expect(streams.connections).toBe(0);
  });

  it('falls back to HTTP/1.1 when the server offers no HTTP/2', async () => {
    let requests = 0;
    const server = https.createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
      requests++;
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`over ${req.httpVersion} with ${req.headers.authorization}\n`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    opened.push({ close: () => (server.closeAllConnections(), server.close()) });
    const kube = client(`https://127.0.0.1:${(server.address() as AddressInfo).port}`);
    expect(await text(await kube.stream('/follow'))).toBe('over 1.1 with Bearer secret-token\n');
    expect(await text(await kube.stream('/follow'))).toBe('over 1.1 with Bearer secret-token\n');
    expect(requests).toBe(2);
  });
});

describeK8s('streams over HTTP/2 to the kube-apiserver', (plane) => {
  it("follows a pod's log on an HTTP/2 stream", async () => {
    const { admin, kubeconfig, node } = plane();
    const ns = await plane().createNamespace('h2-logs');
    const unscript = node.script('p', { afterMs: 400, logs: ['one', 'two'], exitCode: 0 }, { namespace: ns });
    try {
      await admin.request('POST', `/api/v1/namespaces/${ns}/pods`, {
        body: {
          metadata: { name: 'p' },
          spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'x' }] },
        },
      });
      await eventually('Running', async () => {
        const pod = await admin.request<V1Pod>('GET', `/api/v1/namespaces/${ns}/pods/p`);
        return pod.status?.phase === 'Running' ? pod : undefined;
      });
      const kube = createKubeClient(kubeconfig, { multiplexStreams: true });
      opened.push(kube);
      const stream = await kube.stream(`/api/v1/namespaces/${ns}/pods/p/log`, { query: { follow: true } });
      // An Http2Stream, not an IncomingMessage: the apiserver negotiated h2.
      expect('session' in stream).toBe(true);
      expect(await text(stream)).toBe('one\ntwo\n');
    } finally {
      unscript();
    }
  });
});
