/**
 * Docker's multiplexed stream format (container logs and attach without a TTY): each frame is an 8-byte
 * header — the stream (0 stdin, 1 stdout, 2 stderr, 3 the engine's own error), three zero bytes and the
 * payload's length as a big-endian uint32 — then the payload. Frames arrive split and merged arbitrarily
 * across chunks, so the demultiplexer keeps what it has not yet consumed.
 */

export type FrameStream = 'stdout' | 'stderr' | 'system';

const HEADER = 8;
const STREAMS: Readonly<Record<number, FrameStream>> = { 0: 'stdout', 1: 'stdout', 2: 'stderr', 3: 'system' };

export class FrameDemuxer {
  #pending: Buffer[] = [];
  #pendingBytes = 0;

  constructor(private readonly onFrame: (stream: FrameStream, payload: Buffer) => void) {}

  push(chunk: Buffer): void {
    this.#pending.push(chunk);
    this.#pendingBytes += chunk.length;
    if (this.#pendingBytes < HEADER) return;
    let buffer = this.#pending.length === 1 ? chunk : Buffer.concat(this.#pending, this.#pendingBytes);
    let offset = 0;
    while (buffer.length - offset >= HEADER) {
      const size = buffer.readUInt32BE(offset + 4);
      if (buffer.length - offset - HEADER < size) break;
      const stream = STREAMS[buffer[offset] ?? 1] ?? 'stdout';
      this.onFrame(stream, buffer.subarray(offset + HEADER, offset + HEADER + size));
      offset += HEADER + size;
    }
    buffer = buffer.subarray(offset);
    this.#pending = buffer.length > 0 ? [buffer] : [];
    this.#pendingBytes = buffer.length;
  }

  /** Bytes of an incomplete frame left over (a stream cut off mid-frame). */
  get leftover(): number {
    return this.#pendingBytes;
  }
}

/** `2026-12-06T07:55:37.777739614Z ` at the start of a payload from `logs?timestamps=1`. */
const TIMESTAMP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d) /;

/**
 * Splits the engine's timestamp off a log payload. The time is in epoch milliseconds (the store's unit),
 * truncated, so the same line always gets the same time: adopting a container resumes its log by it.
 */
export function splitTimestamp(payload: Buffer): { ts: number | null; rest: Buffer } {
  const head = payload.subarray(0, 40).toString('latin1');
  const match = TIMESTAMP.exec(head);
  if (match === null) return { ts: null, rest: payload };
  const millis = (match[2] ?? '').padEnd(3, '0').slice(0, 3);
  const ts = Date.parse(`${match[1]}.${millis}${match[3]}`);
  return { ts: Number.isNaN(ts) ? null : ts, rest: payload.subarray(match[0].length) };
}
