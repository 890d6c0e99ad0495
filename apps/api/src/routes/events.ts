/** `GET /api/v1/events`: engine events the caller may see, over SSE, resumable with Last-Event-ID. */
import { namespacesWith } from '../rbac/grants.js';
import { openSse } from '../sse.js';
import { principal, queryString, type ApiContext, type Handlers } from './context.js';

export function eventHandlers(ctx: ApiContext): Handlers {
  return {
    streamEvents(req, res) {
      const p = principal(req);
      const runId = queryString(req, 'runId');
      const requested = queryString(req, 'namespace');
      const visible = namespacesWith(p, 'viewer');
      // ?namespace= narrows what the caller may see; a namespace they may not read yields nothing.
      const namespaces =
        requested === undefined
          ? visible
          : visible === null || visible.includes(requested)
            ? [requested]
            : [];
      const header = req.headers['last-event-id'];
      const resume = typeof header === 'string' && /^\d{1,16}$/.test(header) ? Number(header) : undefined;
      const stream = openSse(req, res, ctx.deps.heartbeatMs ?? 15_000);
      const unsubscribe = ctx.hub.subscribe({ namespaces, ...(runId ? { runId } : {}) }, resume, (event) => {
        if (event === 'reset') stream.send('reset', { lastId: ctx.hub.lastId });
        else stream.sendRaw(event.name, event.data, String(event.id));
      });
      stream.onClose(unsubscribe);
    },
  };
}
