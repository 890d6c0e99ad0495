/**
 * The exit codes of every `kontroler` command, documented in docs/cli.md. Scripts switch on them, so they
 * never change meaning.
 */
export const EXIT = {
  /** Success. */
  ok: 0,
  /** The command ran and found a failure: lint errors, a failed or canceled run, an invalid DAG, a diff. */
  failure: 1,
  /** Bad usage: an unknown option, a missing argument, a file that cannot be read. */
  usage: 2,
  /** What was asked for does not exist (the server said 404). */
  notFound: 3,
  /** Not logged in, or not allowed (401, 403). */
  auth: 4,
  /** The server could not be reached or failed (5xx, timeouts). */
  server: 5,
  /** Interrupted (Ctrl-C). */
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
