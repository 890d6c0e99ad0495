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
 * ticks are dropped, as a CronJob's bounded catch-up does). With no `lastTick` (a schedule never fired),
 * nothing is due: the schedule starts from now.
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

/** The first tick strictly after `after`, or null when the expression has none. */
export function nextTick(cron: string, timezone: string | undefined, after: number): number | null {
  return cronOf(cron, timezone).nextRun(new Date(after))?.getTime() ?? null;
}

/** The latest tick at or before `now`, or null. */
export function latestTick(cron: string, timezone: string | undefined, now: number): number | null {
  return (
    cronOf(cron, timezone)
      .previousRuns(1, new Date(now + 1000))[0]
      ?.getTime() ?? null
  );
}
