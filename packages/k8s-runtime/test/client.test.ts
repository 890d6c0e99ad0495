// No control plane: a local HTTP server plays the apiserver to force 429/503 answers and a 410 Gone watch.
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { createInformer, createKubeClient, KubeApiError, type KubeClient } from '@kontroler/k8s-runtime';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

async function fakeApiserver(
  handler: Handler,
): Promise<{ kubeConfig: KubeConfig; close: () => Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'c', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return {
    kubeConfig,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const json = (
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) => {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

describe('REST client', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  it('retries 429 (honouring Retry-After) and 503, then returns the answer', async () => {
    const answers = [429, 503, 200];
    const seen: Array<string | undefined> = [];
    const api = await fakeApiserver((req, res) => {
      seen.push(req.headers.authorization);
      const status = answers.shift() ?? 200;
      if (status === 200) json(res, 200, { kind: 'Pod', metadata: { name: 'p' } });
      else
        json(
          res,
          status,
          { kind: 'Status', reason: 'TooManyRequests', message: 'slow down' },
          { 'Retry-After': '0' },
        );
    });
    const client: KubeClient = createKubeClient(api.kubeConfig, { retryBaseMs: 5 });
    cleanups.push(() => client.close(), api.close);
    const pod = await client.request<V1Pod>('GET', '/api/v1/namespaces/n/pods/p');
    expect(pod.metadata?.name).toBe('p');
    expect(seen).toEqual(['Bearer t', 'Bearer t', 'Bearer t']);
  });

  it('gives up after maxAttempts and does not retry 4xx', async () => {
    let calls = 0;
    const api = await fakeApiserver((req, res) => {
      calls++;
      if (req.url?.includes('missing'))
        json(res, 404, { kind: 'Status', reason: 'NotFound', message: 'nope' });
      else json(res, 500, { kind: 'Status', reason: 'InternalError', message: 'boom' });
    });
    const client = createKubeClient(api.kubeConfig, { retryBaseMs: 1, maxAttempts: 3 });
    cleanups.push(() => client.close(), api.close);
    await expect(client.request('GET', '/x')).rejects.toMatchObject({ status: 500, reason: 'InternalError' });
    expect(calls).toBe(3);
    const error = await client.request('GET', '/missing').catch((e: unknown) => e);
    expect(KubeApiError.is(error, 404)).toBe(true);
    expect(calls).toBe(4);
  });

  it('builds a makeBody body only when the rate limit lets the request go, once across retries', async () => {
    const bodies: string[] = [];
    const answers = [503, 201, 201];
    const api = await fakeApiserver((req, res) => {
      let text = '';
      req.setEncoding('utf8').on('data', (d: string) => (text += d));
      req.on('end', () => {
        bodies.push(text);
        json(res, answers.shift() ?? 201, { kind: 'Pod', metadata: { name: 'created' } });
      });
    });
    // One request per second after a burst of one: the second request waits for its token.
    const client = createKubeClient(api.kubeConfig, { retryBaseMs: 1, qps: 1, burst: 1 });
    cleanups.push(() => client.close(), api.close);
    let built = 0;
    const makeBody = (name: string) => () => {
      built++;
      return { kind: 'Pod', metadata: { name } };
    };
    const first = await client.request('POST', '/api/v1/namespaces/n/pods', {
      makeBody: makeBody('a'),
      discardBody: true,
    });
    expect(first).toBeUndefined();
    expect(built).toBe(1);
    expect(bodies).toEqual([
      '{"kind":"Pod","metadata":{"name":"a"}}',
      '{"kind":"Pod","metadata":{"name":"a"}}',
    ]);
    const second = client.request<V1Pod>('POST', '/api/v1/namespaces/n/pods', { makeBody: makeBody('b') });
    // Queued behind the limit: not built yet.
    expect(built).toBe(1);
    expect((await second).metadata?.name).toBe('created');
    expect(built).toBe(2);
  });
});

describe('informer', () => {
  it('lists in pages of listPageSize, following continue tokens, and watches from the first page', async () => {
    const pods = ['a', 'b', 'c', 'd', 'e'].map((name) => ({ metadata: { name, resourceVersion: '7' } }));
    const lists: string[] = [];
    let watchedFrom: string | null = null;
    const api = await fakeApiserver((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.searchParams.get('watch')) {
        watchedFrom = url.searchParams.get('resourceVersion');
        res.writeHead(200, { 'Content-Type': 'application/json' });
        return; // stays open until the informer stops
      }
      const limit = Number(url.searchParams.get('limit'));
      const from = Number(url.searchParams.get('continue') ?? 0);
      lists.push(`limit=${limit} from=${from}`);
      const end = from + limit;
      json(res, 200, {
        kind: 'PodList',
        // A later page's own version is not the list's snapshot: the informer keeps the first page's.
        metadata: {
          resourceVersion: from === 0 ? '10' : '11',
          ...(end < pods.length ? { continue: String(end) } : {}),
        },
        items: pods.slice(from, end),
      });
    });
    const client = createKubeClient(api.kubeConfig, { retryBaseMs: 1 });
    const informer = createInformer<V1Pod>({
      client,
      path: '/api/v1/namespaces/n/pods',
      resyncMs: 0,
      listPageSize: 2,
    });
    await informer.start();
    await expect.poll(() => watchedFrom).toBe('10');
    informer.stop();
    client.close();
    await api.close();
    expect(lists).toEqual(['limit=2 from=0', 'limit=2 from=2', 'limit=2 from=4']);
    expect(informer.list().map((p) => p.metadata?.name)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(informer.resourceVersion).toBe('10');
  });

  it('relists on 410 Gone and reports what changed meanwhile', async () => {
    const pod = (name: string, rv: string) => ({ metadata: { name, resourceVersion: rv } });
    let lists = 0;
    const api = await fakeApiserver((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.searchParams.get('watch')) {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        if (lists === 1) {
          // The first watch: one event, a bookmark, then "too old".
          res.write(`${JSON.stringify({ type: 'MODIFIED', object: pod('a', '11') })}\n`);
          res.write(
            `${JSON.stringify({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '12' } } })}\n`,
          );
          res.end(
            `${JSON.stringify({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired', message: 'too old' } })}\n`,
          );
        }
        // Later watches stay open until the informer stops.
        return;
      }
      lists++;
      const items = lists === 1 ? [pod('a', '10'), pod('b', '10')] : [pod('a', '20'), pod('c', '20')];
      json(res, 200, { kind: 'PodList', metadata: { resourceVersion: lists === 1 ? '10' : '20' }, items });
    });
    const client = createKubeClient(api.kubeConfig, { retryBaseMs: 1 });
    const informer = createInformer<V1Pod>({ client, path: '/api/v1/namespaces/n/pods', resyncMs: 0 });
    const events: string[] = [];
    informer.on((event, object) =>
      events.push(`${event} ${object.metadata?.name ?? ''}@${object.metadata?.resourceVersion ?? ''}`),
    );
    const relisted = new Promise<void>((resolve) => {
      informer.on((event, object) => {
        if (event === 'add' && object.metadata?.name === 'c') resolve();
      });
    });
    await informer.start();
    await relisted;
    informer.stop();
    client.close();
    await api.close();
    expect(events).toEqual(['add a@10', 'add b@10', 'update a@11', 'update a@20', 'add c@20', 'delete b@10']);
    expect(informer.lists).toBe(2);
    expect(
      informer
        .list()
        .map((p) => p.metadata?.name)
        .sort(),
    ).toEqual(['a', 'c']);
  });
});
