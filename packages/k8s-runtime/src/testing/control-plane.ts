/**
 * A real etcd + kube-apiserver for tests and benchmarks, started on free loopback ports, with the CRDs
 * from `deploy/crds` installed (and waited on until Established and served in discovery), the controller's
 * ClusterRole from `deploy/rbac`, an admin client and a restricted client bound to exactly that role in each
 * namespace made by `createNamespace()`, and a simulated node (`FakeKubelet`).
 *
 * Binaries: `KONTROLER_K8S_BIN`, else `<repo>/.k8s-build/1.37.2/bin` (built by scripts/build-control-plane.sh).
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
  closeSync,
} from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { createKubeClient, KubeApiError, type KubeClient } from '../client.js';
import { findRepoRoot } from '../repo-root.js';
import { CONTROLLER_ROLE, CRD_GROUP, CRD_VERSION, controllerRules } from '../rbac.js';
import { startFakeKubelet, type FakeKubelet } from './fake-kubelet.js';

export const K8S_VERSION = '1.37.2';
const CONTROLLER_USER = 'kontroler-controller';
const HARNESS_CLIENT = { qps: 0, maxAttempts: 12, retryBaseMs: 100 } as const;

export interface ControlPlaneOptions {
  /** Folder with `etcd` and `kube-apiserver`. @default env KONTROLER_K8S_BIN, else <repo>/.k8s-build/1.37.2/bin */
  readonly binDir?: string;
  /** Name of the simulated node. @default 'fake-0' */
  readonly nodeName?: string;
  /** Serve a loopback endpoint that lets other processes restart the apiserver (see `connectControlPlane`). */
  readonly controlEndpoint?: boolean;
  /** @default 60000 */
  readonly startTimeoutMs?: number;
}

/** What another process needs to use a running control plane (JSON-serializable). */
export interface ControlPlaneConnection {
  readonly url: string;
  readonly caData: string;
  readonly adminToken: string;
  readonly controllerToken: string;
  /** `http://127.0.0.1:<port>/<secret>` when started with `controlEndpoint`. */
  readonly controlUrl?: string;
}

export interface ControlPlaneTimings {
  readonly etcdMs: number;
  readonly apiserverMs: number;
  readonly crdsMs: number;
  readonly totalMs: number;
}

export interface ControlPlane {
  /** Admin (system:masters). */
  readonly kubeconfig: KubeConfig;
  /** The controller's user: only the rules of deploy/rbac, bound in namespaces from `createNamespace`. */
  readonly restrictedKubeConfig: KubeConfig;
  readonly url: string;
  readonly connection: ControlPlaneConnection;
  /** An admin client on our own REST client. */
  readonly admin: KubeClient;
  readonly node: FakeKubelet;
  readonly timings?: ControlPlaneTimings;
  /** A fresh namespace, bound to the controller's role and managed by this handle's fake kubelet. */
  createNamespace(prefix?: string): Promise<string>;
  /** Stops the apiserver and starts it again on the same port and etcd (data kept). */
  restartApiserver(): Promise<void>;
  stop(): Promise<void>;
}

export class ControlPlaneUnavailableError extends Error {
  override readonly name = 'ControlPlaneUnavailableError';
}

/** Where the binaries are, or why they are not there. */
export function locateBinaries(binDir?: string): { dir: string; missing: string[] } {
  let dir = binDir ?? process.env.KONTROLER_K8S_BIN;
  if (!dir) {
    let root: string;
    try {
      root = findRepoRoot();
    } catch {
      root = process.cwd();
    }
    dir = join(root, '.k8s-build', K8S_VERSION, 'bin');
  }
  const missing = ['etcd', 'kube-apiserver'].filter((b) => !existsSync(join(dir, b)));
  return { dir, missing };
}

/** A kubeconfig for one user (bearer token) of the cluster at `url`, trusting `caData`. */
export function makeKubeConfig(url: string, caData: string, user: string, token: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    // client-node takes a plain `http://` server (a test proxy in front of the apiserver) only with
    // skipTLSVerify set; there is no TLS to verify there.
    clusters: [{ name: 'test', server: url, caData, skipTLSVerify: url.startsWith('http:') }],
    users: [{ name: user, token }],
    contexts: [{ name: user, cluster: 'test', user }],
    currentContext: user,
  });
  return kc;
}

async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns true or the deadline passes. */
async function until(
  what: string,
  timeoutMs: number,
  check: () => Promise<boolean>,
  alive?: () => string | null,
) {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    const dead = alive?.();
    if (dead) throw new ControlPlaneUnavailableError(`${what}: ${dead}`);
    try {
      if (await check()) return;
    } catch (error) {
      lastError = error; // not yet
    }
    if (Date.now() > deadline) {
      const why = lastError === undefined ? '' : ` (last error: ${String(lastError)})`;
      throw new ControlPlaneUnavailableError(`timed out waiting for ${what}${why}`);
    }
    await sleep(50);
  }
}

