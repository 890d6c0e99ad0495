/** User management and the audit log: global admins only (see rbac/rules.ts). */
import { hashPassword } from '../auth/crypto.js';
import { ApiError, conflict, notFound } from '../problem.js';
import type { Grant } from '../types.js';
import { pageLimit, principal, queryString, type ApiContext, type Handlers } from './context.js';
import { userDto } from './dto.js';

const isUuid = (id: string): boolean =>
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);

function uniqueGrants(grants: readonly Grant[] | undefined): Grant[] {
  const seen = new Map<string, Grant>();
  for (const g of grants ?? [])
    seen.set(`${g.role}|${g.namespace ?? ''}`, { role: g.role, namespace: g.namespace ?? null });
  return [...seen.values()];
}

export function adminHandlers(ctx: ApiContext): Handlers {
  const { identity, auditor, now } = ctx;
  const userOr404 = async (id: string) => {
    const user = isUuid(id) ? await identity.userById(id) : undefined;
    if (!user) throw notFound('USER_NOT_FOUND', `user ${id} does not exist`);
    return user;
  };

  return {
    async listUsers(req, res) {
      const limit = pageLimit(req);
      const after = queryString(req, 'cursor');
      const all = await identity.listUsers();
      const rest = after === undefined ? all : all.filter((u) => u.username > after);
      const items = rest.slice(0, limit);
      const last = items[items.length - 1];
      res.json({
        items: items.map((u) => userDto(u, now())),
        nextCursor: rest.length > limit && last ? last.username : null,
      });
    },

    async createUser(req, res) {
      const body = req.body as { username: string; password: string; roles?: Grant[] };
      if (await identity.userByName(body.username)) {
        throw conflict('USER_EXISTS', `user ${body.username} already exists`);
      }
      const user = await identity.createUser({
        username: body.username,
        passwordHash: await hashPassword(body.password, ctx.scryptN),
        mustChangePassword: true,
        grants: uniqueGrants(body.roles),
      });
      await auditor.record(req, 'user.create', user.username, { roles: user.grants });
      res.status(201).json(userDto(user, now()));
    },

    async updateUser(req, res) {
      const user = await userOr404(String(req.params.id));
      const body = req.body as { disabled?: boolean; roles?: Grant[] };
      const self = principal(req).userId === user.id;
      const keepsAdmin = (body.roles ?? user.grants).some(
        (g) => g.role === 'admin' && (g.namespace ?? null) === null,
      );
      if (self && (body.disabled === true || !keepsAdmin)) {
        throw new ApiError(409, 'SELF_LOCKOUT', 'you cannot disable yourself or drop your own admin role');
      }
      if (body.disabled !== undefined && body.disabled !== user.disabled) {
        await identity.setDisabled(user.id, body.disabled);
      }
      if (body.roles !== undefined) await identity.setGrants(user.username, uniqueGrants(body.roles));
      ctx.authenticator.forget(user.id);
      await auditor.record(req, 'user.update', user.username, { ...body });
      res.json(userDto(await userOr404(user.id), now()));
    },

    async resetUserPassword(req, res) {
      const user = await userOr404(String(req.params.id));
      const { password } = req.body as { password: string };
      // Also ends the user's sessions: earlier access tokens are refused, refresh tokens revoked.
      await identity.setPassword(user.id, await hashPassword(password, ctx.scryptN), true);
      ctx.authenticator.forget(user.id);
      await auditor.record(req, 'user.reset-password', user.username);
      res.status(204).end();
    },

    async unlockUser(req, res) {
      const user = await userOr404(String(req.params.id));
      await identity.clearFailedLogins(user.username);
      ctx.authenticator.forget(user.id);
      await auditor.record(req, 'user.unlock', user.username);
      res.json(userDto(await userOr404(user.id), now()));
    },

    async listAudit(req, res) {
      const actor = queryString(req, 'actor');
      const action = queryString(req, 'action');
      const cursor = queryString(req, 'cursor');
      res.json(
        await auditor.list(
          { ...(actor ? { actor } : {}), ...(action ? { action } : {}) },
          { limit: pageLimit(req), ...(cursor ? { cursor } : {}) },
        ),
      );
    },
  };
}
