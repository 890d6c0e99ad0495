/**
 * Which cron ticks are due, decided purely: no clock read, no I/O. Cron expressions are croner's (5 or 6
 * fields, `@daily`-style nicknames), evaluated in an IANA time zone.
 */
import { Cron } from 'croner';

function cronOf(expression: string, timezone: string | undefined): Cron {
  return new Cron(expression, { timezone: timezone ?? 'UTC', paused: true });
}

/**
 * The ticks in `(lastTick, now]`, oldest first, at most the `maxCatchUp` most recent ones (older missed
 * ticks are dropped, as a CronJob's bounded catch-up does). With no `lastTick`, nothing is due (the
 * scheduler passes the time a schedule was saved as the `lastTick` of a schedule that never fired).
 */
export function dueTicks(
  cron: string,
  timezone: string | undefined,
  lastTick: number | null,
  now: number,
  maxCatchUp: number,
): number[] {
  const limit = Math.max(0, Math.floor(maxCatchUp));
  if (lastTick === null || limit === 0 || now <= lastTick) return [];
  // croner works in whole seconds: a reference 1 s later makes a tick exactly at `now` count.
  const previous = cronOf(cron, timezone).previousRuns(limit, new Date(now + 1000));
  return previous
    .map((date) => date.getTime())
    .filter((tick) => tick > lastTick && tick <= now)
    .sort((a, b) => a - b);
}

/**
 * The next `count` ticks strictly after `after`, oldest first. The scheduler arms its timer with the first
 * and fires each one it reaches; the API advertises them as `nextRunAt` and `nextRuns`. One function for
 * both, so the time a user is shown is the time a run is made for.
 */
export function upcomingTicks(
  cron: string,
  timezone: string | undefined,
  after: number,
  count: number,
): number[] {
  const limit = Math.max(0, Math.floor(count));
  if (limit === 0) return [];
  return cronOf(cron, timezone)
    .nextRuns(limit, new Date(after))
    .map((date) => date.getTime());
}

/** The first tick strictly after `after`, or null when the expression has none. */
export function nextTick(cron: string, timezone: string | undefined, after: number): number | null {
  return upcomingTicks(cron, timezone, after, 1)[0] ?? null;
}

/** The latest tick at or before `now`, or null. */
export function latestTick(cron: string, timezone: string | undefined, now: number): number | null {
  return (
    cronOf(cron, timezone)
      .previousRuns(1, new Date(now + 1000))[0]
      ?.getTime() ?? null
  );
}

/**
 * The ticks in `[from, to)`, oldest first, at most `max` (a backfill's range). `truncated` says that more
 * ticks were left out. The same croner evaluation as the scheduler's, so a backfilled tick is exactly the
 * time the scheduler would have fired, and its idempotency key the same.
 */
export function ticksBetween(
  cron: string,
  timezone: string | undefined,
  from: number,
  to: number,
  max: number,
): { ticks: number[]; truncated: boolean } {
  const limit = Math.max(0, Math.floor(max));
  const ticks: number[] = [];
  if (to <= from) return { ticks, truncated: false };
  // croner's "next after" is strict and works in whole seconds: start just before `from`.
  let after = from - 1;
  while (ticks.length <= limit) {
    const batch = upcomingTicks(cron, timezone, after, Math.min(500, limit + 1 - ticks.length));
    if (batch.length === 0) break;
    for (const tick of batch) {
      if (tick >= to) return { ticks, truncated: false };
      if (tick >= from) ticks.push(tick);
    }
    after = batch[batch.length - 1] as number;
    if (ticks.length > limit) break;
  }
  return ticks.length > limit
    ? { ticks: ticks.slice(0, limit), truncated: true }
    : { ticks, truncated: false };
}