function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Every child we spawn is killed when this process exits, even on a crash. */
const children = new Set<ChildProcess>();
let exitHookInstalled = false;
function track(child: ChildProcess): void {
  children.add(child);
  child.once('exit', () => children.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of children) c.kill('SIGKILL');
    });
  }
}

async function stopChild(
  child: ChildProcess | undefined,
  timeoutMs = 5000,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}

/**
 * A self-signed certificate for 127.0.0.1 and localhost, made by openssl in `dir` (as `<name>.crt` and
 * `<name>.key`): the apiserver's serving certificate, and any TLS peer a test needs.
 */
export function selfSignedCertificate(
  dir: string,
  name = 'tls',
  commonName = '127.0.0.1',
): { key: string; cert: string; keyFile: string; certFile: string } {
  const keyFile = join(dir, `${name}.key`);
  const certFile = join(dir, `${name}.crt`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      `/CN=${commonName}`,
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { stdio: 'ignore' },
  );
  return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8'), keyFile, certFile };
}

/** The CRD documents from deploy/crds (falling back to the generated ones outside the repository). */
async function crdDocuments(): Promise<object[]> {
  try {
    const dir = join(findRepoRoot(), 'deploy', 'crds');
    const docs = readdirSync(dir)
      .filter((f) => f.endsWith('.yaml'))
      .sort()
      .flatMap((f) => parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => d.toJS() as object));
    if (docs.length > 0) return docs;
  } catch {
    // not in the repository
  }
  // Loaded lazily: it needs @kontroler/core, which vitest's globalSetup cannot resolve from source.
  const { buildCrds } = await import('../crd/definitions.js');
  return buildCrds();
}

function controllerClusterRole(): object {
  try {
    const file = join(findRepoRoot(), 'deploy', 'rbac', 'clusterrole.yaml');
    return parseAllDocuments(readFileSync(file, 'utf8'))[0]!.toJS() as object;
  } catch {
    return {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: CONTROLLER_ROLE },
      rules: controllerRules,
    };
  }
}

async function installCrds(admin: KubeClient, timeoutMs: number): Promise<void> {
  const docs = (await crdDocuments()) as Array<{
    metadata: { name: string };
    spec: { names: { plural: string } };
  }>;
  const base = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
  await Promise.all(
    docs.map(async (doc) => {
      try {
        await admin.request('POST', base, { body: doc });
      } catch (error) {
        if (!KubeApiError.is(error, 409)) throw error;
      }
    }),
  );
  await until('CRDs Established', timeoutMs, async () => {
    for (const doc of docs) {
      const crd = await admin.request<{ status?: { conditions?: Array<{ type: string; status: string }> } }>(
        'GET',
        `${base}/${doc.metadata.name}`,
      );
      const ok = (type: string) =>
        crd.status?.conditions?.some((c) => c.type === type && c.status === 'True');
      if (!ok('Established') || !ok('NamesAccepted')) return false;
    }
    return true;
  });
  await until('CRDs in discovery', timeoutMs, async () => {
    const list = await admin.request<{ resources: Array<{ name: string }> }>(
      'GET',
      `/apis/${CRD_GROUP}/${CRD_VERSION}`,
    );
    return docs.every((d) => list.resources.some((r) => r.name === d.spec.names.plural));
  });
}

function handle(
  connection: ControlPlaneConnection,
  node: FakeKubelet,
  admin: KubeClient,
  restrictedAdmin: KubeClient,
  extra: { restart: () => Promise<void>; stop: () => Promise<void>; timings?: ControlPlaneTimings },
): ControlPlane {
  const kubeconfig = makeKubeConfig(connection.url, connection.caData, 'admin', connection.adminToken);
  const restrictedKubeConfig = makeKubeConfig(
    connection.url,
    connection.caData,
    CONTROLLER_USER,
    connection.controllerToken,
  );
  let counter = 0;
  return {
    kubeconfig,
    restrictedKubeConfig,
    url: connection.url,
    connection,
    admin,
    node,
    ...(extra.timings ? { timings: extra.timings } : {}),
    async createNamespace(prefix = 'test') {
      const name = `${prefix}-${process.pid}-${++counter}-${randomBytes(3).toString('hex')}`.slice(0, 63);
      await admin.request('POST', '/api/v1/namespaces', {
        body: {
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: { name, labels: { 'kontroler.test/node': node.nodeName } },
        },
      });
      await admin.request('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${name}/rolebindings`, {
        body: {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'RoleBinding',
          metadata: { name: CONTROLLER_ROLE },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: CONTROLLER_ROLE },
          subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: CONTROLLER_USER }],
        },
      });
      node.manage(name);
      // The RBAC authorizer learns bindings through its own watch: wait until the binding is in force.
      await until('the controller RoleBinding', 10_000, async () => {
        await restrictedAdmin.request('GET', `/api/v1/namespaces/${name}/pods`, { query: { limit: 1 } });
        return true;
      });
      return name;
    },
    restartApiserver: extra.restart,
    stop: extra.stop,
  };
}

