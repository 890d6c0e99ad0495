/**
 * Where a command reads and writes. The binary passes the real process streams; tests pass collecting
 * streams, so every command runs in-process with its output and exit code asserted.
 */
import type { Writable } from 'node:stream';

/** An output stream; `isTTY` decides between the live view and one line per change. */
export type OutputStream = Writable & { readonly isTTY?: boolean; readonly columns?: number };

/** Everything a command may touch outside itself. */
export interface CliIo {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  /** Environment variables (`KONTROLER_SERVER`, `KONTROLER_TOKEN`, `NO_COLOR`, …). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Relative paths are resolved against this. */
  readonly cwd: string;
  /** Aborted on Ctrl-C: long commands (`run`, `watch`, `logs -f`) stop cleanly. */
  readonly signal?: AbortSignal;
}

/** Writes `text` plus a newline. */
export function println(stream: OutputStream, text = ''): void {
  stream.write(`${text}\n`);
}
