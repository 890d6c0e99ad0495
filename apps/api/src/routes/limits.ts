/**
 * Run limits of a namespace (docs/run-limits.md): read by anyone who may read the namespace, set
 * by an admin. Setting a limit starts the queued runs that now fit at once (the run service admits them);
 * lowering it stops nothing that runs, it only holds back what is queued.
 */
import type { NamespaceLimits } from '@kontroler/core';
import { notFound } from '../problem.js';
import { authorize, param, type ApiContext, type Handlers } from './context.js';

export function limitHandlers(ctx: ApiContext): Handlers {
  const { store, engine, auditor } = ctx;
  const hidden = (namespace: string) => () =>
    notFound('NAMESPACE_NOT_FOUND', `namespace ${namespace} does not exist or is not visible`);

  async function dto(namespace: string, limits: NamespaceLimits | undefined) {
    const counts = await store.countActiveRuns({ namespaces: [namespace] });
    return {
      namespace,
      maxActiveRuns: limits?.maxActiveRuns ?? null,
      queued: counts['queued'] ?? 0,
      active: (counts['pending'] ?? 0) + (counts['running'] ?? 0),
      updatedAt: limits === undefined ? null : new Date(limits.updatedAt).toISOString(),
      updatedBy: limits?.updatedBy ?? null,
    };
  }

  return {
    async getNamespaceLimits(req, res) {
      const namespace = param(req, 'namespace');
      authorize(req, 'viewer', namespace, hidden(namespace));
      res.json(await dto(namespace, await store.getNamespaceLimits(namespace)));
    },

    async putNamespaceLimits(req, res) {
      const namespace = param(req, 'namespace');
      const p = authorize(req, 'admin', namespace, hidden(namespace));
      const { maxActiveRuns } = req.body as { maxActiveRuns: number | null };
      const limits = await store.setNamespaceLimits({
        namespace,
        maxActiveRuns,
        now: ctx.now(),
        updatedBy: p.username,
      });
      await auditor.record(req, 'namespace.limits', namespace, { maxActiveRuns });
      await engine.admitQueued(namespace);
      res.json(await dto(namespace, limits));
    },
  };
}
