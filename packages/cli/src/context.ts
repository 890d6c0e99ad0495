/** What every command gets: the I/O, the error boundary, and the exit code it sets. */
import { KontrolerError } from '@kontroler/core';
import { CliError } from './cli-error.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { println, type CliIo } from './io.js';

export interface CommandContext {
  readonly io: CliIo;
  /** Wraps a command's handler: its return value is the exit code, its errors are printed, never thrown. */
  action<A extends unknown[]>(handler: (...args: A) => Promise<ExitCode>): (...args: A) => Promise<void>;
  /** Checks an option's value (`-o`, `--to`) against what the command supports (exit 2 otherwise). */
  outputFormat<F extends string>(value: string, allowed: readonly F[], flag?: string): F;
  /** The exit code of the command that ran. */
  exitCode: ExitCode;
}

/** Prints an error the way every command does: `error: message`, then its details; no stack trace. */
export function reportError(io: CliIo, error: unknown): ExitCode {
  if (error instanceof CliError) {
    println(io.stderr, `error: ${error.message}`);
    for (const line of error.details) println(io.stderr, `  ${line}`);
    return error.exitCode;
  }
  if (error instanceof KontrolerError) {
    println(io.stderr, `error: ${error.message} (${error.code})`);
    return error.code === 'PARAMETER_INVALID' ? EXIT.usage : EXIT.failure;
  }
  const message = error instanceof Error ? error.message : String(error);
  println(io.stderr, `error: ${message}`);
  // A bug should still be debuggable: the stack only on request.
  if (io.env['KONTROLER_DEBUG'] && error instanceof Error && error.stack) println(io.stderr, error.stack);
  return EXIT.failure;
}

export function createContext(io: CliIo): CommandContext {
  const ctx: CommandContext = {
    io,
    exitCode: EXIT.ok,
    action(handler) {
      return async (...args) => {
        try {
          ctx.exitCode = await handler(...args);
        } catch (error) {
          ctx.exitCode = reportError(io, error);
        }
      };
    },
    outputFormat(value, allowed, flag = '-o') {
      const found = allowed.find((a) => a === value);
      if (found === undefined) {
        throw CliError.usage(`${flag} ${value} is not supported here; use one of: ${allowed.join(', ')}`);
      }
      return found;
    },
  };
  return ctx;
}
