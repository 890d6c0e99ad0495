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

/** The `-o` formats of server commands. */
export const LIST_FORMATS = ['table', 'wide', 'json', 'yaml'] as const;
export type ListFormat = (typeof LIST_FORMATS)[number];

/** A column of a table: its header, its cell, and whether only `-o wide` shows it. */
export interface Column<T> {
  readonly header: string;
  readonly cell: (item: T) => string;
  readonly wide?: boolean;
}

/** Items as a table (`table`, `wide`) or as the API's JSON/YAML. */
export function printItems<T>(
  stream: OutputStream,
  format: ListFormat,
  items: readonly T[],
  columns: readonly Column<T>[],
  structured: unknown = items,
): void {
  if (format === 'json' || format === 'yaml') {
    printStructured(stream, format, structured);
    return;
  }
  const shown = columns.filter((c) => format === 'wide' || c.wide !== true);
  const rows = items.map((item) => shown.map((c) => c.cell(item)));
  for (const line of formatTable(
    shown.map((c) => c.header),
    rows,
  ))
    println(stream, line);
}

/** `3m ago`-style age of an ISO time, the kubectl way; `-` when absent. */
export function age(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '-';
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)}h`;
  return `${Math.round(seconds / 86_400)}d`;
}
