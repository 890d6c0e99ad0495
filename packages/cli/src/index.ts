/** `@kontroler/cli`: the `kontroler` command line; `runCli` runs it in-process (tests, embedding). */
export { runCli, createProgram } from './program.js';
export { EXIT, type ExitCode } from './exit-codes.js';
export type { CliIo, OutputStream } from './io.js';
