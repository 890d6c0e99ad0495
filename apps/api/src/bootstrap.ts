/** First start: with no users at all, create `admin` with a random one-time password. */
import { hashPassword, randomPassword } from './auth/crypto.js';
import { createIdentity } from './auth/identity.js';
import type { Sql } from './types.js';

/** Returns the one-time password when the admin was created now, else `undefined`. */
export async function ensureAdmin(sql: Sql, scryptN?: number): Promise<string | undefined> {
  const identity = createIdentity(sql);
  if ((await identity.countUsers()) > 0) return undefined;
  const password = randomPassword();
  await identity.createUser({
    username: 'admin',
    passwordHash: await hashPassword(password, scryptN),
    mustChangePassword: true,
    grants: [{ role: 'admin', namespace: null }],
  });
  await sql(`insert into audit_log (actor, action, target) values ('system', 'user.create', 'admin')`);
  return password;
}
