import os from 'node:os';

/** One row of a benchmark table: what was measured, the figure, and the target it is compared with. */
export interface BenchRow {
  readonly name: string;
  readonly value: string;
  readonly target?: string;
  readonly note?: string;
}

/** Prints the machine's figures, so every table can be read against the hardware it ran on. */
export function printMachine(extra: Record<string, string> = {}): void {
  const cpus = os.cpus();
  const facts: Record<string, string> = {
    cpu: `${cpus[0]?.model ?? 'unknown'} × ${cpus.length}`,
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    ...extra,
  };
  console.log('\nmachine');
  for (const [key, value] of Object.entries(facts)) console.log(`  ${key.padEnd(10)} ${value}`);
}

/** Prints rows as an aligned table with a title. */
export function printTable(title: string, rows: readonly BenchRow[]): void {
  const headers = ['measure', 'value', 'target', 'note'];
  const cells = rows.map((r) => [r.name, r.value, r.target ?? '', r.note ?? '']);
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: readonly string[]) =>
    c
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  console.log(`\n${title}`);
  console.log(line(headers));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const c of cells) console.log(line(c));
}

/** The p-th percentile (0–100) of a list of numbers. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}
