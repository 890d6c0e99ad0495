/**
 * Finding a container engine: `DOCKER_HOST` when set, else the sockets Docker and Podman listen on by
 * default. The caller passes the environment's values in (hosts read `process.env` in their config only).
 */
import { join } from 'node:path';
import { engineVersion, type EngineVersion } from './engine-api.js';
import { createEngineClient, parseEngineAddress, type EngineAddress } from './engine-client.js';

export interface EngineDiscoveryOptions {
  /** `DOCKER_HOST`: when set, the only address tried. */
  readonly dockerHost?: string | undefined;
  /** `XDG_RUNTIME_DIR`, where a rootless Podman puts its socket. */
  readonly xdgRuntimeDir?: string | undefined;
  /**
   * How long each address may take to answer `GET /version`. Podman's answer runs its OCI runtime and conmon
   * to report their versions: about 1 s on a quiet machine, over 2 s on a busy one. @default 10000
   */
  readonly timeoutMs?: number;
}

export type EngineDiscovery =
  | { readonly found: true; readonly address: EngineAddress; readonly engine: EngineVersion }
  | {
      readonly found: false;
      /** Every address tried and why it did not answer. */
      readonly tried: ReadonlyArray<{ readonly url: string; readonly error: string }>;
    };

/** The addresses to try, in order. A malformed `DOCKER_HOST` throws (a configuration error). */
export function engineAddresses(options: EngineDiscoveryOptions = {}): EngineAddress[] {
  if (options.dockerHost !== undefined && options.dockerHost !== '') {
    return [parseEngineAddress(options.dockerHost)];
  }
  const sockets = ['/var/run/docker.sock'];
  if (options.xdgRuntimeDir) sockets.push(join(options.xdgRuntimeDir, 'podman', 'podman.sock'));
  sockets.push('/run/podman/podman.sock');
  return sockets.map((socket) => parseEngineAddress(socket));
}

/** The first address whose engine answers, or every address tried with its error. */
export async function discoverContainerEngine(
  options: EngineDiscoveryOptions = {},
): Promise<EngineDiscovery> {
  const tried: Array<{ url: string; error: string }> = [];
  for (const address of engineAddresses(options)) {
    const client = createEngineClient(address);
    try {
      const engine = await engineVersion(client, options.timeoutMs ?? 10_000);
      return { found: true, address, engine };
    } catch (error) {
      tried.push({ url: address.url, error: error instanceof Error ? error.message : String(error) });
    } finally {
      client.close();
    }
  }
  return { found: false, tried };
}
