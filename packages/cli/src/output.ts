/** Machine-readable output (`-o json`, `-o yaml`) and a plain-text table, the kubectl way. */
import { stringify } from 'yaml';
import { println, type OutputStream } from './io.js';

/** Writes a value as pretty JSON or YAML. */
export function printStructured(stream: OutputStream, format: 'json' | 'yaml', value: unknown): void {
  if (format === 'json') println(stream, JSON.stringify(value, null, 2));
  else stream.write(stringify(value, { aliasDuplicateObjects: false, lineWidth: 0 }));
}

/** Columns padded to the widest cell, separated by three spaces; the header is upper case. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('   ')
      .trimEnd();
  return [line(header.map((h) => h.toUpperCase())), ...rows.map(line)];
}
