import os from 'node:os';

/** One row of a benchmark table: what was measured, the figure, and the target it is compared with. */
export interface BenchRow {
  readonly name: string;
  readonly value: string;
  readonly target?: string;
  /** The figure divided by its target or anchor, e.g. `1.8× the target (missed by 8.1 ms)`. */
  readonly ratio?: string;
  readonly note?: string;
}

/** Prints the machine's figures, so every table can be read against the hardware it ran on. */
export function printMachine(extra: Record<string, string> = {}): void {
  const cpus = os.cpus();
  const facts: Record<string, string> = {
    cpu: `${cpus[0]?.model ?? 'unknown'} × ${cpus.length}`,
    cores: String(cpus.length),
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    // The machine may be shared: the load average says how much of it the benchmark really had.
    load: `${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' / ')} (1/5/15-min load average, at the end)`,
    ...extra,
  };
  console.log('\nmachine');
  for (const [key, value] of Object.entries(facts)) console.log(`  ${key.padEnd(10)} ${value}`);
}

/** Prints rows as an aligned table with a title. */
export function printTable(title: string, rows: readonly BenchRow[]): void {
  const headers = ['measure', 'value', 'target', 'ratio', 'note'];
  const cells = rows.map((r) => [r.name, r.value, r.target ?? '', r.ratio ?? '', r.note ?? '']);
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

/**
 * How a figure compares with its target, for the ratio column: `0.62×` when met, or `1.81× (missed by
 * 8.1 ms)` when not. `lowerIsBetter` for times, not for rates.
 */
export function versus(value: number, target: number, unit: string, lowerIsBetter = true): string {
  const ratio = `${(value / target).toFixed(2)}×`;
  const met = lowerIsBetter ? value < target : value >= target;
  if (met) return ratio;
  const gap = Math.abs(value - target);
  const shown = gap >= 100 ? Math.round(gap).toLocaleString('en-US') : gap.toFixed(1);
  return `${ratio} (missed by ${shown} ${unit})`;
}

/** The median of a list of numbers (the upper one of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * A ratio to an anchor measured in the same run (1.0 = as good as the anchor) for the ratio column:
 * `0.85×` when it meets `≥ 1` (rates) or `≤ 1` (times, `lowerIsBetter`), else with how far off it is.
 */
export function versusAnchor(ratio: number, lowerIsBetter: boolean): string {
  const shown = `${ratio.toFixed(2)}×`;
  const met = lowerIsBetter ? ratio <= 1 : ratio >= 1;
  return met ? shown : `${shown} (missed by ${Math.round(Math.abs(ratio - 1) * 100)}%)`;
}
