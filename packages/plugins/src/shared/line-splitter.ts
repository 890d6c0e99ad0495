/**
 * Turns a byte stream into lines: splits on `\n` (dropping a `\r` before it), keeps partial lines across
 * chunks, decodes UTF-8 with a `StringDecoder` so that a character split between two chunks stays whole,
 * and caps the length of a line so that a process printing megabytes without a newline cannot exhaust memory.
 */
import { StringDecoder } from 'node:string_decoder';

/** Marker appended to a line longer than the cap; the rest of that line is dropped. */
export const TRUNCATED_MARKER = ' …[truncated]';

export class LineSplitter {
  readonly #decoder = new StringDecoder('utf8');
  #partial = '';
  #dropping = false;

  /**
   * @param maxLineLength characters kept per line (UTF-16 units); longer lines end with `TRUNCATED_MARKER`.
   * @param emit receives each complete line, without its newline.
   */
  constructor(
    private readonly maxLineLength: number,
    private readonly emit: (line: string) => void,
  ) {}

  push(chunk: Buffer | string): void {
    this.#consume(typeof chunk === 'string' ? chunk : this.#decoder.write(chunk));
  }

  /** Flushes the last line when the stream ends without a newline. */
  end(): void {
    this.#consume(this.#decoder.end());
    if (this.#partial !== '' || this.#dropping) this.#flushLine();
  }

  #consume(text: string): void {
    let start = 0;
    for (;;) {
      const newline = text.indexOf('\n', start);
      const piece = newline === -1 ? text.slice(start) : text.slice(start, newline);
      this.#append(piece);
      if (newline === -1) return;
      this.#flushLine();
      start = newline + 1;
    }
  }

  #append(piece: string): void {
    if (this.#dropping || piece === '') return;
    const room = this.maxLineLength - this.#partial.length;
    if (piece.length <= room) {
      this.#partial += piece;
      return;
    }
    // Keep a surrogate pair whole rather than cutting an emoji in half.
    let cut = room;
    const last = piece.charCodeAt(cut - 1);
    if (cut > 0 && last >= 0xd800 && last <= 0xdbff) cut -= 1;
    this.#partial += piece.slice(0, Math.max(0, cut));
    this.#dropping = true;
  }

  #flushLine(): void {
    let line = this.#partial;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (this.#dropping) line += TRUNCATED_MARKER;
    this.#partial = '';
    this.#dropping = false;
    this.emit(line);
  }
}
