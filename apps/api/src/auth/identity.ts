/**
 * SQL over the identity tables (users, role_bindings, api_tokens, refresh_tokens). Role bindings of kind
 * `user` name the user by username; kind `group` names an OIDC group (a value of the roles claim).
 */
import { randomUUID } from 'node:crypto';
import type { Grant, Role, Sql } from '../types.js';

export interface UserRow {
  readonly id: string;
  readonly username: string;
  readonly password_hash: string;
  readonly disabled: boolean;
  readonly must_change_password: boolean;
  /** Bumped by every password change or reset; access tokens of an older version are refused. */
  readonly credentials_version: number;
  /** Until when logins under this username are refused (from `login_failures`), if ever. */
  readonly locked_until: Date | string | null;
  readonly created_at: Date | string;
  readonly grants: Grant[];
}

export interface ApiTokenRow {
  readonly id: string;
  readonly user_id: string;
  /** The owner's username. */
  readonly username: string;
  readonly name: string;
  readonly prefix: string;
  readonly role: Role | null;
  readonly namespace: string | null;
  readonly expires_at: Date | string | null;
  readonly last_used_at: Date | string | null;
  readonly revoked_at: Date | string | null;
  readonly created_at: Date | string;
}

export interface RefreshRow {
  readonly id: string;
  readonly user_id: string;
  readonly family_id: string;
  /** The user's `credentials_version` when the token was issued. */
  readonly credentials_version: number;
  readonly expires_at: Date | string;
  readonly revoked_at: Date | string | null;
}

export const toMs = (value: Date | string | number | null | undefined): number | null =>
  value === null || value === undefined ? null : new Date(value).getTime();

export const toIso = (value: Date | string | number | null | undefined): string | null => {
  const ms = toMs(value);
  return ms === null ? null : new Date(ms).toISOString();
};

const USER_SELECT = `
  select u.id, u.username, u.password_hash, u.disabled, u.must_change_password, u.credentials_version,
         lf.locked_until, u.created_at,
         coalesce(json_agg(json_build_object('role', rb.role, 'namespace', rb.namespace)
                  order by rb.role, rb.namespace) filter (where rb.id is not null), '[]'::json) as grants
    from users u
    left join login_failures lf on lf.username = u.username
    left join role_bindings rb on rb.subject_kind = 'user' and rb.subject = u.username`;
const USER_GROUP_BY = 'group by u.id, lf.locked_until';

/** Normalises json columns that a driver may return as text. */
function withGrants(row: UserRow): UserRow {
  const grants = typeof row.grants === 'string' ? (JSON.parse(row.grants) as Grant[]) : row.grants;
  return { ...row, grants };
}

/** When failed logins lock a username, and for how long. */
export interface LockoutPolicy {
  readonly maxFailures: number;
  readonly lockMs: number;
  /** Failures further apart than this start the count again. */
  readonly windowMs: number;
}

export interface Identity {
  countUsers(): Promise<number>;
  userById(id: string): Promise<UserRow | undefined>;
  userByName(username: string): Promise<UserRow | undefined>;
  listUsers(): Promise<UserRow[]>;
  createUser(input: {
    username: string;
    passwordHash: string;
    mustChangePassword: boolean;
    grants: readonly Grant[];
  }): Promise<UserRow>;
  setDisabled(id: string, disabled: boolean): Promise<void>;
  setGrants(username: string, grants: readonly Grant[]): Promise<void>;
  /**
   * Replaces the password, bumps `credentials_version` (which refuses every access token issued before),
   * revokes every refresh token of the user and lifts a lockout of the username.
   */
  setPassword(id: string, passwordHash: string, mustChangePassword: boolean): Promise<void>;
  /** Until when logins under `username` are refused (ms since the epoch), or null. */
  loginLockedUntil(username: string): Promise<number | null>;
  /**
   * Counts a failed login under `username`, whether or not such a user exists. Failures older than
   * `windowMs` are forgotten; the `maxFailures`-th locks the username until `now + lockMs`.
   */
  recordFailedLogin(username: string, now: number, policy: LockoutPolicy): Promise<void>;
  /** Forgets the failures and lifts the lock of `username` (a successful login, an admin's unlock). */
  clearFailedLogins(username: string): Promise<void>;
  /** Deletes the failure rows last touched before `before` whose lock (if any) is over: guessed names pile up. */
  purgeLoginFailures(before: number): Promise<void>;
  groupGrants(groups: string[]): Promise<Grant[]>;

