/** Runs the CLI in-process with collecting streams: output and exit code, as a user would see them. */
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { runCli, type CliIo } from '../src/index.js';

/** A stream that keeps what is written; `isTTY` makes the CLI draw for a terminal. */
export class Collect extends Writable {
  readonly chunks: string[] = [];
  constructor(
    readonly isTTY = false,
    private readonly onText: (text: string) => void = () => undefined,
  ) {
    super();
  }
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: () => void): void {
    this.chunks.push(chunk.toString());
    this.onText(this.text);
    done();
  }
  get text(): string {
    return this.chunks.join('');
  }
}

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliCall {
  readonly cwd?: string;
  readonly tty?: boolean;
  readonly env?: Record<string, string>;
  readonly signal?: AbortSignal;
  /** Called with all of stdout so far after each write (to act when a line appears). */
  readonly onStdout?: (text: string) => void;
}

/** The repository root: fixtures and docs are read from there. */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
/** This package's test fixtures. */
export const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));

export async function cli(args: readonly string[], call: CliCall = {}): Promise<CliResult> {
  const stdout = new Collect(call.tty ?? false, call.onStdout);
  const stderr = new Collect(false);
  const io: CliIo = {
    stdout,
    stderr,
    env: call.env ?? {},
    cwd: call.cwd ?? fixtures,
    ...(call.signal ? { signal: call.signal } : {}),
  };
  const code = await runCli(args, io);
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** Control sequences (colours, cursor moves): none may reach a pipe. */
// eslint-disable-next-line no-control-regex
export const ESCAPE = /\u001b\[/;
