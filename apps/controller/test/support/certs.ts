/**
 * Throwaway certificates for the admission webhook tests, made with the openssl binary (as the harness's
 * fake kubelet does): a CA, and a serving certificate it signs for 127.0.0.1 and localhost.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestCertificates {
  /** PEM of the CA: the webhook configuration's caBundle (base64 of it). */
  readonly caPem: string;
  readonly certFile: string;
  readonly keyFile: string;
}

const openssl = (args: readonly string[]): void => {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
};

/** Writes `<prefix>-ca.pem`, `<prefix>.pem` and `<prefix>-key.pem` into `dir`. */
export function makeServingCertificates(dir: string, prefix: string): TestCertificates {
  const file = (name: string) => join(dir, `${prefix}${name}`);
  openssl(
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', `/CN=${prefix}-ca`].concat([
      '-keyout',
      file('-ca-key.pem'),
      '-out',
      file('-ca.pem'),
    ]),
  );
  openssl(
    ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=kontroler-admission'].concat([
      '-keyout',
      file('-key.pem'),
      '-out',
      file('.csr'),
    ]),
  );
  const ext = file('.ext');
  writeFileSync(ext, 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl(
    ['x509', '-req', '-in', file('.csr'), '-CA', file('-ca.pem'), '-CAkey', file('-ca-key.pem')].concat([
      '-CAcreateserial',
      '-days',
      '1',
      '-extfile',
      ext,
      '-out',
      file('.pem'),
    ]),
  );
  return { caPem: readFileSync(file('-ca.pem'), 'utf8'), certFile: file('.pem'), keyFile: file('-key.pem') };
}
