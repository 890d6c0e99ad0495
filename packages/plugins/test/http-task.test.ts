import type { PluginHost, Runtime } from '@kontroler/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpTaskRuntime, httpTaskPlugin, parseRetryAfter } from '../src/http-task/runtime.js';
import { envSecretSource } from '../src/secrets/index.js';
import { attemptOf } from './helpers.js';
import { makeSelfSignedCert, reply, startHttpServer, startHttpsServer, type TestServer } from './receiver.js';

let server: TestServer;
let hits = 0;
beforeAll(async () => {
  server = await startHttpServer((request, response) => {
    hits++;
    const path = request.url;
    if (path === '/ok') reply(response, 200, { received: request.body, method: request.method });
    else if (path === '/created') reply(response, 201, 'made it');
    else if (path === '/missing') reply(response, 404, 'no such thing');
    else if (path === '/busy') reply(response, 429, 'slow down', { 'retry-after': '7' });
    else if (path === '/unavailable')
      reply(response, 503, '', { 'retry-after': new Date(Date.now() + 60_000).toUTCString() });
    else if (path === '/secret') {
      reply(
        response,
        request.headers.authorization === 'Bearer tok-123' ? 200 : 401,
        request.headers['x-team'] ?? '',
      );
    } else if (path === '/big') reply(response, 200, 'line\n'.repeat(10_000));
    else if (path === '/slow') {
      /* never answers */
    } else reply(response, 500);
  });
});
afterAll(() => server.close());

const httpTask = (w: Record<string, unknown>, extra: { timeoutSeconds?: number } = {}) =>
  attemptOf({ name: 'call', type: 'http', with: w, ...extra });

