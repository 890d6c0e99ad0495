/**
 * The validating admission webhook's HTTPS server: `POST /validate` takes an AdmissionReview for a DAG,
 * DagTask or DagRun and answers with `reviewAdmission`'s verdict. Any other path is 404, any other method
 * 405, a body that is not an AdmissionReview 400. The certificate is reloaded from its files (see
 * `certificate.ts`).
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@kontroler/core';
import { AdmissionReviewError, reviewAdmission, type AdmissionLookups } from '@kontroler/k8s-runtime';
import { readCertificatePair, watchCertificate } from './certificate.js';

/** The apiserver sends the object and, on update, the old one: each up to etcd's 1.5 MiB, plus slack. */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

export interface AdmissionServerOptions {
  /** 0 = any free port. */
  readonly port: number;
  /** @default all interfaces */
  readonly host?: string;
  readonly certFile: string;
  readonly keyFile: string;
  /** How often the certificate files are read again. @default 10000 */
  readonly reloadMs?: number;
  readonly lookups: AdmissionLookups;
  readonly logger: Logger;
  /** Called after each review with the time from the request's arrival to the answer (metrics, benchmarks). */
  readonly onReviewed?: (review: { readonly allowed: boolean; readonly ms: number }) => void;
}

export interface AdmissionServer {
  readonly port: number;
  /** Reads the certificate files now; true when a new certificate is served from the next handshake. */
  reloadCertificate(): boolean;
  close(): Promise<void>;
}

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BodyTooLarge());
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = typeof body === 'string' ? `${body}\n` : JSON.stringify(body);
  res
    .writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json' })
    .end(text);
}

/** Starts the webhook server; rejects when the certificate files cannot be read or the port is taken. */
export async function startAdmissionServer(options: AdmissionServerOptions): Promise<AdmissionServer> {
  const { logger } = options;
  const initial = readCertificatePair(options.certFile, options.keyFile);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const arrived = performance.now();
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/validate') return send(res, 404, 'not found');
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      return send(res, 405, 'method not allowed');
    }
    let body: unknown;
    try {
      body = JSON.parse(await readBody(req));
    } catch (error) {
      if (error instanceof BodyTooLarge) return send(res, 413, 'request body too large');
      return send(res, 400, 'the body is not JSON');
    }
    try {
      const started = performance.now();
      const answer = await reviewAdmission(body, options.lookups);
      const request = (body as { request: { kind: { kind: string }; name?: string; namespace?: string } })
        .request;
      if (answer.response?.allowed === false) {
        logger.info(
          {
            kind: request.kind.kind,
            name: request.name,
            namespace: request.namespace,
            ms: Math.round(performance.now() - started),
            message: answer.response.status?.message,
          },
          'admission refused',
        );
      }
      send(res, 200, answer);
      options.onReviewed?.({
        allowed: answer.response?.allowed === true,
        ms: performance.now() - arrived,
      });
    } catch (error) {
      if (error instanceof AdmissionReviewError) return send(res, 400, error.message);
      // A lookup that failed (apiserver or store unreachable): the apiserver applies the failurePolicy.
      logger.error({ err: error }, 'admission review failed');
      send(res, 500, 'admission review failed');
    }
  }

  const server: Server = createServer({ cert: initial.cert, key: initial.key }, (req, res) => {
    void handle(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, resolve);
  });
  const watcher = watchCertificate({
    certFile: options.certFile,
    keyFile: options.keyFile,
    reloadMs: options.reloadMs ?? 10_000,
    initial,
    apply: (pair) => server.setSecureContext({ cert: pair.cert, key: pair.key }),
    logger,
  });
  return {
    port: (server.address() as AddressInfo).port,
    reloadCertificate: () => watcher.check(),
    close: () =>
      new Promise<void>((resolve) => {
        watcher.stop();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
