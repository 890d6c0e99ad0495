/**
 * The kubeconfig loader, against a local HTTPS server that requires a client certificate (openssl makes
 * the certificates), real files, a real exec credential plugin (a shell script) and, at the end, the real
 * kube-apiserver with a kubeconfig file the harness exports.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  createKubeClient,
  KubeApiError,
  KubeConfigError,
  loadKubeConnection,
  type KubeConnection,
} from '@kontroler/k8s-runtime';
import { selfSignedCertificate } from '@kontroler/k8s-runtime/testing';
import { describeK8s } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'kontroler-kubeconfig-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const selfSigned = (name: string) => selfSignedCertificate(dir, name, name);

const b64 = (text: string) => Buffer.from(text).toString('base64');

function kubeconfig(cluster: object, user: object, extra: object = {}): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': 'ctx',
    clusters: [{ name: 'c', cluster }],
    users: [{ name: 'u', user }],
    contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
    ...extra,
  });
}

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** What a request looked like to the server: its Authorization header and the client certificate's CN. */
interface Seen {
  auth: string | null;
  clientCn: string | null;
}

async function headers(conn: KubeConnection): Promise<Record<string, string>> {
  const options: https.RequestOptions = {};
  await conn.applyToHTTPSOptions(options);
  return options.headers as Record<string, string>;
}

let server: https.Server;
let serverUrl = '';
let serverTls: ReturnType<typeof selfSigned>;
let clientTls: ReturnType<typeof selfSigned>;

