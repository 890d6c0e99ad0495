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
