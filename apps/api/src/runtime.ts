/**
 * Which runtime `npm start` runs tasks with: the container runtime when a Docker Engine API answers
 * (`DOCKER_HOST`, else the default Docker and Podman sockets), else the process runtime, which runs commands
 * on this host and ignores images. `KONTROLER_RUNTIME` forces one. The choice and its reason are printed.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { ACTIVE_ATTEMPT_STATES, type Logger, type Runtime, type Store } from '@kontroler/core';
import {
  createContainerRuntime,
  createProcessRuntime,
  discoverContainerEngine,
  type ContainerRuntime,
  type SecretSource,
} from '@kontroler/plugins';
import { ALLOW_PROCESS_RUNTIME, type RuntimeConfig } from './config.js';

export interface ChosenRuntime {
  readonly runtime: Runtime;
  /** The start-up line: `runtime: container (Podman Engine 4.3.1 at unix:///…)`. */
  readonly description: string;
  /** Set when the container runtime was chosen. */
  readonly container?: ContainerRuntime;
}

/** `KONTROLER_RUNTIME=container` and no engine answered: `npm start` stops with this message. */
export class RuntimeUnavailableError extends Error {
  override readonly name = 'RuntimeUnavailableError';
}

export interface ChooseRuntimeOptions {
  readonly config: RuntimeConfig;
  readonly dataDir: string;
  readonly store: Store;
  readonly logger: Logger;
  /** Where `defaultFromSecret`/`fromSecret` parameters are resolved, for either runtime. */
  readonly secretSource?: SecretSource;
}

const PROCESS_NOTE = 'tasks run as host processes and their images are ignored';

export async function chooseRuntime(options: ChooseRuntimeOptions): Promise<ChosenRuntime> {
  const { config, dataDir, store, logger, secretSource } = options;
  const secrets = secretSource !== undefined ? { secretSource } : {};
  const processRuntime = (why: string): ChosenRuntime => {
    if (config.production && !config.allowProcess) {
      // The host-process runtime is a development convenience: production never falls back to it silently.
      throw new RuntimeUnavailableError(
        `${why}, and production mode refuses to run tasks as shell processes on this host. ` +
          'Set KONTROLER_RUNTIME=none and let the controller run tasks, make a container engine answer ' +
          `(DOCKER_HOST), or set ${ALLOW_PROCESS_RUNTIME}=true to run them on this host anyway.`,
      );
    }
    return {
      runtime: createProcessRuntime({ logger, workDir: join(dataDir, 'runs'), ...secrets }),
      description: `runtime: process (${why}; ${PROCESS_NOTE})`,
    };
  };
  if (config.mode === 'none') {
    throw new RuntimeUnavailableError('KONTROLER_RUNTIME=none: this process runs no tasks');
  }
  if (config.mode === 'process') return processRuntime('KONTROLER_RUNTIME=process');

  const found = await discoverContainerEngine({
    dockerHost: config.dockerHost,
    xdgRuntimeDir: config.xdgRuntimeDir,
  });
  if (!found.found) {
    // A missing socket needs no explanation; a refused or forbidden one does (not in the docker group…).
    const tried = found.tried
      .map((t) => (/ENOENT/.test(t.error) ? t.url : `${t.url} (${t.error})`))
      .join(', ');
    if (config.mode === 'container') {
      const reasons = found.tried.map((t) => `  ${t.url}: ${t.error}`).join('\n');
      throw new RuntimeUnavailableError(
        `KONTROLER_RUNTIME=container, but no container engine answered:\n${reasons}\n` +
          'Start Docker or `podman system service`, set DOCKER_HOST, or use KONTROLER_RUNTIME=auto.',
      );
    }
    return processRuntime(`no container engine answered at ${tried}`);
  }

  const container = createContainerRuntime({
    host: found.address.url,
    // Engines with different data directories may share one container engine: each sweeps only its own.
    instance: `kontroler-${createHash('sha256').update(dataDir).digest('hex').slice(0, 8)}`,
    logger,
    ...secrets,
    isAttemptActive: async ({ runId, attemptId }) => {
      const snapshot = await store.getRunSnapshot(runId);
      const attempt = snapshot?.attempts.find((a) => a.id === attemptId);
      return attempt !== undefined && ACTIVE_ATTEMPT_STATES.has(attempt.state);
    },
  });
  // A crash may have left containers of finished attempts; the running ones of active attempts stay to
  // be adopted when their attempts are reclaimed.
  await container.sweep().catch((error: unknown) => {
    logger.warn({ err: error }, 'could not sweep the containers of finished attempts');
  });
  return {
    runtime: container,
    container,
    description: `runtime: container (${found.engine.name} ${found.engine.version} at ${found.address.url})`,
  };
}
