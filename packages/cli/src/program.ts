/**
 * The `kontroler` command tree (commander). `runCli(argv, io)` is the whole program: the binary calls it
 * with the process's streams, tests with collecting ones.
 */
import { Command, CommanderError } from 'commander';
import { registerAuth } from './commands/auth.js';
import { registerCompletion } from './commands/completion.js';
import { registerConvert } from './commands/convert.js';
import { registerDags } from './commands/dags.js';
import { registerLogs } from './commands/logs.js';
import { registerRuns } from './commands/runs.js';
import { registerTokens } from './commands/tokens.js';
import { registerLint } from './commands/lint.js';
import { registerPlan } from './commands/plan.js';
import { registerRun } from './commands/run.js';
import { createContext, type CommandContext } from './context.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import type { CliIo } from './io.js';
import { CLI_VERSION } from './version.js';

/** Builds the command tree, writing through `ctx.io`. */
export function createProgram(ctx: CommandContext): Command {
  const program = new Command('kontroler')
    .description(
      'Kontroler DAG workflows from the terminal: check, convert, plan and run DAGs, drive a server',
    )
    .version(CLI_VERSION, '-v, --version')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({
      writeOut: (text) => ctx.io.stdout.write(text),
      writeErr: (text) => ctx.io.stderr.write(text),
      // Help is laid out for the streams the CLI writes to, not whatever process.stdout is.
      getOutHelpWidth: () => ctx.io.stdout.columns ?? 80,
      getErrHelpWidth: () => ctx.io.stderr.columns ?? 80,
      getOutHasColors: () => false,
      getErrHasColors: () => false,
    })
    .option(
      '--server <url>',
      'the Kontroler server (default: KONTROLER_SERVER, else the one you logged in to)',
    )
    .exitOverride();
  registerLint(program, ctx);
  registerConvert(program, ctx);
  registerPlan(program, ctx);
  registerRun(program, ctx);
  registerAuth(program, ctx);
  registerDags(program, ctx);
  registerRuns(program, ctx);
  registerLogs(program, ctx);
  registerTokens(program, ctx);
  registerCompletion(program, ctx);
  program.addHelpText(
    'after',
    `
Examples:
  kontroler lint dags/
  kontroler convert etl.yaml --to dsl
  kontroler plan etl.yaml --param env=prod
  kontroler run etl.yaml
  kontroler login --server http://127.0.0.1:8080 -u admin --password-stdin
  kontroler dags apply -f etl.yaml
  kontroler runs submit etl --param env=prod --watch
  kontroler logs RUN_ID load -f

Exit status: 0 ok, 1 failure (lint errors, failed run), 2 bad usage, 3 not found, 4 not logged in or not
allowed, 5 server unreachable or failing, 130 interrupted. See docs/cli.md.`,
  );
  // Every subcommand reports through the same streams and stops instead of exiting the process.
  const configure = (command: Command, path: string): void => {
    command
      .exitOverride()
      .configureOutput(program.configureOutput())
      .showHelpAfterError(`(run "kontroler ${path} --help" for usage)`);
    for (const sub of command.commands) configure(sub, `${path} ${sub.name()}`);
  };
  for (const command of program.commands) configure(command, command.name());
  return program;
}

/** Runs the CLI with `argv` (without `node` and the script) and resolves with the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const ctx = createContext(io);
  const program = createProgram(ctx);
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are successes; everything else commander refuses is bad usage.
      const ok = ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(error.code);
      return ok ? EXIT.ok : EXIT.usage;
    }
    throw error;
  }
  return ctx.exitCode;
}
