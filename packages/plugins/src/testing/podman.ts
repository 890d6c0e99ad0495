/**
 * A real container engine for tests: Podman's Docker-compatible service on a private socket, with a
 * busybox image imported from the host's static busybox (no registry needed), plus `/scripts/prepare.sh`. The setup and its traps are
 * the ones verified on these machines: the `runc` OCI runtime (crun fails on hybrid cgroups) and ulimits
 * within the machine's hard limits, passed in a private containers.conf so that the host's is not needed.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile, copyFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import { join } from 'node:path';

/** The image `startPodman` imports unless told otherwise; bump the tag when the root filesystem changes. */
export const TEST_IMAGE = 'localhost/kontroler-busybox:2';

/** Busybox applets linked into the test image. */
const APPLETS = [
  'sh',
  'echo',
  'sleep',
  'cat',
  'printf',
  'env',
  'ls',
  'true',
  'false',
  'test',
  'kill',
  'touch',
];
const BUSYBOX_PATHS = ['/bin/busybox', '/usr/bin/busybox'];

/** `/scripts/prepare.sh` in the test image: prints its arguments and the `STAGE` variable. */
export const PREPARE_SCRIPT = '#!/bin/sh\necho "prepared $* for ${STAGE:-nothing}"\n';

const CONTAINERS_CONF = `[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
[engine]
runtime = "runc"
`;

export type PodmanAvailability =
  { readonly available: true } | { readonly available: false; readonly reason: string };

/** Whether `startPodman` can work here: podman and a static busybox installed. */
export function podmanAvailability(): PodmanAvailability {
  const version = spawnSync('podman', ['--version'], { encoding: 'utf8' });
  if (version.error !== undefined || version.status !== 0) {
    return {
      available: false,
      reason: 'podman is not installed (apt-get install podman runc busybox-static)',
    };
  }
  if (!BUSYBOX_PATHS.some((path) => existsSync(path))) {
    return { available: false, reason: 'busybox is not installed (apt-get install busybox-static)' };
  }
  return { available: true };
}

export interface PodmanEngine {
  /** `DOCKER_HOST` for the service: `unix://<dir>/podman.sock`. */
  readonly host: string;
  readonly socketPath: string;
  /** The imported busybox image. */
  readonly image: string;
  /** Removes every container (any state) carrying the label `key=value`. */
  removeContainers(label: string): void;
  /** Stops the service (by its pid) and removes its directory. */
  stop(): Promise<void>;
}

export interface StartPodmanOptions {
  /** @default TEST_IMAGE */
  readonly image?: string;
  /** A registries.conf for the service (to declare a local test registry insecure, say). */
  readonly registriesConf?: string;
  /** How long the service may take to answer. @default 30000 */
  readonly timeoutMs?: number;
}

function podman(args: string[], input?: string): string {
  const result = spawnSync('podman', args, { encoding: 'utf8', ...(input !== undefined ? { input } : {}) });
  if (result.error !== undefined) throw result.error;
  if (result.status !== 0) throw new Error(`podman ${args.join(' ')} failed: ${result.stderr.trim()}`);
  return result.stdout;
}

/** Imports `image` from a root filesystem holding only the static busybox, unless it exists. */
async function importBusybox(image: string, dir: string): Promise<void> {
  if (spawnSync('podman', ['image', 'exists', image]).status === 0) return;
  const busybox = BUSYBOX_PATHS.find((path) => existsSync(path));
  if (busybox === undefined) throw new Error('busybox is not installed (apt-get install busybox-static)');
  const rootfs = join(dir, 'rootfs');
  await mkdir(join(rootfs, 'bin'), { recursive: true });
  await mkdir(join(rootfs, 'tmp'), { recursive: true });
  await copyFile(busybox, join(rootfs, 'bin', 'busybox'));
  for (const applet of APPLETS) await symlink('busybox', join(rootfs, 'bin', applet));
  // A command that exists only in the image, as Kontroler manifests have (`/scripts/prepare.sh`).
  await mkdir(join(rootfs, 'scripts'));
  await writeFile(join(rootfs, 'scripts', 'prepare.sh'), PREPARE_SCRIPT, { mode: 0o755 });
  const tar = spawnSync('sh', ['-c', 'tar -C "$1" -c . | podman import - "$2"', 'import', rootfs, image], {
    encoding: 'utf8',
  });
  if (tar.status !== 0) throw new Error(`could not import ${image}: ${tar.stderr.trim()}`);
}

function ping(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const request = http.get({ socketPath, path: '/_ping', timeout: 1000 }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    request.on('error', () => resolve(false));
    request.on('timeout', () => request.destroy());
  });
}

/** Starts `podman system service` on a private socket and imports the busybox image. */
export async function startPodman(options: StartPodmanOptions = {}): Promise<PodmanEngine> {
  const image = options.image ?? TEST_IMAGE;
  const dir = await mkdtemp(join(os.tmpdir(), 'kontroler-podman-'));
  const socketPath = join(dir, 'podman.sock');
  const confPath = join(dir, 'containers.conf');
  await writeFile(confPath, CONTAINERS_CONF);
  const env: NodeJS.ProcessEnv = { ...process.env, CONTAINERS_CONF: confPath };
  if (options.registriesConf !== undefined) {
    const registriesPath = join(dir, 'registries.conf');
    await writeFile(registriesPath, options.registriesConf);
    env.CONTAINERS_REGISTRIES_CONF = registriesPath;
  }
  await importBusybox(image, dir);

  let output = '';
  const service: ChildProcess = spawn('podman', ['system', 'service', '--time=0', `unix://${socketPath}`], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  service.stderr?.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => service.once('exit', () => resolve()));

  const stop = async (): Promise<void> => {
    if (service.exitCode === null && service.signalCode === null && service.pid !== undefined) {
      process.kill(service.pid, 'SIGTERM');
      const timer = setTimeout(
        () => service.pid !== undefined && process.kill(service.pid, 'SIGKILL'),
        10_000,
      );
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  while (!(await ping(socketPath))) {
    if (service.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`podman system service did not answer on ${socketPath}: ${output.trim()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  return {
    host: `unix://${socketPath}`,
    socketPath,
    image,
    removeContainers(label) {
      const ids = podman(['ps', '-aq', '--filter', `label=${label}`])
        .split('\n')
        .filter(Boolean);
      if (ids.length > 0) podman(['rm', '-f', ...ids]);
    },
    stop,
  };
}
