/**
 * The controller's small HTTP server: `/healthz` (the process answers), `/readyz` (every readiness check
 * passes: store reachable, informers synced) and `/metrics` (Prometheus text).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export type ReadinessCheck = () => Promise<void>;

export interface HealthServer {
  readonly port: number;
  close(): Promise<void>;
}

export async function startHealthServer(options: {
  port: number;
  registry: Registry;
  checks: Record<string, ReadinessCheck>;
}): Promise<HealthServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    } else if (path === '/readyz') {
      void Promise.all(
        Object.entries(options.checks).map(async ([name, check]) => {
          try {
            await check();
            return `[+] ${name}`;
          } catch (error) {
            return `[-] ${name}: ${(error as Error).message}`;
          }
        }),
      ).then((lines) => {
        const ok = lines.every((l) => l.startsWith('[+]'));
        res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(`${lines.join('\n')}\n`);
      });
    } else if (path === '/metrics') {
      void options.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': options.registry.contentType }).end(text),
        (error: unknown) => res.writeHead(500).end(String(error)),
      );
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