beforeAll(async () => {
  serverTls = selfSigned('server');
  clientTls = selfSigned('client');
  server = https.createServer(
    // The client certificate is optional here so that token-only configurations reach the handler too.
    {
      cert: serverTls.cert,
      key: serverTls.key,
      ca: clientTls.cert,
      requestCert: true,
      rejectUnauthorized: false,
    },
    (req, res) => {
      const socket = req.socket as TLSSocket;
      const peer = socket.authorized ? socket.getPeerCertificate() : null;
      const seen: Seen = {
        auth: req.headers.authorization ?? null,
        clientCn: peer?.subject?.CN === undefined ? null : String(peer.subject.CN),
      };
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(seen));
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  serverUrl = `https://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
afterAll(
  () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
);

async function ask(conn: KubeConnection): Promise<Seen> {
  const client = createKubeClient(conn, { maxAttempts: 1 });
  try {
    return await client.request<Seen>('GET', '/version');
  } finally {
    client.close();
  }
}

describe('kubeconfig loader', () => {
  it('uses inline CA, client certificate and key, and a bearer token over real TLS', async () => {
    const path = write(
      'inline.yaml',
      kubeconfig(
        { server: `${serverUrl}/`, 'certificate-authority-data': b64(serverTls.cert) },
        {
          'client-certificate-data': b64(clientTls.cert),
          'client-key-data': b64(clientTls.key),
          token: 'inline-token',
        },
      ),
    );
    const conn = loadKubeConnection({ path });
    expect(conn.getCurrentCluster()?.server).toBe(serverUrl);
    expect(await ask(conn)).toEqual({ auth: 'Bearer inline-token', clientCn: 'client' });
  });

  it('refuses a server whose certificate the CA does not vouch for, unless insecure-skip-tls-verify', async () => {
    const untrusted = write(
      'untrusted.yaml',
      kubeconfig({ server: serverUrl, 'certificate-authority-data': b64(clientTls.cert) }, { token: 't' }),
    );
    await expect(ask(loadKubeConnection({ path: untrusted }))).rejects.toThrow(/self.signed|certificate/i);
    const insecure = write(
      'insecure.yaml',
      kubeconfig(
        { server: serverUrl, 'insecure-skip-tls-verify': true },
        { username: 'ann', password: 'pw' },
      ),
    );
    expect(await ask(loadKubeConnection({ path: insecure }))).toEqual({
      auth: `Basic ${b64('ann:pw')}`,
      clientCn: null,
    });
  });

  it('resolves files relative to the kubeconfig and merges KUBECONFIG files the kubectl way', async () => {
    const sub = mkdtempSync(join(dir, 'merged-'));
    writeFileSync(join(sub, 'ca.crt'), serverTls.cert);
    writeFileSync(join(sub, 'client.crt'), clientTls.cert);
    writeFileSync(join(sub, 'client.key'), clientTls.key);
    writeFileSync(join(sub, 'token'), 'first-token\n');
    // The first file names the context; the second defines it (and a cluster of the same name, ignored).
    const first = join(sub, 'first.yaml');
    writeFileSync(
      first,
      stringify({
        'current-context': 'ctx',
        clusters: [{ name: 'c', cluster: { server: serverUrl, 'certificate-authority': 'ca.crt' } }],
        users: [
          {
            name: 'u',
            user: { 'client-certificate': 'client.crt', 'client-key': 'client.key', tokenFile: 'token' },
          },
        ],
      }),
    );
    const second = join(sub, 'second.yaml');
    writeFileSync(
      second,
      stringify({
        'current-context': 'elsewhere',
        clusters: [{ name: 'c', cluster: { server: 'https://192.0.2.1' } }],
        contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
      }),
    );
    const conn = loadKubeConnection({
      env: { KUBECONFIG: [join(sub, 'missing.yaml'), first, second].join(delimiter) },
    });
    expect(await ask(conn)).toEqual({ auth: 'Bearer first-token', clientCn: 'client' });
    // Token files rotate: the next refresh reads the new one.
    writeFileSync(join(sub, 'token'), 'rotated-token\n');
    expect((await headers(conn)).Authorization).toBe('Bearer rotated-token');
  });

  it('uses the in-cluster service account when there is no KUBECONFIG, reading the token again as it rotates', async () => {
    const sa = mkdtempSync(join(dir, 'sa-'));
    writeFileSync(join(sa, 'ca.crt'), serverTls.cert);
    writeFileSync(join(sa, 'token'), 'sa-token-1');
    const port = new URL(serverUrl).port;
    const conn = loadKubeConnection({
      env: { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: port },
      serviceAccountDir: sa,
      home: dir,
    });
    expect(conn.getCurrentCluster()?.server).toBe(`https://127.0.0.1:${port}`);
    expect(await ask(conn)).toEqual({ auth: 'Bearer sa-token-1', clientCn: null });
    writeFileSync(join(sa, 'token'), 'sa-token-2');
    expect((await headers(conn)).Authorization).toBe('Bearer sa-token-2');
  });

  it('runs an exec credential plugin once until its credential expires, and again after a 401', async () => {
    const counter = join(dir, 'exec-count');
    writeFileSync(counter, '');
    const plugin = write(
      'plugin.sh',
      [
        '#!/bin/sh',
        `echo run >> "${counter}"`,
        'n=$(wc -l < "' + counter + '" | tr -d " ")',
        // KUBERNETES_EXEC_INFO is set, as kubectl sets it; the env entries of the kubeconfig reach the plugin.
        'test -n "$KUBERNETES_EXEC_INFO" || exit 3',
        `printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s-%s","expirationTimestamp":"2999-01-01T00:00:00Z"}}' "$PREFIX" "$n"`,
      ].join('\n'),
    );
    chmodSync(plugin, 0o755);
    const path = write(
      'exec.yaml',
      kubeconfig(
        { server: serverUrl, 'certificate-authority-data': b64(serverTls.cert) },
        {
          exec: {
            apiVersion: 'client.authentication.k8s.io/v1',
            command: './plugin.sh',
            env: [{ name: 'PREFIX', value: 'exec' }],
          },
        },
      ),
    );
    const conn = loadKubeConnection({ path });
    expect(await ask(conn)).toEqual({ auth: 'Bearer exec-1', clientCn: null });
    expect((await headers(conn)).Authorization).toBe('Bearer exec-1');
    expect(readFileSync(counter, 'utf8').trim().split('\n')).toHaveLength(1);
    conn.invalidate?.();
    expect((await headers(conn)).Authorization).toBe('Bearer exec-2');

    const failing = write('failing.sh', '#!/bin/sh\necho "no credentials for you" >&2\nexit 1\n');
    chmodSync(failing, 0o755);
    const broken = write(
      'exec-broken.yaml',
      kubeconfig({ server: serverUrl }, { exec: { command: failing } }),
    );
    await expect(headers(loadKubeConnection({ path: broken }))).rejects.toThrow(
      /exec credential plugin .*failing\.sh failed: no credentials for you/,
    );
  });

  it('names the file and entry at fault', () => {
    const error = (text: string | null, options: Parameters<typeof loadKubeConnection>[0] = {}) => {
      try {
        loadKubeConnection(text === null ? options : { path: write('bad.yaml', text), ...options });
      } catch (e) {
        expect(e).toBeInstanceOf(KubeConfigError);
        return (e as Error).message;
      }
      throw new Error('expected a KubeConfigError');
    };
    expect(error('clusters: [')).toMatch(/bad\.yaml: not valid YAML/);
    expect(error(kubeconfig({ server: serverUrl }, {}, { 'current-context': 'nope' }))).toMatch(
      /current-context nope is not defined/,
    );
    expect(
      error(
        stringify({
          'current-context': 'x',
          contexts: [{ name: 'x', context: { cluster: 'ghost', user: 'u' } }],
        }),
      ),
    ).toMatch(/context x names cluster ghost, which is not defined/);
    expect(error(kubeconfig({ server: serverUrl }, { 'auth-provider': { name: 'gcp' } }))).toMatch(
      /auth-provider plugin gcp.*use an exec credential plugin/,
    );
    expect(error(kubeconfig({ server: 'not a url' }, {}))).toMatch(/server not a url is not a URL/);
    expect(error(null, { env: { KUBECONFIG: join(dir, 'nowhere.yaml') } })).toMatch(
      /KUBECONFIG names no file/,
    );
    expect(
      error(null, { env: {}, home: join(dir, 'no-home'), serviceAccountDir: join(dir, 'no-sa') }),
    ).toMatch(/no cluster credentials: set KUBECONFIG/);
  });
});

