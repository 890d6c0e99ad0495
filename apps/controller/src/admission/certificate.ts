/**
 * The admission webhook's certificate, read from files (a mounted Secret) and read again every
 * `reloadMs`: when the files change, the next TLS handshake gets the new certificate, with no restart. A
 * Secret volume is updated by an atomic symlink swap, so both files change together; if a read still finds a
 * key that does not match its certificate (files written one by one), the old pair is kept and the change is
 * tried again on the next tick.
 */
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import type { Logger } from '@kontroler/core';

export interface CertificatePair {
  readonly cert: Buffer;
  readonly key: Buffer;
}

/** Reads both files; throws when either is missing or they do not form a usable pair. */
export function readCertificatePair(certFile: string, keyFile: string): CertificatePair {
  const pair = { cert: readFileSync(certFile), key: readFileSync(keyFile) };
  createSecureContext(pair); // throws on a malformed PEM or a key that is not the certificate's
  return pair;
}

/** Watches the files; `apply` is called with each new valid pair. `check()` reads them at once. */
export function watchCertificate(options: {
  readonly certFile: string;
  readonly keyFile: string;
  readonly reloadMs: number;
  readonly initial: CertificatePair;
  readonly apply: (pair: CertificatePair) => void;
  readonly logger: Logger;
}): { check(): boolean; stop(): void } {
  let current = options.initial;
  let lastProblem: string | undefined;
  const check = (): boolean => {
    let next: CertificatePair;
    try {
      next = readCertificatePair(options.certFile, options.keyFile);
    } catch (error) {
      const problem = error instanceof Error ? error.message : String(error);
      // Logged once per distinct problem, not every tick.
      if (problem !== lastProblem)
        options.logger.warn({ err: error }, 'admission certificate unreadable; serving the previous one');
      lastProblem = problem;
      return false;
    }
    lastProblem = undefined;
    if (next.cert.equals(current.cert) && next.key.equals(current.key)) return false;
    current = next;
    options.apply(next);
    options.logger.info({ certFile: options.certFile }, 'admission certificate reloaded');
    return true;
  };
  const timer = setInterval(check, options.reloadMs);
  timer.unref();
  return { check, stop: () => clearInterval(timer) };
}
