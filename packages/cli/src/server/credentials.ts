/**
 * Where `kontroler login` keeps the server and its session: `$KONTROLER_CONFIG_DIR`, else
 * `$XDG_CONFIG_HOME/kontroler`, else `~/.config/kontroler`, in `credentials.json` with mode 0600 (the file
 * holds tokens; nobody else on the machine may read it).
 */
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** What is stored. */
export interface Credentials {
  readonly server: string;
  readonly username: string;
  readonly accessToken: string;
  readonly refreshToken?: string;
}

/** The credentials file for this environment. */
export function credentialsFile(env: Readonly<Record<string, string | undefined>>): string {
  const dir =
    env['KONTROLER_CONFIG_DIR'] ??
    join(env['XDG_CONFIG_HOME'] ?? join(env['HOME'] ?? homedir(), '.config'), 'kontroler');
  return join(dir, 'credentials.json');
}

export async function readCredentials(file: string): Promise<Credentials | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Credentials;
  } catch {
    return undefined;
  }
}

/** Writes the file with mode 0600, narrowing an existing file's mode too. */
export async function writeCredentials(file: string, credentials: Credentials): Promise<void> {
  await mkdir(join(file, '..'), { recursive: true, mode: 0o700 });
  await writeFile(file, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
}

export async function removeCredentials(file: string): Promise<boolean> {
  const existed = (await readCredentials(file)) !== undefined;
  await rm(file, { force: true });
  return existed;
}