describeK8s('kubeconfig loader on the real apiserver', (plane) => {
  it('talks to the apiserver with an exported kubeconfig file and with an exec plugin, as the restricted user', async () => {
    const ns = await plane().createNamespace('kubeconfig');
    const path = write('restricted.yaml', plane().restrictedKubeConfig.exportConfig());
    const client = createKubeClient(loadKubeConnection({ path }), { maxAttempts: 1 });
    try {
      const pods = await client.request<{ items: unknown[] }>('GET', `/api/v1/namespaces/${ns}/pods`);
      expect(pods.items).toEqual([]);
      // The restricted user may not read secrets: proves the request ran as that user, not as an admin.
      await expect(client.request('GET', `/api/v1/namespaces/${ns}/secrets`)).rejects.toSatisfy((e) =>
        KubeApiError.is(e, 403),
      );
    } finally {
      client.close();
    }

    // The same user through an exec plugin that prints its token.
    const exported = plane().restrictedKubeConfig;
    const token = exported.getCurrentUser()?.token ?? '';
    const plugin = write(
      'token-plugin.sh',
      `#!/bin/sh\nprintf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"${token}"}}'\n`,
    );
    chmodSync(plugin, 0o755);
    const viaExec = write(
      'restricted-exec.yaml',
      kubeconfig(
        {
          server: exported.getCurrentCluster()?.server ?? '',
          'certificate-authority-data': exported.getCurrentCluster()?.caData ?? '',
        },
        { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: plugin } },
      ),
    );
    const execClient = createKubeClient(loadKubeConnection({ path: viaExec }), { maxAttempts: 1 });
    try {
      const pods = await execClient.request<{ items: unknown[] }>('GET', `/api/v1/namespaces/${ns}/pods`);
      expect(pods.items).toEqual([]);
    } finally {
      execClient.close();
    }
  });
});