/** Starts etcd, kube-apiserver, the CRDs, the RBAC role and a fake kubelet. Stop it with `stop()`. */
export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const t0 = Date.now();
  const timeoutMs = options.startTimeoutMs ?? 60_000;
  const { dir: bin, missing } = locateBinaries(options.binDir);
  if (missing.length > 0) {
    throw new ControlPlaneUnavailableError(
      `missing ${missing.join(', ')} in ${bin}: run scripts/build-control-plane.sh or set KONTROLER_K8S_BIN`,
    );
  }
  const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  const work = mkdtempSync(join(base, 'kontroler-k8s-'));
  const [etcdPort, peerPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  const adminToken = randomBytes(16).toString('hex');
  const controllerToken = randomBytes(16).toString('hex');
  writeFileSync(
    join(work, 'tokens.csv'),
    `${adminToken},admin,admin-uid,system:masters\n${controllerToken},${CONTROLLER_USER},ctrl-uid,\n`,
  );
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  writeFileSync(join(work, 'sa.pub'), publicKey);
  writeFileSync(join(work, 'sa.key'), privateKey);
  const tls = selfSignedCertificate(work);
  const url = `https://127.0.0.1:${apiPort}`;
  const caData = Buffer.from(tls.cert).toString('base64');

  let etcd: ChildProcess | undefined;
  let apiserver: ChildProcess | undefined;
  let controlServer: http.Server | undefined;
  let node: FakeKubelet | undefined;
  let admin: KubeClient | undefined;
  let restricted: KubeClient | undefined;
  let stopping = false;

  const spawnLogged = (name: string, args: string[]): ChildProcess => {
    const fd = openSync(join(work, `${name}.log`), 'a');
    const child = spawn(join(bin, name), args, { stdio: ['ignore', fd, fd] });
    closeSync(fd);
    track(child);
    return child;
  };
  const deadMessage = (child: ChildProcess | undefined, name: string) => () =>
    child && (child.exitCode !== null || child.signalCode !== null)
      ? `${name} exited (${child.exitCode ?? child.signalCode}):\n${tail(join(work, `${name}.log`))}`
      : null;

  const startApiserver = async (): Promise<void> => {
    apiserver = spawnLogged('kube-apiserver', [
      `--etcd-servers=http://127.0.0.1:${etcdPort}`,
      '--etcd-prefix=/kontroler-test',
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${apiPort}`,
      `--cert-dir=${work}`,
      `--tls-cert-file=${join(work, 'tls.crt')}`,
      `--tls-private-key-file=${join(work, 'tls.key')}`,
      `--token-auth-file=${join(work, 'tokens.csv')}`,
      '--authorization-mode=RBAC',
      `--service-account-issuer=https://127.0.0.1:${apiPort}/`,
      `--service-account-key-file=${join(work, 'sa.pub')}`,
      `--service-account-signing-key-file=${join(work, 'sa.key')}`,
      '--service-cluster-ip-range=10.0.0.0/24',
      '--disable-admission-plugins=ServiceAccount',
      '--allow-privileged=true',
      '--kubelet-preferred-address-types=InternalIP',
      '--endpoint-reconciler-type=none',
      '--profiling=false',
      '--enable-priority-and-fairness=false',
      '-v=1',
    ]);
    const probe = createKubeClient(makeKubeConfig(url, caData, 'admin', adminToken), {
      maxAttempts: 1,
      qps: 0,
    });
    try {
      await until(
        'kube-apiserver /readyz',
        timeoutMs,
        async () => {
          await probe.request('GET', '/readyz');
          await probe.request('GET', '/api/v1/namespaces/default');
          return true;
        },
        deadMessage(apiserver, 'kube-apiserver'),
      );
    } finally {
      probe.close();
    }
  };

  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await node?.stop().catch(() => {});
    controlServer?.close();
    admin?.close();
    restricted?.close();
    // Its state is thrown away: no need to wait for a graceful shutdown (which drains watches for seconds).
    await stopChild(apiserver, 5000, 'SIGKILL');
    await stopChild(etcd);
    rmSync(work, { recursive: true, force: true });
  };

  try {
    etcd = spawnLogged('etcd', [
      `--data-dir=${join(work, 'etcd')}`,
      `--listen-client-urls=http://127.0.0.1:${etcdPort}`,
      `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
      `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-cluster=default=http://127.0.0.1:${peerPort}`,
      '--unsafe-no-fsync=true',
      '--log-level=warn',
    ]);
    await until(
      'etcd /health',
      timeoutMs,
      () =>
        new Promise<boolean>((resolve) => {
          http
            .get(`http://127.0.0.1:${etcdPort}/health`, (res) => {
              res.resume();
              resolve(res.statusCode === 200);
            })
            .on('error', () => resolve(false));
        }),
      deadMessage(etcd, 'etcd'),
    );
    const etcdMs = Date.now() - t0;
    await startApiserver();
    const apiserverMs = Date.now() - t0 - etcdMs;

    // Harness clients outlast an apiserver restart (~3 s) with their retries.
    admin = createKubeClient(makeKubeConfig(url, caData, 'admin', adminToken), HARNESS_CLIENT);
    restricted = createKubeClient(
      makeKubeConfig(url, caData, CONTROLLER_USER, controllerToken),
      HARNESS_CLIENT,
    );
    const c0 = Date.now();
    await installCrds(admin, timeoutMs);
    const role = controllerClusterRole();
    try {
      await admin.request('POST', '/apis/rbac.authorization.k8s.io/v1/clusterroles', { body: role });
    } catch (error) {
      if (!KubeApiError.is(error, 409)) throw error;
    }
    const crdsMs = Date.now() - c0;

    const restart = async (): Promise<void> => {
      await stopChild(apiserver);
      await startApiserver();
    };
    let controlUrl: string | undefined;
    if (options.controlEndpoint) {
      const secret = randomBytes(12).toString('hex');
      controlServer = http.createServer((req, res) => {
        if (req.method === 'POST' && req.url === `/${secret}/restart-apiserver`) {
          restart().then(
            () => res.writeHead(204).end(),
            (error: unknown) => res.writeHead(500).end(String(error)),
          );
        } else res.writeHead(404).end();
      });
      await new Promise<void>((resolve) => controlServer!.listen(0, '127.0.0.1', resolve));
      const address = controlServer.address();
      controlUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/${secret}`;
    }
    node = await startFakeKubelet({ client: admin, nodeName: options.nodeName ?? 'fake-0', tls });
    const connection: ControlPlaneConnection = {
      url,
      caData,
      adminToken,
      controllerToken,
      ...(controlUrl ? { controlUrl } : {}),
    };
    return handle(connection, node, admin, restricted, {
      restart,
      stop,
      timings: { etcdMs, apiserverMs, crdsMs, totalMs: Date.now() - t0 },
    });
  } catch (error) {
    const logs = `etcd:\n${tail(join(work, 'etcd.log'), 10)}\nkube-apiserver:\n${tail(join(work, 'kube-apiserver.log'), 20)}`;
    await stop();
    if (error instanceof ControlPlaneUnavailableError) throw error;
    throw new ControlPlaneUnavailableError(`control plane failed to start: ${String(error)}\n${logs}`);
  }
}

/**
 * Uses a control plane another process started (e.g. vitest's globalSetup): registers this process's own
 * simulated node, so several test workers never act on each other's pods. `stop()` stops only that node.
 */
export async function connectControlPlane(
  connection: ControlPlaneConnection,
  options: { nodeName?: string } = {},
): Promise<ControlPlane> {
  const admin = createKubeClient(
    makeKubeConfig(connection.url, connection.caData, 'admin', connection.adminToken),
    HARNESS_CLIENT,
  );
  const restricted = createKubeClient(
    makeKubeConfig(connection.url, connection.caData, CONTROLLER_USER, connection.controllerToken),
    HARNESS_CLIENT,
  );
  const work = mkdtempSync(join(tmpdir(), 'kontroler-kubelet-'));
  const tls = selfSignedCertificate(work);
  rmSync(work, { recursive: true, force: true });
  const node = await startFakeKubelet({
    client: admin,
    nodeName: options.nodeName ?? `fake-${process.pid}`,
    tls,
  });
  return handle(connection, node, admin, restricted, {
    async restart() {
      if (!connection.controlUrl) throw new Error('the control plane was started without controlEndpoint');
      await new Promise<void>((resolve, reject) => {
        const req = http.request(`${connection.controlUrl}/restart-apiserver`, { method: 'POST' }, (res) => {
          res.resume();
          if (res.statusCode === 204) resolve();
          else reject(new Error(`restart failed: ${res.statusCode ?? 0}`));
        });
        req.on('error', reject);
        req.end();
      });
    },
    async stop() {
      await node.stop();
      admin.close();
      restricted.close();
    },
  });
}