  insertApiToken(input: {
    userId: string;
    name: string;
    prefix: string;
    hash: string;
    role: Role | null;
    namespace: string | null;
    expiresAt: number | null;
  }): Promise<ApiTokenRow>;
  listApiTokens(userId: string | null): Promise<ApiTokenRow[]>;
  apiTokenById(id: string): Promise<ApiTokenRow | undefined>;
  apiTokenByHash(hash: string): Promise<ApiTokenRow | undefined>;
  revokeApiToken(id: string): Promise<void>;
  touchApiToken(id: string): Promise<void>;

  insertRefresh(input: {
    id?: string;
    userId: string;
    familyId: string;
    hash: string;
    expiresAt: number;
    credentialsVersion: number;
  }): Promise<string>;
  refreshByHash(hash: string): Promise<RefreshRow | undefined>;
  /** Marks a live refresh token used; false when it was already revoked (a reuse). */
  consumeRefresh(id: string, replacedBy: string | null): Promise<boolean>;
  revokeFamily(familyId: string): Promise<void>;
}

/** Token rows with their owner's username, from `api_tokens t join users u`. */
const TOKEN_COLUMNS = `t.id, t.user_id, u.username, t.name, t.prefix, t.role, t.namespace, t.expires_at,
  t.last_used_at, t.revoked_at, t.created_at`;
const TOKEN_SELECT = `select ${TOKEN_COLUMNS} from api_tokens t join users u on u.id = t.user_id`;

