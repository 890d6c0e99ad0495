/**
 * A plain-HTTP proxy in front of the test apiserver that answers chosen requests itself with a Kubernetes
 * `Status` (a refusal) or with silence, and forwards the rest over TLS, streams included. A kubeconfig for
 * its URL with the control plane's tokens works as one for the apiserver.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

export interface ApiFilter {
  /** `http://127.0.0.1:<port>` of the proxy. */
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * `refuse` returns the status to answer a request with, `'silence'` to answer 200 and then say nothing
 * (a watch that stalls), or undefined to forward it.
 */
export async function startApiFilter(
  apiserverUrl: string,
  caData: string,
  refuse: (method: string, path: string) => number | 'silence' | undefined,
): Promise<ApiFilter> {
  const target = new URL(apiserverUrl);
  const ca = Buffer.from(caData, 'base64');
  const server = http.createServer((req, res) => {
    const status = refuse(req.method ?? 'GET', req.url ?? '/');
    if (status === 'silence') {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.flushHeaders();
      return;
    }
    if (status !== undefined) {
      req.resume();
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          kind: 'Status',
          apiVersion: 'v1',
          status: 'Failure',
          code: status,
          message: 'refused by the test',
        }),
      );
      return;
    }
    const upstream = https.request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
        ca,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
