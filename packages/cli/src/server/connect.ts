/**
 * The typed client of `@kontroler/client` for the server a command talks to: `--server`, else
 * `KONTROLER_SERVER`, else the one `login` stored; the token from `KONTROLER_TOKEN`, else the stored session
 * (renewed with its refresh token after a 401, and saved again). Server problems become `CliError`s that
 * show the problem's title, detail and field errors, never a stack trace.
 */
import { ApiProblem, createKontrolerClient, type KontrolerClient, type TokenSource } from '@kontroler/client';
import { CliError } from '../cli-error.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { credentialsFile, readCredentials, writeCredentials, type Credentials } from './credentials.js';

/** Where to connect and with what. */
export interface Connection {
  readonly client: KontrolerClient;
  readonly server: string;
}

const trim = (url: string) => url.replace(/\/+$/, '');

/** The server URL for this call, or a usage error naming the ways to give one. */
export async function serverUrl(io: CliIo, flag: string | undefined): Promise<string> {
  const stored = await readCredentials(credentialsFile(io.env));
  const url = flag ?? io.env['KONTROLER_SERVER'] ?? stored?.server;
  if (url === undefined || url === '') {
    throw CliError.usage(
      'no server: pass --server URL, set KONTROLER_SERVER, or run "kontroler login --server URL"',
    );
  }
  return trim(url);
}

/** A session that renews itself with the stored refresh token and saves what it gets. */
function storedSession(file: string, stored: Credentials, server: string): TokenSource {
  let current = stored;
  return {
    accessToken: () => current.accessToken,
    async refresh() {
      if (current.refreshToken === undefined) return false;
      const anonymous = createKontrolerClient({ baseUrl: server });
      const { data } = await anonymous.POST('/api/v1/auth/refresh', {
        body: { refreshToken: current.refreshToken },
      });
      if (data === undefined) return false;
      current = { ...current, accessToken: data.accessToken, refreshToken: data.refreshToken };
      await writeCredentials(file, current);
      return true;
    },
  };
}

/** Connects to the server, authenticated when there is a token for it. */
export async function connect(io: CliIo, flag: string | undefined): Promise<Connection> {
  const server = await serverUrl(io, flag);
  const fromEnv = io.env['KONTROLER_TOKEN'];
  if (fromEnv !== undefined && fromEnv !== '') {
    return { server, client: createKontrolerClient({ baseUrl: server, token: fromEnv }) };
  }
  const file = credentialsFile(io.env);
  const stored = await readCredentials(file);
  // A session is only sent to the server it was made for.
  const token =
    stored !== undefined && trim(stored.server) === server ? storedSession(file, stored, server) : undefined;
  return { server, client: createKontrolerClient({ baseUrl: server, ...(token ? { token } : {}) }) };
}

function exitFor(status: number): ExitCode {
  if (status === 0 || status >= 500) return EXIT.server;
  if (status === 401 || status === 403) return EXIT.auth;
  if (status === 404) return EXIT.notFound;
  return EXIT.failure;
}

/** A problem from the server as the error a command stops with: title, detail, then the fields at fault. */
export function problemError(problem: ApiProblem, server: string): CliError {
  const details: string[] = [];
  if (problem.detail && problem.detail !== problem.title) details.push(problem.detail);
  for (const e of problem.errors) {
    const where = [e.task, e.path].filter((x) => x !== undefined && x !== '').join(' ');
    const at = e.line !== undefined ? `${e.line}:${e.column ?? 1}  ` : '';
    details.push(`${at}${where === '' ? '' : `${where}  `}${e.message}`);
  }
  if (problem.status === 401) details.push('log in with "kontroler login", or set KONTROLER_TOKEN');
  if (problem.status === 0) details.push(`is the server at ${server} running?`);
  const title = problem.status === 0 ? 'the server could not be reached' : problem.title;
  return new CliError(title, exitFor(problem.status), details);
}

/** Runs a call, turning an `ApiProblem` into the command's error. */
export async function call<T>(connection: Connection, request: Promise<T>): Promise<T> {
  try {
    return await request;
  } catch (error) {
    if (error instanceof ApiProblem) throw problemError(error, connection.server);
    throw error;
  }
}
