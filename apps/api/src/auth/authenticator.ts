/**
 * Turns a bearer credential into a Principal. Three kinds are accepted:
 * - access JWTs we signed (HS256, 15 min), verified by a passport-jwt strategy;
 * - API tokens `kt_…`, looked up by SHA-256 hash, scoped no higher than their owner;
 * - JWTs from the configured OIDC issuer, verified against its JWKS with jose.
 * Disabled users are refused whichever credential they present.
 */
import { createSecretKey, randomUUID } from 'node:crypto';
import type { Request } from 'express';
import { createRemoteJWKSet, decodeJwt, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import { Passport } from 'passport';
import { ExtractJwt, Strategy as JwtStrategy } from 'passport-jwt';
import type { Logger } from '@kontroler/core';
import { unauthorized } from '../problem.js';
import { narrowGrants, parseRoleClaim } from '../rbac/grants.js';
import type { AuthOptions, Grant, Principal } from '../types.js';
import { API_TOKEN_PREFIX, isApiTokenFormat, newRefreshToken, sha256 } from './crypto.js';
import { toMs, type Identity, type UserRow } from './identity.js';

export const ACCESS_ISSUER = 'kontroler';
export const ACCESS_AUDIENCE = 'kontroler-api';

export interface Session {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly expiresIn: number;
}

export interface Authenticator {
  /** The caller, `undefined` without a credential; throws 401 for a bad one. */
  authenticate(req: Request): Promise<Principal | undefined>;
  /** A fresh access token and a refresh token of a new family (`familyId` keeps an existing one). */
  issueSession(user: UserRow, familyId?: string): Promise<Session>;
  /** Rotates a refresh token; a reused (already rotated) one revokes its whole family. */
  refresh(refreshToken: string): Promise<{ session: Session; user: UserRow }>;
  /** Revokes the refresh token's family (logout). Unknown tokens are ignored. */
  logout(refreshToken: string, userId: string | null): Promise<void>;
  /** Drops a user from the lookup cache after a change (disable, roles, password). */
  forget(userId: string): void;
}

/**
 * How long a user looked up for an access token is reused. Changes made through this process are seen at
 * once (`forget`); other replicas see them within this time.
 */
export const USER_CACHE_MS = 2000;

/** How long a verified access token is remembered (it is still checked for expiry on every use). */
const VERIFIED_TOKEN_MS = 60_000;

type Payload = JWTPayload & { sub?: string; cv?: unknown };

/** The credentials version an access token was issued under; tokens from before the claim existed: 0. */
const credentialsVersion = (payload: Payload): number => (typeof payload.cv === 'number' ? payload.cv : 0);

/** Why a user's access token is refused, or undefined when it is accepted. */
function refusal(user: UserRow | undefined, version: number): string | undefined {
  if (!user) return 'unknown user';
  if (user.disabled) return 'user is disabled';
  // A password change or reset bumps the version: every token issued before it is refused.
  if (user.credentials_version !== version) return 'the password changed since this token was issued';
  return undefined;
}

export function userPrincipal(user: UserRow): Principal {
  return {
    kind: 'user',
    userId: user.id,
    username: user.username,
    grants: user.grants,
    mustChangePassword: user.must_change_password,
  };
}

/** Reads a possibly dotted claim path (`realm_access.roles`) as a list of strings. */
function claimValues(payload: JWTPayload, path: string): string[] {
  let value: unknown = payload;
  for (const key of path.split('.')) {
    value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
  }
  if (typeof value === 'string') return value.split(/[\s,]+/).filter(Boolean);
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

export function createAuthenticator(deps: {
  identity: Identity;
  options: AuthOptions;
  now: () => number;
  logger: Logger;
}): Authenticator {
  const { identity, options, now, logger } = deps;
  const secret = new TextEncoder().encode(options.jwtSecret);
  const accessTtl = options.accessTtlSeconds ?? 900;
  const refreshTtl = options.refreshTtlSeconds ?? 30 * 24 * 3600;
  const oidc = options.oidc;
  const jwks = oidc ? createRemoteJWKSet(new URL(oidc.jwksUrl)) : undefined;

  const users = new Map<string, { at: number; user: Promise<UserRow | undefined> }>();
  const cachedUser = (id: string): Promise<UserRow | undefined> => {
    const hit = users.get(id);
    if (hit && now() - hit.at < USER_CACHE_MS) return hit.user;
    if (users.size > 10_000) users.clear();
    const user = identity.userById(id);
    users.set(id, { at: now(), user });
    user.catch(() => users.delete(id));
    return user;
  };

  /**
   * Access JWTs whose signature and claims passport-jwt has verified, by token: a repeat request skips the
   * HMAC and claim checks (not the user lookup, so disabled users and tokens from before a password change
   * are still refused). An entry is used only while the token is unexpired by jsonwebtoken's own rule
   * (whole seconds of the real clock), and for at most VERIFIED_TOKEN_MS.
   */
  const verified = new Map<string, { sub: string; cv: number; exp: number; until: number }>();

  function verifiedUser(sub: string, version: number): Promise<Principal> {
    return cachedUser(sub).then((user) => {
      const reason = refusal(user, version);
      if (reason !== undefined || !user) throw unauthorized(reason);
      return userPrincipal(user);
    });
  }

  const passport = new Passport();
  passport.use(
    'access',
    new JwtStrategy(
      {
        jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
        // A KeyObject: jsonwebtoken would otherwise try (and fail) to parse the string as a public key on
        // every request, which costs more than the verification itself.
        secretOrKey: createSecretKey(Buffer.from(options.jwtSecret)) as unknown as Buffer,
        algorithms: ['HS256'],
        issuer: ACCESS_ISSUER,
        audience: ACCESS_AUDIENCE,
      },
      (payload: Payload, done: (err: unknown, user?: Principal | false, info?: unknown) => void) => {
        if (typeof payload.sub !== 'string' || payload.typ !== 'access') {
          done(null, false, { message: 'not an access token' });
          return;
        }
        const version = credentialsVersion(payload);
        cachedUser(payload.sub).then(
          (user) => {
            const reason = refusal(user, version);
            if (reason !== undefined || !user) done(null, false, { message: reason });
            else done(null, userPrincipal(user));
          },
          (error: unknown) => done(error),
        );
      },
    ),
  );

  function viaPassport(req: Request): Promise<Principal> {
    return new Promise((resolve, reject) => {
      const handler = passport.authenticate(
        'access',
        { session: false },
        (err: unknown, user: Principal | false, info: unknown) => {
          if (err) reject(err instanceof Error ? err : new Error('authentication failed'));
          else if (!user) {
            const message =
              info instanceof Error || (typeof info === 'object' && info !== null && 'message' in info)
                ? String((info as { message: unknown }).message)
                : 'invalid token';
            reject(unauthorized(message === 'jwt expired' ? 'token expired' : message));
          } else resolve(user);
        },
      ) as (req: Request, res: unknown, next: (err?: unknown) => void) => void;
      handler(req, req.res, (err?: unknown) => reject(err instanceof Error ? err : unauthorized()));
    });
  }

  async function viaApiToken(token: string): Promise<Principal> {
    if (!isApiTokenFormat(token)) throw unauthorized('malformed API token');
    const row = await identity.apiTokenByHash(sha256(token));
    if (!row) throw unauthorized('unknown API token');
    if (row.revoked_at !== null) throw unauthorized('API token revoked');
    const expiresAt = toMs(row.expires_at);
    if (expiresAt !== null && expiresAt <= now()) throw unauthorized('API token expired');
    const owner = await identity.userById(row.user_id);
    if (!owner || owner.disabled) throw unauthorized('user is disabled');
    const lastUsed = toMs(row.last_used_at);
    if (lastUsed === null || now() - lastUsed > 60_000) {
      identity.touchApiToken(row.id).catch((error: unknown) => logger.warn({ err: error }, 'token touch'));
    }
    return {
      kind: 'token',
      userId: owner.id,
      username: owner.username,
      tokenId: row.id,
      grants: narrowGrants(owner.grants, { role: row.role, namespace: row.namespace }),
      mustChangePassword: false,
    };
  }

  async function viaOidc(token: string): Promise<Principal> {
    if (!oidc || !jwks) throw unauthorized('unknown token issuer');
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, jwks, { issuer: oidc.issuer, audience: oidc.audience }));
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      throw unauthorized(code === 'ERR_JWT_EXPIRED' ? 'token expired' : 'invalid OIDC token');
    }
    const username =
      (typeof payload.preferred_username === 'string' && payload.preferred_username) ||
      (typeof payload.email === 'string' && payload.email) ||
      payload.sub;
    if (!username) throw unauthorized('OIDC token has no subject');
    const values = claimValues(payload, oidc.rolesClaim);
    const direct = values.map(parseRoleClaim).filter((g): g is Grant => g !== undefined);
    const local = await identity.userByName(username);
    if (local?.disabled) throw unauthorized('user is disabled');
    const grants = [...direct, ...(await identity.groupGrants(values)), ...(local?.grants ?? [])];
    return { kind: 'oidc', userId: local?.id ?? null, username, grants, mustChangePassword: false };
  }

  async function signAccess(user: UserRow): Promise<string> {
    const issuedAt = Math.floor(now() / 1000);
    return new SignJWT({ typ: 'access', name: user.username, cv: user.credentials_version })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(user.id)
      .setIssuer(ACCESS_ISSUER)
      .setAudience(ACCESS_AUDIENCE)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + accessTtl)
      .setJti(randomUUID())
      .sign(secret);
  }

  async function newRefresh(user: UserRow, familyId: string, id?: string): Promise<string> {
    const refresh = newRefreshToken();
    await identity.insertRefresh({
      ...(id !== undefined ? { id } : {}),
      userId: user.id,
      familyId,
      hash: refresh.hash,
      expiresAt: now() + refreshTtl * 1000,
      credentialsVersion: user.credentials_version,
    });
    return refresh.token;
  }

  async function issueSession(user: UserRow, familyId: string = randomUUID()): Promise<Session> {
    return {
      accessToken: await signAccess(user),
      refreshToken: await newRefresh(user, familyId),
      expiresIn: accessTtl,
    };
  }

  return {
    async authenticate(req) {
      const header = req.headers.authorization;
      if (header === undefined || header === '') return undefined;
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (!match?.[1]) throw unauthorized('expected "Authorization: Bearer <token>"');
      const token = match[1];
      if (token.startsWith(API_TOKEN_PREFIX)) return viaApiToken(token);
      const hit = verified.get(token);
      if (hit) {
        const nowMs = Date.now();
        if (nowMs < hit.until && Math.floor(nowMs / 1000) < hit.exp) return verifiedUser(hit.sub, hit.cv);
        verified.delete(token);
      }
      let payload: JWTPayload;
      try {
        payload = decodeJwt(token);
      } catch {
        throw unauthorized('malformed token');
      }
      const issuer = payload.iss;
      if (issuer === ACCESS_ISSUER) {
        const principal = await viaPassport(req);
        // passport-jwt verified this very string, so its decoded claims are the verified ones.
        if (typeof payload.sub === 'string' && typeof payload.exp === 'number') {
          if (verified.size >= 10_000) verified.clear();
          verified.set(token, {
            sub: payload.sub,
            cv: credentialsVersion(payload),
            exp: payload.exp,
            until: Date.now() + VERIFIED_TOKEN_MS,
          });
        }
        return principal;
      }
      if (oidc && issuer === oidc.issuer) return viaOidc(token);
      throw unauthorized('unknown token issuer');
    },

    issueSession,

    async refresh(refreshToken) {
      const row = await identity.refreshByHash(sha256(refreshToken));
      if (!row) throw unauthorized('unknown refresh token');
      if (row.revoked_at !== null) {
        await identity.revokeFamily(row.family_id);
        logger.warn({ userId: row.user_id, family: row.family_id }, 'refresh token reuse: family revoked');
        throw unauthorized('refresh token already used; the session was revoked');
      }
      if ((toMs(row.expires_at) ?? 0) <= now()) throw unauthorized('refresh token expired');
      const user = await identity.userById(row.user_id);
      if (!user || user.disabled) throw unauthorized('user is disabled');
      // Issued before a password change (one that raced the change's revocation): the session is over.
      if (row.credentials_version !== user.credentials_version) {
        await identity.revokeFamily(row.family_id);
        throw unauthorized('the password changed since this session began; sign in again');
      }
      const nextId = randomUUID();
      if (!(await identity.consumeRefresh(row.id, nextId))) {
        await identity.revokeFamily(row.family_id);
        throw unauthorized('refresh token already used; the session was revoked');
      }
      const session: Session = {
        accessToken: await signAccess(user),
        refreshToken: await newRefresh(user, row.family_id, nextId),
        expiresIn: accessTtl,
      };
      return { session, user };
    },

    forget(userId) {
      users.delete(userId);
    },

    async logout(refreshToken, userId) {
      const row = await identity.refreshByHash(sha256(refreshToken));
      if (row && (userId === null || row.user_id === userId)) await identity.revokeFamily(row.family_id);
    },
  };
}
