/**
 * The controller's composition root as a process: `--help`, configuration errors (exit 2), start-up errors
 * (exit 1), and graceful shutdown on SIGTERM/SIGINT (exit 0 once leases are handed back). A second signal
 * exits at once.
 */
import { defaultIdentity, helpText, loadConfig } from './config.js';
import type { ControllerHandle } from './controller.js';

async function main(argv: readonly string[]): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${helpText()}\n`);
    process.exit(0);
  }
  const result = loadConfig(process.env, argv, { identity: defaultIdentity() });
  if (!result.ok) {
    process.stderr.write(`invalid configuration:\n${result.problems.map((p) => `  - ${p}`).join('\n')}\n`);
    process.exit(2);
  }
  const { config } = result;
  let controller: ControllerHandle;
  try {
    // Loaded only now, so --help and configuration errors answer without loading the whole engine.
    const { startController } = await import('./controller.js');
    controller = await startController(config);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    process.stderr.write(
      `kontroler-controller failed to start${typeof code === 'string' ? ` (${code})` : ''}: ${
        error instanceof Error ? error.message : String(error)
      }\n`,
    );
    process.exit(1);
  }

  let signals = 0;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (++signals > 1) {
      controller.logger.warn({ signal }, 'second signal: exiting at once');
      process.exit(130);
    }
    // A stuck shutdown must not outlive the pod's grace period silently.
    const deadline = setTimeout(() => {
      controller.logger.error({}, 'shutdown did not finish in time');
      process.exit(1);
    }, config.shutdownGraceMs + 4000);
    deadline.unref();
    controller.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        controller.logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, shutdown);
}

void main(process.argv.slice(2));
