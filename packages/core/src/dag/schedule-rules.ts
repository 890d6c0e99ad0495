/** Cron and time zone checks. croner parses with `Date` and `Intl` only, so this runs in a browser. */
import { CronPattern } from 'croner';
import type { DagIssue } from './issues.js';

/** Nicknames we accept besides 5- and 6-field expressions (croner's set, minus `@reboot`). */
const NICKNAMES = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);

/** Why `expression` is not a schedule we accept, or `undefined` when it is. */
export function cronProblem(expression: string): string | undefined {
  const trimmed = expression.trim();
  if (trimmed.startsWith('@')) {
    return NICKNAMES.has(trimmed.toLowerCase()) ? undefined : `unknown cron nickname "${trimmed}"`;
  }
  try {
    new CronPattern(trimmed, undefined, { mode: '5-or-6-parts' });
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message.replace(/^CronPattern: /, '') : String(error);
  }
}

/** Whether `zone` is an IANA time zone this runtime knows. */
export function isTimeZone(zone: string): boolean {
  if (zone === '') return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** INVALID_CRON / INVALID_TIMEZONE. An empty or absent schedule means "only when triggered". */
export function checkSchedule(schedule: unknown, timezone: unknown): DagIssue[] {
  const issues: DagIssue[] = [];
  if (typeof schedule === 'string' && schedule.trim() !== '') {
    const problem = cronProblem(schedule);
    if (problem !== undefined) {
      issues.push({
        code: 'INVALID_CRON',
        path: '/schedule',
        message: `schedule "${schedule}" is invalid: ${problem}`,
      });
    }
  }
  if (typeof timezone === 'string' && !isTimeZone(timezone)) {
    issues.push({
      code: 'INVALID_TIMEZONE',
      path: '/timezone',
      message: `timezone "${timezone}" is not a known IANA time zone`,
    });
  }
  return issues;
}
