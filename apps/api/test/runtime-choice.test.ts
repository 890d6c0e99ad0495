/**
 * How `npm start` picks its runtime: KONTROLER_RUNTIME and DOCKER_HOST in the configuration, the process
 * fallback when no engine answers, and the container runtime when Podman's service does.
 */
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@kontroler/core';
import { createMemoryStore } from '@kontroler/core/testing';
import { podmanAvailability, startPodman, type PodmanEngine } from '@kontroler/plugins/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, type RuntimeConfig } from '../src/config.js';
import { chooseRuntime, RuntimeUnavailableError } from '../src/runtime.js';

const dataDir = mkdtempSync(join(tmpdir(), 'kontroler-runtime-choice-'));
const missingSocket = `unix://${join(dataDir, 'no-engine.sock')}`;

function choose(config: Partial<RuntimeConfig>) {
  return chooseRuntime({
    config: {
      mode: 'auto',
      allowProcess: false,
      production: false,
      dockerHost: undefined,
      xdgRuntimeDir: undefined,
      ...config,
    },
    dataDir,
    store: createMemoryStore(),
    logger: silentLogger,
  });
}

describe('runtime configuration', () => {
  it('defaults to auto and reads DOCKER_HOST and XDG_RUNTIME_DIR', () => {
    expect(loadConfig({ DATA_DIR: dataDir }).runtime).toEqual({
      mode: 'auto',
      allowProcess: false,
      production: false,
      dockerHost: undefined,
      xdgRuntimeDir: undefined,
    });
    const config = loadConfig({
      DATA_DIR: dataDir,
      KONTROLER_RUNTIME: 'container',
      DOCKER_HOST: 'unix:///run/podman/podman.sock',
      XDG_RUNTIME_DIR: '/run/user/1000',
    });
    expect(config.runtime).toEqual({
      mode: 'container',
      allowProcess: false,
      production: false,
      dockerHost: 'unix:///run/podman/podman.sock',
      xdgRuntimeDir: '/run/user/1000',
    });
  });

  it('names KONTROLER_RUNTIME and DOCKER_HOST when they are wrong', () => {
    try {
      loadConfig({ DATA_DIR: dataDir, KONTROLER_RUNTIME: 'docker', DOCKER_HOST: 'ssh://me@box' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems.join('\n');
      expect(problems).toContain(
        'KONTROLER_RUNTIME must be one of auto, container, process, none, not "docker"',
      );
      expect(problems).toContain('DOCKER_HOST "ssh://me@box"');
    }
  });
});

describe('chooseRuntime without an engine', () => {
  it('falls back to the process runtime and says where it looked and what that means', async () => {
    const chosen = await choose({ dockerHost: missingSocket });
    expect(chosen.runtime.name).toBe('process');
    expect(chosen.description).toBe(
      `runtime: process (no container engine answered at ${missingSocket}; tasks run as host processes and their images are ignored)`,
    );
    await chosen.runtime.close?.();
  });

  it('says why an engine that is there did not answer (a missing socket needs no reason)', async () => {
    const path = join(dataDir, 'hangs-up.sock');
    const server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(path, resolve));
    try {
      const chosen = await choose({ dockerHost: `unix://${path}` });
      expect(chosen.runtime.name).toBe('process');
      expect(chosen.description).toContain(
        `at unix://${path} (the container engine at unix://${path} did not answer:`,
      );
      await chosen.runtime.close?.();
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('uses the process runtime when told to, without looking for an engine', async () => {
    const chosen = await choose({ mode: 'process', dockerHost: missingSocket });
    expect(chosen.description).toMatch(/^runtime: process \(KONTROLER_RUNTIME=process; /);
    await chosen.runtime.close?.();
  });

  it('refuses the fallback to host processes in production unless allowed, naming the setting', async () => {
    const refused = choose({ production: true, dockerHost: missingSocket });
    await expect(refused).rejects.toBeInstanceOf(RuntimeUnavailableError);
    await expect(refused).rejects.toThrow(/production mode refuses.*KONTROLER_ALLOW_PROCESS_RUNTIME=true/);
    const allowed = await choose({ production: true, allowProcess: true, dockerHost: missingSocket });
    expect(allowed.runtime.name).toBe('process');
    await allowed.runtime.close?.();
  });

  it('refuses to start when the container runtime is forced and no engine answers', async () => {
    const attempt = choose({ mode: 'container', dockerHost: missingSocket });
    await expect(attempt).rejects.toBeInstanceOf(RuntimeUnavailableError);
    await expect(attempt).rejects.toThrow(missingSocket);
  });
});

const podman = podmanAvailability();
if (!podman.available && process.env.CI) {
  throw new Error(`the container runtime tests need Podman in CI: ${podman.reason}`);
}
if (!podman.available) console.warn(`skipping the Podman runtime-choice tests: ${podman.reason}`);

describe.skipIf(!podman.available)('chooseRuntime with Podman', () => {
  let engine: PodmanEngine;
  beforeAll(async () => {
    engine = await startPodman();
  }, 120_000);
  afterAll(async () => {
    await engine?.stop();
  });

  it('picks the container runtime when an engine answers, and says which', async () => {
    const chosen = await choose({ dockerHost: engine.host });
    expect(chosen.runtime.name).toBe('container');
    expect(chosen.description).toMatch(
      new RegExp(
        `^runtime: container \\(Podman Engine \\d+\\.\\d+\\.\\d+ at ${engine.host.replaceAll('.', '\\.')}\\)$`,
      ),
    );
    await chosen.runtime.close?.();
  });
});
