/**
 * Real components for the controller's tests: an embedded PostgreSQL (one per test file, a schema per
 * test) and the real control plane (etcd + kube-apiserver + fake kubelet). Without the control plane
 * binaries, Kubernetes tests FAIL when CI is set and are skipped locally with a one-line reason.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe } from 'vitest';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '@kontroler/postgres';
import { locateBinaries, startControlPlane, type ControlPlane } from '@kontroler/k8s-runtime/testing';
import { loadConfig, type ControllerConfig } from '../../src/config.js';

export interface PostgresFixture {
  readonly handle: EmbeddedPostgresHandle;
  readonly url: string;
  /** A fresh schema name (the store creates and migrates it). */
  schema(prefix?: string): string;
}

/** Starts an embedded PostgreSQL for this file; stops it after the file. */
export function usePostgres(): () => PostgresFixture {
  let fixture: PostgresFixture | undefined;
  let dir: string | undefined;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kontroler-ctl-pg-'));
    const handle = await startEmbeddedPostgres({
      dataDir: join(dir, 'data'),
      settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off', max_connections: '300' },
    });
    let n = 0;
    fixture = {
      handle,
      url: handle.url,
      schema: (prefix = 't') => `${prefix}_${process.pid}_${++n}_${randomBytes(3).toString('hex')}`,
    };
  }, 120_000);
  afterAll(async () => {
    await fixture?.handle.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    if (!fixture) throw new Error('PostgreSQL did not start');
    return fixture;
  };
}

/** Why Kubernetes tests cannot run here, or undefined. In CI a missing control plane is a failure. */
export function k8sSkipReason(): string | undefined {
  const { dir, missing } = locateBinaries();
  if (missing.length === 0) return undefined;
  const reason = `kube-apiserver/etcd not found in ${dir} (run scripts/build-control-plane.sh)`;
  if (process.env.CI) throw new Error(`${reason}; CI requires the control plane`);
  return reason;
}

/**
 * The kubectl built with the control plane (same version as kube-apiserver), or why there is none. In CI a
 * missing kubectl is a failure, as a missing control plane is.
 */
export function locateKubectl(): { path: string } | { reason: string } {
  const path = join(locateBinaries().dir, 'kubectl');
  if (existsSync(path)) return { path };
  const reason = `kubectl not found at ${path} (run scripts/build-control-plane.sh)`;
  if (process.env.CI) throw new Error(`${reason}; CI requires kubectl`);
  return { reason };
}

/**
 * `describe` with a control plane started for the block, or skipped locally with the reason. With
 * `requires: ['kubectl']` it is skipped (failed in CI) without kubectl too.
 */
export function describeK8s(
  name: string,
  body: (plane: () => ControlPlane) => void,
  options: { requires?: ReadonlyArray<'kubectl'> } = {},
): void {
  const kubectl = options.requires?.includes('kubectl') ? locateKubectl() : undefined;
  const reason = k8sSkipReason() ?? (kubectl && 'reason' in kubectl ? kubectl.reason : undefined);
  if (reason !== undefined) {
    describe.skip(`${name} (skipped: ${reason})`, () => {});
    return;
  }
  describe(name, () => {
    let plane: ControlPlane | undefined;
    beforeAll(async () => {
      plane = await startControlPlane({ controlEndpoint: true });
    }, 120_000);
    afterAll(async () => {
      await plane?.stop();
    });
    body(() => {
      if (!plane) throw new Error('the control plane did not start');
      return plane;
    });
  });
}

/** Writes a kubeconfig file for a child process (token auth, the plane's CA). */
export function writeKubeconfig(
  dir: string,
  connection: { url: string; caData: string; token: string; user: string },
): string {
  const file = join(dir, `kubeconfig-${connection.user}.yaml`);
  writeFileSync(
    file,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'test',
          cluster: { server: connection.url, 'certificate-authority-data': connection.caData },
        },
      ],
      users: [{ name: connection.user, user: { token: connection.token } }],
      contexts: [{ name: 'test', context: { cluster: 'test', user: connection.user } }],
      'current-context': 'test',
    }),
  );
  return file;
}

/** A valid configuration from env-style overrides (the same parser main.ts uses). */
export function configFrom(env: Record<string, string>, identity = 'test'): ControllerConfig {
  const result = loadConfig({ KONTROLER_METRICS_PORT: '0', LOG_LEVEL: 'warn', ...env }, [], { identity });
  if (!result.ok) throw new Error(`bad test config: ${result.problems.join('; ')}`);
  return result.config;
}

/** Polls `check` until it returns something other than undefined/false; fails after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 15_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
