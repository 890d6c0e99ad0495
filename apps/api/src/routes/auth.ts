/** Login, refresh, logout, the caller's account and API tokens. */
import { dummyPasswordHash, hashPassword, newApiToken, verifyPassword } from '../auth/crypto.js';
import { toMs, type LockoutPolicy } from '../auth/identity.js';
import { ApiError, badRequest, forbidden, notFound, unauthorized } from '../problem.js';
import { hasRole, highestRole, roleRank } from '../rbac/grants.js';
import type { Role } from '../types.js';
import { principal, queryBool, type ApiContext, type Handlers } from './context.js';
import { tokenDto, userDto } from './dto.js';

/** Failed logins under one username (existing or not): 5 within 15 minutes lock it for 15 minutes. */
const LOCKOUT: LockoutPolicy = { maxFailures: 5, lockMs: 15 * 60_000, windowMs: 15 * 60_000 };
/** Every this many failures, the failure rows of names nobody tried for a while are deleted. */
const PURGE_EVERY = 100;

export function authHandlers(ctx: ApiContext): Handlers {
  const { identity, authenticator, auditor, now } = ctx;
  let failures = 0;

  return {
    async login(req, res) {
      const { username, password } = req.body as { username: string; password: string };
      const address = `address:${req.ip ?? ''}`;
      const wait = ctx.loginLimiter.wait(address);
      if (wait > 0) {
        throw new ApiError(
          429,
          'RATE_LIMITED',
          'too many failed logins from this address; try again later',
          undefined,
          {
            'Retry-After': String(wait),
          },
        );
      }
      const [user, lockedUntil] = await Promise.all([
        identity.userByName(username),
        identity.loginLockedUntil(username),
      ]);
      // The scrypt work is done for every attempt (unknown user, locked or not), and the lockout is kept
      // by the name that was typed: neither the answer nor its timing tells whether the user exists.
      const matches = await verifyPassword(
        password,
        user?.password_hash ?? (await dummyPasswordHash(ctx.scryptN)),
      );
      const at = now();
      if (lockedUntil !== null && lockedUntil > at) {
        await auditor.record(req, 'auth.login-failed', username, { reason: 'locked' }, username);
        throw new ApiError(
          429,
          'ACCOUNT_LOCKED',
          'too many failed logins for this username; try again later',
          undefined,
          {
            'Retry-After': String(Math.ceil((lockedUntil - at) / 1000)),
          },
        );
      }
      if (!user || !matches) {
        ctx.loginLimiter.hit(address);
        await identity.recordFailedLogin(username, at, LOCKOUT);
        failures += 1;
        if (failures % PURGE_EVERY === 0) await identity.purgeLoginFailures(at - LOCKOUT.windowMs);
        const reason = user ? 'wrong password' : 'unknown user';
        await auditor.record(req, 'auth.login-failed', username, { reason }, username);
        throw new ApiError(401, 'INVALID_CREDENTIALS', 'wrong username or password');
      }
      if (user.disabled) {
        await auditor.record(req, 'auth.login-failed', username, { reason: 'disabled' }, username);
        throw new ApiError(401, 'USER_DISABLED', 'this user is disabled');
      }
      await identity.clearFailedLogins(username);
      const session = await authenticator.issueSession(user);
      await auditor.record(req, 'auth.login', username, undefined, username);
      res.json({ ...session, user: userDto(user, at) });
    },

    async refresh(req, res) {
      const { refreshToken } = req.body as { refreshToken: string };
      const { session, user } = await authenticator.refresh(refreshToken);
      res.json({ ...session, user: userDto(user, now()) });
    },

    async logout(req, res) {
      const p = principal(req);
      const token = (req.body as { refreshToken?: string } | undefined)?.refreshToken;
      if (token) await authenticator.logout(token, p.userId);
      await auditor.record(req, 'auth.logout', p.username);
      res.status(204).end();
    },

    async getMe(req, res) {
      const p = principal(req);
      const user = p.userId !== null ? await identity.userById(p.userId) : undefined;
      if (user && p.kind === 'user') {
        res.json(userDto(user, now()));
        return;
      }
      // API tokens and OIDC subjects: the effective grants of this credential.
      res.json({
        id: p.userId ?? `oidc:${p.username}`,
        username: p.username,
        roles: p.grants.map((g) => ({ role: g.role, namespace: g.namespace })),
        disabled: false,
        mustChangePassword: false,
        lockedUntil: null,
        createdAt: new Date(user ? (toMs(user.created_at) ?? 0) : 0).toISOString(),
      });
    },

    async changePassword(req, res) {
      const p = principal(req);
      if (p.kind !== 'user' || p.userId === null) throw forbidden('only local users have a password');
      const { currentPassword, newPassword } = req.body as { currentPassword: string; newPassword: string };
      const user = await identity.userById(p.userId);
      if (!user) throw unauthorized();
      if (!(await verifyPassword(currentPassword, user.password_hash))) {
        throw new ApiError(400, 'INVALID_CURRENT_PASSWORD', 'the current password is wrong', [
          { path: '/body/currentPassword', message: 'wrong password', code: 'INVALID_CURRENT_PASSWORD' },
        ]);
      }
      if (currentPassword === newPassword) {
        throw badRequest('the new password must differ from the current one', [
          { path: '/body/newPassword', message: 'unchanged', code: 'PASSWORD_UNCHANGED' },
        ]);
      }
      // Ends every session of the user (other devices, a stolen token); the caller gets a fresh one.
      await identity.setPassword(user.id, await hashPassword(newPassword, ctx.scryptN), false);
      authenticator.forget(user.id);
      await auditor.record(req, 'user.change-password', user.username);
      const changed = await identity.userById(user.id);
      if (!changed) throw unauthorized();
      const session = await authenticator.issueSession(changed);
      res.json({ ...session, user: userDto(changed, now()) });
    },

    async listTokens(req, res) {
      const p = principal(req);
      const all = queryBool(req, 'all');
      if (all && !hasRole(p, 'admin', null)) throw forbidden('only admins may list every token');
      if (!all && p.userId === null) {
        res.json({ items: [], nextCursor: null });
        return;
      }
      const rows = await identity.listApiTokens(all ? null : p.userId);
      res.json({ items: rows.map(tokenDto), nextCursor: null });
    },

    async createToken(req, res) {
      const p = principal(req);
      if (p.userId === null) throw forbidden('API tokens belong to local users');
      const body = req.body as { name: string; role?: Role; namespace?: string; expiresInDays?: number };
      const namespace = body.namespace ?? null;
      // The ceiling is what the caller holds in exactly that scope: global grants for a global token.
      const ceiling = highestRole(p.grants, namespace);
      const role = body.role ?? ceiling;
      if (role === undefined || ceiling === undefined || roleRank(role) > roleRank(ceiling)) {
        const scope = namespace ? `in namespace ${namespace}` : 'globally';
        throw forbidden(`you do not hold role ${role ?? 'viewer'} ${scope}`);
      }
      const token = newApiToken();
      const row = await identity.insertApiToken({
        userId: p.userId,
        name: body.name,
        prefix: token.prefix,
        hash: token.hash,
        role,
        namespace,
        expiresAt: body.expiresInDays !== undefined ? now() + body.expiresInDays * 86_400_000 : null,
      });
      await auditor.record(req, 'token.create', row.id, { name: body.name, role, namespace });
      res.status(201).json({ ...tokenDto(row), token: token.token });
    },

    async deleteToken(req, res) {
      const p = principal(req);
      const id = String(req.params.id);
      const row = /^[0-9a-f-]{36}$/i.test(id) ? await identity.apiTokenById(id) : undefined;
      if (!row || (row.user_id !== p.userId && !hasRole(p, 'admin', null))) {
        throw notFound('TOKEN_NOT_FOUND', `token ${id} does not exist`);
      }
      await identity.revokeApiToken(row.id);
      await auditor.record(req, 'token.revoke', row.id, { name: row.name });
      res.status(204).end();
    },
  };
}
