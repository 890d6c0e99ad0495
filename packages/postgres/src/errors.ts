/**
 * Turns connection and migration failures into one-line STORE_UNAVAILABLE errors that say what to do.
 * Callers switch on `code`, never on the message.
 */
import { Errors, KontrolerError } from '@kontroler/core';

/** Where we tried to connect, without the password. */
export function describeTarget(url: string): string {
  try {
    const u = new URL(url);
    const db = decodeURIComponent(u.pathname.replace(/^\//, '')) || '(default)';
    return `${u.hostname}:${u.port || '5432'}/${db}`;
  } catch {
    return 'the configured database';
  }
}

function databaseName(url: string): string {
  try {
    return decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  } catch {
    return '';
  }
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  const errors = (error as { errors?: unknown }).errors;
  if (Array.isArray(errors)) return errorCode(errors[0]);
  return undefined;
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return (message.split('\n')[0] ?? '').trim();
}

/** True for errors that mean "the server is not reachable right now" (worth retrying). */
export function isConnectionError(error: unknown): boolean {
  const code = errorCode(error);
  if (code === undefined) {
    return /Connection terminated|connection timeout|Client has encountered a connection error/i.test(
      firstLine(error),
    );
  }
  return (
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH'].includes(
      code,
    ) ||
    code.startsWith('08') || // connection exception
    code === '57P01' || // admin shutdown
    code === '57P02' ||
    code === '57P03' // cannot connect now (starting up)
  );
}

/** Maps a connection failure to STORE_UNAVAILABLE with advice. */
export function connectionError(url: string, error: unknown): KontrolerError<'STORE_UNAVAILABLE'> {
  if (KontrolerError.is(error, 'STORE_UNAVAILABLE')) return error;
  const target = describeTarget(url);
  const code = errorCode(error);
  let message: string;
  switch (code) {
    case 'ECONNREFUSED':
      message = `PostgreSQL refused the connection at ${target}: start the server or fix DATABASE_URL`;
      break;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      message = `PostgreSQL host in ${target} does not resolve: fix the host name in DATABASE_URL`;
      break;
    case 'ETIMEDOUT':
      message = `PostgreSQL at ${target} did not answer in time: check the host, port and firewall`;
      break;
    case '28P01':
    case '28000':
      message = `PostgreSQL rejected the credentials for ${target}: fix the user name or password in DATABASE_URL`;
      break;
    case '3D000':
      message = `database "${databaseName(url)}" does not exist on ${target.split('/')[0]}: create it (createdb ${databaseName(url)}) or fix DATABASE_URL`;
      break;
    case '57P03':
      message = `PostgreSQL at ${target} is starting up or shutting down: retry in a moment`;
      break;
    default:
      message = `PostgreSQL at ${target} is unavailable (${firstLine(error)}): check that it runs and DATABASE_URL is right`;
  }
  return Errors.storeUnavailable(message, error);
}

/** The server's own words: the innermost cause, without the SQL text drivers put in front of it. */
function rootMessage(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 10; depth++) {
    const cause = current instanceof Error ? current.cause : undefined;
    if (!(cause instanceof Error)) break;
    current = cause;
  }
  const message = current instanceof Error ? current.message : String(current);
  const flat = message.replace(/\s+/g, ' ').trim();
  const dash = flat.lastIndexOf(' - ');
  return dash >= 0 ? flat.slice(dash + 3) : flat;
}

/** Maps a failed migration to STORE_UNAVAILABLE; nothing of the failed migration was applied. */
export function migrationError(name: string, error: unknown): KontrolerError<'STORE_UNAVAILABLE'> {
  return Errors.storeUnavailable(
    `database migration ${name} failed and was rolled back (${rootMessage(error)}): fix the database or the migration, then start again`,
    error,
  );
}