describe('http task type', () => {
  const runtime = createHttpTaskRuntime({
    secretSource: envSecretSource({ env: { API_TOKEN: 'Bearer tok-123' } }),
    maxLoggedBodyBytes: 1000,
  });

  it('registers task type "http" through the plugin host', () => {
    const registered: Array<[string, Runtime]> = [];
    const host = {
      registerTaskType: (type: string, rt: Runtime) => registered.push([type, rt]),
    } as unknown as PluginHost;
    void httpTaskPlugin().setup(host);
    expect(registered.map(([type, rt]) => [type, rt.name])).toEqual([['http', 'http']]);
  });

  it('succeeds on 2xx, sends a JSON body with POST by default and logs status and body', async () => {
    const a = httpTask({ url: `${server.url}/ok`, body: { job: 'nightly' } });
    await expect(runtime.execute(a.ctx)).resolves.toEqual({
      status: 'succeeded',
      exitCode: null,
      reason: 'Completed',
      message: 'HTTP 200',
    });
    expect(a.system()).toEqual([`POST ${server.url}/ok`, expect.stringMatching(/^HTTP 200 in \d+ ms$/)]);
    expect(JSON.parse(a.stdout().join('\n'))).toEqual({ received: '{"job":"nightly"}', method: 'POST' });
  });

  it('fails an unexpected status with reason HttpStatus and no exit code; expectedStatus decides', async () => {
    const missing = httpTask({ url: `${server.url}/missing` });
    await expect(runtime.execute(missing.ctx)).resolves.toEqual({
      status: 'failed',
      exitCode: null,
      reason: 'HttpStatus',
      message: 'HTTP 404 (expected 2xx)',
      // The server's answer to this request: the task's own failure, as a non-zero exit is.
      failureKind: 'exit',
    });
    expect(missing.stdout()).toEqual(['no such thing']);
    const strict = httpTask({ url: `${server.url}/created`, expectedStatus: [200] });
    await expect(runtime.execute(strict.ctx)).resolves.toMatchObject({
      status: 'failed',
      message: 'HTTP 201 (expected 200)',
    });
    const accepting = httpTask({ url: `${server.url}/missing`, method: 'delete', expectedStatus: [404] });
    await expect(runtime.execute(accepting.ctx)).resolves.toMatchObject({ status: 'succeeded' });
    expect(accepting.system()[0]).toBe(`DELETE ${server.url}/missing`);
  });

  it('turns 429/503 with Retry-After into a retryAfterMs outcome', async () => {
    const busy = await runtime.execute(httpTask({ url: `${server.url}/busy` }).ctx);
    expect(busy).toMatchObject({
      status: 'failed',
      reason: 'HttpStatus',
      retryAfterMs: 7000,
      failureKind: 'transient',
    });
    const unavailable = await runtime.execute(httpTask({ url: `${server.url}/unavailable` }).ctx);
    expect(unavailable.retryAfterMs).toBeGreaterThan(50_000);
    expect(unavailable.retryAfterMs).toBeLessThanOrEqual(60_000);
    expect(parseRetryAfter('soon', 0)).toBeUndefined();
    expect(parseRetryAfter(undefined, 0)).toBeUndefined();
  });

  it('resolves secret headers through the secret source and never logs them', async () => {
    const a = httpTask({
      url: `${server.url}/secret`,
      headers: { Authorization: { fromSecret: 'API_TOKEN' }, 'x-team': 'data' },
    });
    await expect(runtime.execute(a.ctx)).resolves.toMatchObject({ status: 'succeeded' });
    expect(a.stdout()).toEqual(['data']);
    expect(a.lines.some((l) => l.line.includes('tok-123'))).toBe(false);
    const missing = httpTask({
      url: `${server.url}/secret`,
      headers: { Authorization: { fromSecret: 'NOPE' } },
    });
    const before = hits;
    await expect(runtime.execute(missing.ctx)).resolves.toMatchObject({
      reason: 'SecretNotFound',
      nonRetryable: true,
      failureKind: 'start',
    });
    expect(hits).toBe(before);
    expect(missing.system()).toEqual([expect.stringMatching(/^SecretNotFound: .*NOPE/)]);
  });

  it('times out by with.timeoutMs and by the task timeoutSeconds', async () => {
    const started = Date.now();
    await expect(
      runtime.execute(httpTask({ url: `${server.url}/slow`, timeoutMs: 200 }).ctx),
    ).resolves.toMatchObject({
      reason: 'Timeout',
      message: 'no response within 200 ms',
    });
    expect(Date.now() - started).toBeLessThan(5000);
    await expect(
      runtime.execute(httpTask({ url: `${server.url}/slow`, timeoutMs: 60_000 }, { timeoutSeconds: 1 }).ctx),
    ).resolves.toMatchObject({ reason: 'Timeout', message: 'no response within 1000 ms' });
  });

  it('is canceled through ctx.signal, and one execute per attempt', async () => {
    const a = httpTask({ url: `${server.url}/slow` });
    const outcome = runtime.execute(a.ctx);
    expect(runtime.execute(a.ctx)).toBe(outcome);
    setTimeout(() => a.abort.abort('Canceled'), 50);
    await expect(outcome).resolves.toMatchObject({ status: 'failed', reason: 'Canceled' });
  });

  it('truncates large response bodies in the log', async () => {
    const a = httpTask({ url: `${server.url}/big` });
    await expect(runtime.execute(a.ctx)).resolves.toMatchObject({ status: 'succeeded' });
    expect(a.stdout()).toHaveLength(200);
    expect(a.system()).toContain('response body truncated to 1000 bytes');
  });

  it('rejects bad settings without retrying, and reports network errors', async () => {
    const ftp = httpTask({ url: 'ftp://x' });
    await expect(runtime.execute(ftp.ctx)).resolves.toMatchObject({
      reason: 'InvalidTask',
      nonRetryable: true,
      failureKind: 'start',
    });
    expect(ftp.system()).toEqual([expect.stringMatching(/^InvalidTask: /)]);
    await expect(
      runtime.execute(httpTask({ url: server.url, headers: { a: 1 } }).ctx),
    ).resolves.toMatchObject({
      reason: 'InvalidTask',
      message: expect.stringContaining('with.headers.a'),
    });
    const closed = await startHttpServer(() => {});
    await closed.close();
    const refused = httpTask({ url: closed.url });
    await expect(runtime.execute(refused.ctx)).resolves.toMatchObject({
      reason: 'NetworkError',
      message: expect.stringContaining('ECONNREFUSED'),
      failureKind: 'transient',
    });
    expect(refused.system().at(-1)).toMatch(/^NetworkError: .*ECONNREFUSED/);
  });

  it('verifies TLS unless verifySSL is false', async () => {
    const tls = await startHttpsServer(await makeSelfSignedCert(), (_req, res) => reply(res, 200, 'secure'));
    try {
      await expect(runtime.execute(httpTask({ url: tls.url }).ctx)).resolves.toMatchObject({
        reason: 'NetworkError',
        // A certificate that does not verify will not verify on the next attempt either.
        failureKind: 'infra',
      });
      await expect(runtime.execute(httpTask({ url: tls.url, verifySSL: false }).ctx)).resolves.toMatchObject({
        status: 'succeeded',
      });
    } finally {
      await tls.close();
    }
  });

  it('reports a reclaimed attempt it is not running as Lost', async () => {
    const a = attemptOf(
      { name: 'call', type: 'http', with: { url: `${server.url}/ok` } },
      { reclaimed: true },
    );
    const before = hits;
    await expect(runtime.execute(a.ctx)).resolves.toMatchObject({ reason: 'Lost' });
    expect(hits).toBe(before);
  });
});
