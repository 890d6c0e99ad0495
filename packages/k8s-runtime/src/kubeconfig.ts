/**
 * Cluster credentials for the REST client, without `@kubernetes/client-node` at run time.
 *
 * Why not the official `KubeConfig`: importing it loads the whole generated API (every model of every group),
 * about 75 MB of resident memory in a process that makes a dozen kinds of request. This loader reads the same
 * files the same way for what a controller meets in practice: in-cluster service accounts (with token
 * rotation), kubeconfig files (merged from `$KUBECONFIG` like kubectl does) with CA, client certificates,
 * bearer tokens, token files, basic auth and `exec` credential plugins (kubelogin, aws, gke-gcloud-auth-plugin).
 * The deprecated `auth-provider` plugins are refused with a message that names the replacement.
 *
 * `KubeConnection` is the shape the client needs; client-node's `KubeConfig` has it too, so tests and
 * embedding applications can keep passing one.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import type https from 'node:https';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { parse } from 'yaml';

/** What the REST client needs from a kubeconfig: the server and, per request, TLS material and credentials. */
export interface KubeConnection {
  getCurrentCluster(): { readonly server: string } | null;
  /** Sets `ca`, `cert`, `key`, `rejectUnauthorized`, `servername` and the Authorization header. */
  applyToHTTPSOptions(options: https.RequestOptions): Promise<void>;
  /** The apiserver refused the credentials (401): forget cached ones (an exec plugin's) before retrying. */
  invalidate?(): void;
}

/** A kubeconfig (or in-cluster account) that cannot be used, with what is wrong in its message. */
export class KubeConfigError extends Error {
  override readonly name = 'KubeConfigError';
}

export interface LoadKubeConnectionOptions {
  /** A kubeconfig file; without it: `$KUBECONFIG`, the in-cluster service account, then `~/.kube/config`. */
  readonly path?: string;
  /** @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** @default /var/run/secrets/kubernetes.io/serviceaccount */
  readonly serviceAccountDir?: string;
  /** Where `~/.kube/config` is looked for. @default os.homedir() */
  readonly home?: string;
}

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

interface Named<T> {
  readonly name: string;
  readonly value: T;
  /** Directory of the file that defined it: relative paths in it are resolved against this. */
  readonly dir: string;
}

interface ClusterEntry {
  server?: string;
  'certificate-authority'?: string;
  'certificate-authority-data'?: string;
  'insecure-skip-tls-verify'?: boolean;
  'tls-server-name'?: string;
}

interface ExecConfig {
  command?: string;
  args?: string[];
  env?: { name: string; value: string }[] | null;
  apiVersion?: string;
}

interface UserEntry {
  token?: string;
  tokenFile?: string;
  'client-certificate'?: string;
  'client-certificate-data'?: string;
  'client-key'?: string;
  'client-key-data'?: string;
  username?: string;
  password?: string;
  exec?: ExecConfig;
  'auth-provider'?: { name?: string };
}

interface ContextEntry {
  cluster?: string;
  user?: string;
}

interface KubeConfigFile {
  'current-context'?: string;
  clusters?: { name: string; cluster?: ClusterEntry }[] | null;
  users?: { name: string; user?: UserEntry }[] | null;
  contexts?: { name: string; context?: ContextEntry }[] | null;
}

interface ExecCredentialStatus {
  token?: string;
  clientCertificateData?: string;
  clientKeyData?: string;
  expirationTimestamp?: string;
}

/** How a request authenticates, resolved once; files and plugins are read again when they may have changed. */
type Credentials =
  | { kind: 'none' }
  | { kind: 'token'; token: string }
  | { kind: 'tokenFile'; path: string }
  | { kind: 'basic'; username: string; password: string }
  | { kind: 'exec'; exec: ExecConfig; dir: string; origin: string };

interface Resolved {
  readonly origin: string;
  readonly server: string;
  readonly ca?: Buffer;
  readonly insecure: boolean;
  readonly serverName?: string;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  readonly credentials: Credentials;
}

function readFile(path: string, what: string, origin: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new KubeConfigError(`${origin}: cannot read ${what} ${path}: ${reason}`);
  }
}

/** `-data` (base64) wins over the file, as in kubectl. */
function material(
  data: string | undefined,
  file: string | undefined,
  dir: string,
  what: string,
  origin: string,
): Buffer | undefined {
  if (data) return Buffer.from(data, 'base64');
  if (file) return readFile(isAbsolute(file) ? file : resolve(dir, file), what, origin);
  return undefined;
}

