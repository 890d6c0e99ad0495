/** The one error a command throws to stop with a message and an exit code; never shown as a stack trace. */
import { EXIT, type ExitCode } from './exit-codes.js';

export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: ExitCode = EXIT.failure,
    /** Extra lines shown under the message (field errors, hints). */
    readonly details: readonly string[] = [],
  ) {
    super(message);
  }

  /** Bad usage: exit 2. */
  static usage(message: string, details: readonly string[] = []): CliError {
    return new CliError(message, EXIT.usage, details);
  }
}
