/** Liveness, readiness and the OpenAPI document: no credentials needed. */
import { ApiError } from '../problem.js';
import type { ApiContext, Handlers } from './context.js';

export function healthHandlers(ctx: ApiContext): Handlers {
  return {
    healthz(_req, res) {
      res.json({ status: 'ok' });
    },
    async readyz(_req, res) {
      try {
        await ctx.store.ping();
      } catch {
        throw new ApiError(503, 'STORE_UNAVAILABLE', 'the store does not answer');
      }
      res.json({ status: 'ready' });
    },
    getOpenApi(_req, res) {
      res.json(ctx.document);
    },
  };
}