function parseFile(path: string): KubeConfigFile {
  const text = readFile(path, 'kubeconfig', path).toString('utf8');
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (error) {
    throw new KubeConfigError(
      `${path}: not valid YAML: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new KubeConfigError(`${path}: not a kubeconfig`);
  return doc as KubeConfigFile;
}

/** Merges kubeconfig files the kubectl way: the first file to define a name (or the current context) wins. */
function fromFiles(paths: readonly string[]): Resolved {
  const origin = paths.join(delimiter);
  const clusters = new Map<string, Named<ClusterEntry>>();
  const users = new Map<string, Named<UserEntry>>();
  const contexts = new Map<string, Named<ContextEntry>>();
  let current: string | undefined;
  for (const path of paths) {
    const file = parseFile(path);
    const dir = dirname(resolve(path));
    current ||= file['current-context'];
    for (const c of file.clusters ?? [])
      if (!clusters.has(c.name)) clusters.set(c.name, { name: c.name, value: c.cluster ?? {}, dir });
    for (const u of file.users ?? [])
      if (!users.has(u.name)) users.set(u.name, { name: u.name, value: u.user ?? {}, dir });
    for (const c of file.contexts ?? [])
      if (!contexts.has(c.name)) contexts.set(c.name, { name: c.name, value: c.context ?? {}, dir });
  }
  if (!current) throw new KubeConfigError(`${origin}: no current-context`);
  const context = contexts.get(current)?.value;
  if (context === undefined)
    throw new KubeConfigError(`${origin}: current-context ${current} is not defined`);
  const cluster = context.cluster === undefined ? undefined : clusters.get(context.cluster);
  if (cluster === undefined)
    throw new KubeConfigError(
      `${origin}: context ${current} names cluster ${context.cluster ?? '(none)'}, which is not defined`,
    );
  const server = cluster.value.server;
  if (!server) throw new KubeConfigError(`${origin}: cluster ${cluster.name} has no server`);
  const user = context.user === undefined ? undefined : users.get(context.user);
  if (context.user !== undefined && user === undefined)
    throw new KubeConfigError(
      `${origin}: context ${current} names user ${context.user}, which is not defined`,
    );
  const u = user?.value ?? {};
  const userDir = user?.dir ?? cluster.dir;
  if (u['auth-provider'])
    throw new KubeConfigError(
      `${origin}: user ${user?.name ?? ''} uses the auth-provider plugin ${u['auth-provider'].name ?? ''}, which ` +
        'Kubernetes removed: use an exec credential plugin instead (kubelogin, gke-gcloud-auth-plugin, aws eks get-token)',
    );
  let credentials: Credentials = { kind: 'none' };
  if (u.exec) {
    if (!u.exec.command)
      throw new KubeConfigError(`${origin}: user ${user?.name ?? ''}: exec has no command`);
    credentials = { kind: 'exec', exec: u.exec, dir: userDir, origin };
  } else if (u.token) credentials = { kind: 'token', token: u.token };
  else if (u.tokenFile)
    credentials = {
      kind: 'tokenFile',
      path: isAbsolute(u.tokenFile) ? u.tokenFile : resolve(userDir, u.tokenFile),
    };
  else if (u.username !== undefined)
    credentials = { kind: 'basic', username: u.username, password: u.password ?? '' };
  const ca = material(
    cluster.value['certificate-authority-data'],
    cluster.value['certificate-authority'],
    cluster.dir,
    'certificate-authority',
    origin,
  );
  const cert = material(
    u['client-certificate-data'],
    u['client-certificate'],
    userDir,
    'client-certificate',
    origin,
  );
  const key = material(u['client-key-data'], u['client-key'], userDir, 'client-key', origin);
  const serverName = cluster.value['tls-server-name'];
  return {
    origin,
    server,
    insecure: cluster.value['insecure-skip-tls-verify'] === true,
    credentials,
    ...(ca ? { ca } : {}),
    ...(cert ? { cert } : {}),
    ...(key ? { key } : {}),
    ...(serverName ? { serverName } : {}),
  };
}

function inCluster(env: Readonly<Record<string, string | undefined>>, dir: string): Resolved {
  const host = env.KUBERNETES_SERVICE_HOST ?? '';
  const port = env.KUBERNETES_SERVICE_PORT ?? '443';
  const origin = `in-cluster service account (${dir})`;
  return {
    origin,
    server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    ca: readFile(join(dir, 'ca.crt'), 'CA', origin),
    insecure: false,
    // Projected tokens rotate: the file is read again on every refresh.
    credentials: { kind: 'tokenFile', path: join(dir, 'token') },
  };
}

function resolveConfig(options: LoadKubeConnectionOptions): Resolved {
  if (options.path !== undefined) return fromFiles([options.path]);
  const env = options.env ?? process.env;
  const listed = (env.KUBECONFIG ?? '').split(delimiter).filter((p) => p.length > 0);
  if (listed.length > 0) {
    const present = listed.filter((p) => existsSync(p));
    if (present.length === 0)
      throw new KubeConfigError(`KUBECONFIG names no file that exists: ${env.KUBECONFIG}`);
    return fromFiles(present);
  }
  const saDir = options.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  if (env.KUBERNETES_SERVICE_HOST && existsSync(join(saDir, 'token'))) return inCluster(env, saDir);
  const home = join(options.home ?? homedir(), '.kube', 'config');
  if (existsSync(home)) return fromFiles([home]);
  throw new KubeConfigError(
    `no cluster credentials: set KUBECONFIG, run in a pod with a service account, or create ${home}`,
  );
}

function runExec(credentials: Extract<Credentials, { kind: 'exec' }>): Promise<ExecCredentialStatus> {
  const { exec, dir, origin } = credentials;
  const apiVersion = exec.apiVersion ?? 'client.authentication.k8s.io/v1';
  const env: Record<string, string | undefined> = { ...process.env };
  for (const e of exec.env ?? []) env[e.name] = e.value;
  // The plugin learns the request's context from KUBERNETES_EXEC_INFO, as kubectl passes it.
  env.KUBERNETES_EXEC_INFO = JSON.stringify({
    apiVersion,
    kind: 'ExecCredential',
    spec: { interactive: false },
  });
  const command = exec.command ?? '';
  // A command with a slash is a path, relative to the kubeconfig; a bare name is looked up in PATH.
  const file = command.includes('/') && !isAbsolute(command) ? resolve(dir, command) : command;
  return new Promise((resolvePromise, reject) => {
    execFile(file, exec.args ?? [], { env, timeout: 60_000, maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      if (error) {
        const detail = String(stderr).trim() || error.message;
        reject(new KubeConfigError(`${origin}: exec credential plugin ${command} failed: ${detail}`));
        return;
      }
      try {
        const credential = JSON.parse(String(stdout)) as { status?: ExecCredentialStatus };
        if (!credential.status) throw new Error('no status');
        resolvePromise(credential.status);
      } catch (parseError) {
        const reason = parseError instanceof Error ? parseError.message : String(parseError);
        reject(
          new KubeConfigError(
            `${origin}: exec credential plugin ${command} printed no ExecCredential: ${reason}`,
          ),
        );
      }
    });
  });
}

/**
 * Loads cluster credentials: `path`, else `$KUBECONFIG` (several files merged), else the in-cluster service
 * account, else `~/.kube/config`. Throws `KubeConfigError` naming the file and entry at fault.
 */
export function loadKubeConnection(options: LoadKubeConnectionOptions = {}): KubeConnection {
  const config = resolveConfig(options);
  const server = config.server.replace(/\/+$/, '');
  try {
    new URL(server);
  } catch {
    throw new KubeConfigError(`${config.origin}: server ${config.server} is not a URL`);
  }
  let exec: { status: ExecCredentialStatus; until: number } | undefined;
  let execRunning: Promise<ExecCredentialStatus> | undefined;

  async function execStatus(
    credentials: Extract<Credentials, { kind: 'exec' }>,
  ): Promise<ExecCredentialStatus> {
    if (exec && Date.now() < exec.until) return exec.status;
    execRunning ??= runExec(credentials).finally(() => (execRunning = undefined));
    const status = await execRunning;
    const expires = status.expirationTimestamp ? Date.parse(status.expirationTimestamp) : Number.NaN;
    // Refresh a little before expiry; a credential without one is kept until a 401 asks again (the client
    // refreshes every minute, which re-runs the plugin only once its credential has expired).
    exec = { status, until: Number.isNaN(expires) ? Number.POSITIVE_INFINITY : expires - 10_000 };
    return status;
  }

  return {
    getCurrentCluster: () => ({ server }),
    invalidate() {
      exec = undefined;
    },
    async applyToHTTPSOptions(options) {
      const headers: Record<string, string> = { ...(options.headers as Record<string, string> | undefined) };
      if (config.ca) options.ca = config.ca;
      if (config.cert) options.cert = config.cert;
      if (config.key) options.key = config.key;
      if (config.serverName) options.servername = config.serverName;
      options.rejectUnauthorized = !config.insecure;
      const credentials = config.credentials;
      switch (credentials.kind) {
        case 'token':
          headers.Authorization = `Bearer ${credentials.token}`;
          break;
        case 'tokenFile':
          headers.Authorization = `Bearer ${readFile(credentials.path, 'token file', config.origin).toString('utf8').trim()}`;
          break;
        case 'basic':
          headers.Authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
          break;
        case 'exec': {
          const status = await execStatus(credentials);
          if (status.token) headers.Authorization = `Bearer ${status.token}`;
          if (status.clientCertificateData) options.cert = Buffer.from(status.clientCertificateData);
          if (status.clientKeyData) options.key = Buffer.from(status.clientKeyData);
          break;
        }
        case 'none':
          break;
      }
      options.headers = headers;
    },
  };
}
