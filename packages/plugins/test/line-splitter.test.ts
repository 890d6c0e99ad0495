import { describe, expect, it } from 'vitest';
import { LineSplitter, TRUNCATED_MARKER } from '../src/shared/line-splitter.js';

function split(chunks: Array<Buffer | string>, max = 1000): string[] {
  const lines: string[] = [];
  const splitter = new LineSplitter(max, (line) => lines.push(line));
  for (const chunk of chunks) splitter.push(chunk);
  splitter.end();
  return lines;
}

describe('LineSplitter', () => {
  it('joins partial lines across chunks and flushes the last line without a newline', () => {
    expect(split(['hel', 'lo\nwor', 'ld\n\nlast'])).toEqual(['hello', 'world', '', 'last']);
  });

  it('drops the carriage return of CRLF line ends', () => {
    expect(split(['a\r\nb\r', '\n'])).toEqual(['a', 'b']);
  });

  it('keeps a multi-byte character whole when its bytes are split between chunks, at every split point', () => {
    const text = 'é€😀 ok\n';
    const bytes = Buffer.from(text, 'utf8');
    for (let cut = 1; cut < bytes.length; cut++) {
      expect(split([bytes.subarray(0, cut), bytes.subarray(cut)])).toEqual(['é€😀 ok']);
    }
    // one byte at a time
    expect(split([...bytes].map((b) => Buffer.from([b])))).toEqual(['é€😀 ok']);
  });

  it('caps a long line, marks it, and goes on with the next line', () => {
    const lines = split(['x'.repeat(30), 'y'.repeat(30), '\nnext\n'], 40);
    expect(lines).toEqual([`${'x'.repeat(30)}${'y'.repeat(10)}${TRUNCATED_MARKER}`, 'next']);
  });

  it('does not cut a surrogate pair at the cap', () => {
    const lines = split(['abc😀\n'], 4);
    expect(lines).toEqual([`abc${TRUNCATED_MARKER}`]);
  });

  it('emits nothing for an empty stream', () => {
    expect(split([])).toEqual([]);
  });
});