export function createIdentity(sql: Sql): Identity {
  const one = async <T>(text: string, params: unknown[]): Promise<T | undefined> =>
    (await sql<T>(text, params))[0];

  const setGrants = async (username: string, grants: readonly Grant[]): Promise<void> => {
    await sql(`delete from role_bindings where subject_kind = 'user' and subject = $1`, [username]);
    for (const g of grants) {
      await sql(
        `insert into role_bindings (id, subject_kind, subject, role, namespace)
         values ($1, 'user', $2, $3, $4) on conflict do nothing`,
        [randomUUID(), username, g.role, g.namespace],
      );
    }
  };

  const userById = async (id: string): Promise<UserRow | undefined> => {
    const row = await one<UserRow>(`${USER_SELECT} where u.id = $1 ${USER_GROUP_BY}`, [id]);
    return row && withGrants(row);
  };

  return {
    async countUsers() {
      const row = await one<{ n: string | number }>('select count(*) as n from users', []);
      return Number(row?.n ?? 0);
    },
    userById,
    async userByName(username) {
      const row = await one<UserRow>(`${USER_SELECT} where u.username = $1 ${USER_GROUP_BY}`, [username]);
      return row && withGrants(row);
    },
    async listUsers() {
      const rows = await sql<UserRow>(`${USER_SELECT} ${USER_GROUP_BY} order by u.username`);
      return rows.map(withGrants);
    },
    async createUser(input) {
      const id = randomUUID();
      await sql(
        `insert into users (id, username, password_hash, must_change_password) values ($1, $2, $3, $4)`,
        [id, input.username, input.passwordHash, input.mustChangePassword],
      );
      await setGrants(input.username, input.grants);
      const user = await userById(id);
      if (!user) throw new Error('user vanished after insert');
      return user;
    },
    async setDisabled(id, disabled) {
      await sql('update users set disabled = $2, updated_at = now() where id = $1', [id, disabled]);
      if (disabled) {
        await sql('update refresh_tokens set revoked_at = now() where user_id = $1 and revoked_at is null', [
          id,
        ]);
      }
    },
    setGrants,
    async setPassword(id, passwordHash, mustChangePassword) {
      const [row] = await sql<{ username: string }>(
        `update users set password_hash = $2, must_change_password = $3,
                credentials_version = credentials_version + 1, updated_at = now()
          where id = $1 returning username`,
        [id, passwordHash, mustChangePassword],
      );
      await sql('update refresh_tokens set revoked_at = now() where user_id = $1 and revoked_at is null', [
        id,
      ]);
      if (row) await sql('delete from login_failures where username = $1', [row.username]);
    },
    async loginLockedUntil(username) {
      const row = await one<{ locked_until: Date | string | null }>(
        'select locked_until from login_failures where username = $1',
        [username],
      );
      return toMs(row?.locked_until);
    },
    async recordFailedLogin(username, now, policy) {
      // One statement, so concurrent failures under one name all count. Times come from the caller's
      // clock, the same one that later compares them.
      await sql(
        `insert into login_failures as f (username, failures, last_failed_at, locked_until)
         values ($1, 1, $2, case when $3 <= 1 then $4::timestamptz end)
         on conflict (username) do update set
           failures = case when f.last_failed_at < $5 then 1 else f.failures + 1 end,
           last_failed_at = $2,
           locked_until = case when (case when f.last_failed_at < $5 then 1 else f.failures + 1 end) >= $3
                               then $4::timestamptz else f.locked_until end`,
        [
          username,
          new Date(now),
          policy.maxFailures,
          new Date(now + policy.lockMs),
          new Date(now - policy.windowMs),
        ],
      );
    },
    async clearFailedLogins(username) {
      await sql('delete from login_failures where username = $1', [username]);
    },
    async purgeLoginFailures(before) {
      await sql(
        'delete from login_failures where last_failed_at < $1 and (locked_until is null or locked_until < $1)',
        [new Date(before)],
      );
    },
    async groupGrants(groups) {
      if (groups.length === 0) return [];
      return sql<Grant>(
        `select role, namespace from role_bindings where subject_kind = 'group' and subject = any($1::text[])`,
        [groups],
      );
    },

    async insertApiToken(input) {
      const row = await one<ApiTokenRow>(
        `with t as (
           insert into api_tokens (id, user_id, name, prefix, token_hash, role, namespace, expires_at)
           values ($1, $2, $3, $4, $5, $6, $7, $8) returning *)
         select ${TOKEN_COLUMNS} from t join users u on u.id = t.user_id`,
        [
          randomUUID(),
          input.userId,
          input.name,
          input.prefix,
          input.hash,
          input.role,
          input.namespace,
          input.expiresAt === null ? null : new Date(input.expiresAt),
        ],
      );
      if (!row) throw new Error('token insert returned nothing');
      return row;
    },
    async listApiTokens(userId) {
      return userId === null
        ? sql<ApiTokenRow>(`${TOKEN_SELECT} order by t.created_at desc, t.id`)
        : sql<ApiTokenRow>(`${TOKEN_SELECT} where t.user_id = $1 order by t.created_at desc, t.id`, [userId]);
    },
    async apiTokenById(id) {
      return one<ApiTokenRow>(`${TOKEN_SELECT} where t.id = $1`, [id]);
    },
    async apiTokenByHash(hash) {
      return one<ApiTokenRow>(`${TOKEN_SELECT} where t.token_hash = $1`, [hash]);
    },
    async revokeApiToken(id) {
      await sql('update api_tokens set revoked_at = coalesce(revoked_at, now()) where id = $1', [id]);
    },
    async touchApiToken(id) {
      await sql('update api_tokens set last_used_at = now() where id = $1', [id]);
    },

    async insertRefresh(input) {
      const id = input.id ?? randomUUID();
      await sql(
        `insert into refresh_tokens (id, user_id, family_id, token_hash, expires_at, credentials_version)
         values ($1, $2, $3, $4, $5, $6)`,
        [id, input.userId, input.familyId, input.hash, new Date(input.expiresAt), input.credentialsVersion],
      );
      return id;
    },
    async refreshByHash(hash) {
      return one<RefreshRow>(
        `select id, user_id, family_id, credentials_version, expires_at, revoked_at
           from refresh_tokens where token_hash = $1`,
        [hash],
      );
    },
    async consumeRefresh(id, replacedBy) {
      const rows = await sql(
        `update refresh_tokens set revoked_at = now(), replaced_by = $2
          where id = $1 and revoked_at is null returning id`,
        [id, replacedBy],
      );
      return rows.length === 1;
    },
    async revokeFamily(familyId) {
      await sql('update refresh_tokens set revoked_at = coalesce(revoked_at, now()) where family_id = $1', [
        familyId,
      ]);
    },
  };
}
