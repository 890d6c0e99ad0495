/**
 * The dashboard's arithmetic, pure: hour- and day-aligned windows, success rates and quantiles from the
 * store's histograms, and the days of the chart with the empty ones filled in.
 */
import {
  histogramQuantile,
  mergeHistograms,
  type DagOutcomes,
  type DailyOutcomes,
  type OutcomeCounts,
  type TimeWindow,
} from '@kontroler/core';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

/** The last `hours` whole UTC hours, the current one included: `[start of hour − (hours−1) h, end of hour)`. */
export function lastHours(now: number, hours: number): TimeWindow {
  const end = Math.floor(now / HOUR_MS) * HOUR_MS + HOUR_MS;
  return { from: end - hours * HOUR_MS, to: end };
}

/** The last `days` whole UTC days, today included. */
export function lastDays(now: number, days: number): TimeWindow {
  const end = Math.floor(now / DAY_MS) * DAY_MS + DAY_MS;
  return { from: end - days * DAY_MS, to: end };
}

export interface WindowStats extends OutcomeCounts {
  /** succeeded / (succeeded + failed); null when neither. Canceled runs are left out. */
  readonly successRate: number | null;
  /** Of succeeded and failed runs, as histogram bucket midpoints (within 12.5%). */
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
}

const NONE: OutcomeCounts = { succeeded: 0, failed: 0, canceled: 0 };

export function windowStats(outcome: DagOutcomes | undefined): WindowStats {
  const counts = outcome?.counts ?? NONE;
  const decided = counts.succeeded + counts.failed;
  const durations = mergeHistograms(outcome?.durations ?? []);
  const round = (value: number | null) => (value === null ? null : Math.round(value));
  return {
    succeeded: counts.succeeded,
    failed: counts.failed,
    canceled: counts.canceled,
    successRate: decided === 0 ? null : counts.succeeded / decided,
    p50Ms: round(histogramQuantile(durations, 0.5)),
    p95Ms: round(histogramQuantile(durations, 0.95)),
  };
}

/** Sums outcome counts. */
export function totalCounts(outcomes: readonly DagOutcomes[]): OutcomeCounts {
  let succeeded = 0;
  let failed = 0;
  let canceled = 0;
  for (const { counts } of outcomes) {
    succeeded += counts.succeeded;
    failed += counts.failed;
    canceled += counts.canceled;
  }
  return { succeeded, failed, canceled };
}

/** One entry per day of the window, oldest first, zeros where nothing finished. */
export function everyDay(
  window: TimeWindow,
  daily: readonly DailyOutcomes[],
): Array<OutcomeCounts & { day: string }> {
  const byDay = new Map(daily.map((d) => [d.day, d.counts]));
  const days: Array<OutcomeCounts & { day: string }> = [];
  for (let day = window.from; day < window.to; day += DAY_MS) {
    days.push({ day: new Date(day).toISOString().slice(0, 10), ...(byDay.get(day) ?? NONE) });
  }
  return days;
}
