/** The `kontroler` binary: the process's streams, Ctrl-C as an abort, the exit code from `runCli`. */
import { runCli } from './program.js';

const controller = new AbortController();
let interrupts = 0;
process.on('SIGINT', () => {
  // The first Ctrl-C cancels what runs and lets it report; a second one leaves at once.
  interrupts += 1;
  if (interrupts > 1) process.exit(130);
  controller.abort();
});

const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  signal: controller.signal,
});
process.exitCode = code;
