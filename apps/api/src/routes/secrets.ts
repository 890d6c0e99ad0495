/**
 * Secrets admins manage (the one-process setup's secrets file): list names, set, delete. Values go in and
 * never come out — not in responses, not in the audit log, not in server logs.
 */
import { notFound } from '../problem.js';
import type { ManagedSecrets } from '../types.js';
import type { ApiContext, Handlers } from './context.js';
import { param } from './context.js';

const iso = (ms: number): string => new Date(ms).toISOString();

export function secretHandlers(ctx: ApiContext): Handlers {
  const { auditor } = ctx;
  const managed = (): ManagedSecrets => {
    const secrets = ctx.deps.secrets;
    if (secrets === undefined) {
      throw notFound(
        'SECRETS_NOT_MANAGED',
        'this server manages no secrets: its runtime reads them from its own source (e.g. Kubernetes Secrets)',
      );
    }
    return secrets;
  };

  return {
    async listSecrets(_req, res) {
      const secrets = managed();
      const items = await secrets.list();
      res.json({
        items: items.map((s) => ({ name: s.name, updatedAt: iso(s.updatedAt) })),
        store: secrets.description,
      });
    },

    async setSecret(req, res) {
      const name = param(req, 'name');
      const { value } = req.body as { value: string };
      const entry = await managed().set(name, value);
      await auditor.record(req, 'secret.set', name);
      res.json({ name: entry.name, updatedAt: iso(entry.updatedAt) });
    },

    async deleteSecret(req, res) {
      const name = param(req, 'name');
      if (!(await managed().delete(name)))
        throw notFound('SECRET_NOT_FOUND', `secret ${name} does not exist`);
      await auditor.record(req, 'secret.delete', name);
      res.status(204).end();
    },
  };
}
