/** Runs: list, detail, cancel, retry; attempt logs (JSON, text, byte ranges, live); webhook deliveries. */
import type { Request, Response } from 'express';
import {
  KontrolerError,
  RUN_STATES,
  runDagRef,
  TERMINAL_ATTEMPT_STATES,
  type RunFilter,
  type RunSnapshot,
  type RunState,
  type StoredLogLine,
} from '@kontroler/core';
import { ApiError, badRequest, conflict, forbidden, notFound } from '../problem.js';
import { hasRole, namespacesWith } from '../rbac/grants.js';
import { openSse } from '../sse.js';
import {
  authorize,
  pageLimit,
  param,
  principal,
  queryBool,
  queryInt,
  queryString,
  type ApiContext,
  type Handlers,
} from './context.js';
import { listSafely } from './dags/handlers.js';
import { hostWarnings } from './capabilities.js';
import { attemptDto, deadlineDto, runDto, runDtos } from './dto.js';
import { forEachItems } from './for-each-items.js';
import { approvalDto } from './approvals.js';

/**
 * A store that cannot read an id (a malformed one) means "no such thing"; an unavailable store is still a
 * 503, never hidden as a 404.
 */
const unlessUnavailable =
  <T>(fallback: T) =>
  (error: unknown): T => {
    if (KontrolerError.is(error, 'STORE_UNAVAILABLE')) throw error;
    return fallback;
  };

const runNotFound = (id: string) => () => notFound('RUN_NOT_FOUND', `run ${id} does not exist`);
const LOG_PAGE = 5000;

const logLineDto = (l: StoredLogLine) => ({
  seq: l.seq,
  ts: new Date(l.ts).toISOString(),
  stream: l.stream,
  line: l.line,
});

function parseTime(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw badRequest(`${name} is not a date-time`);
  return ms;
}

/** `bytes=a-b`, `bytes=a-`, `bytes=-n` → [start, end] inclusive; `undefined` when unsatisfiable. */
export function parseRange(header: string, size: number): [number, number] | undefined | 'ignore' {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return 'ignore';
  const [, a = '', b = ''] = match;
  if (a === '' && b === '') return 'ignore';
  let start: number;
  let end: number;
  if (a === '') {
    const n = Number(b);
    if (n === 0) return undefined;
    start = Math.max(0, size - n);
    end = size - 1;
  } else {
    start = Number(a);
    end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
  }
  if (!Number.isSafeInteger(start) || start >= size || end < start) return undefined;
  return [start, end];
}

/**
 * The run `/namespaces/{namespace}/runs/{id}` names, for a caller with `role` there. A run of another
 * namespace is "not found", exactly like a missing one, whatever the caller may read there: a path never
 * confirms that an id exists.
 */
export async function namespacedRun(
  ctx: ApiContext,
  req: Request,
  role: 'viewer' | 'editor',
): Promise<RunSnapshot> {
  const id = param(req, 'id');
  const namespace = param(req, 'namespace');
  authorize(req, role, namespace, runNotFound(id));
  const snapshot = await ctx.store.getRunSnapshot(id).catch(unlessUnavailable(undefined));
  if (snapshot?.run.namespace !== namespace) throw runNotFound(id)();
  return snapshot;
}

export function runHandlers(ctx: ApiContext): Handlers {
  const { store, engine, auditor } = ctx;

  const snapshotFor = (req: Request, role: 'viewer' | 'editor') => namespacedRun(ctx, req, role);

  async function attemptOf(req: Request) {
    const snapshot = await snapshotFor(req, 'viewer');
    const attemptId = param(req, 'attemptId');
    const attempt = snapshot.attempts.find((a) => a.id === attemptId);
    if (!attempt) throw notFound('ATTEMPT_NOT_FOUND', `run ${snapshot.run.id} has no attempt ${attemptId}`);
    return { snapshot, attempt };
  }

  async function wholeLog(attemptId: string): Promise<string> {
    const parts: string[] = [];
    let after = 0;
    for (;;) {
      const lines = await store.readLogs(attemptId, { afterSeq: after, limit: LOG_PAGE });
      for (const l of lines) parts.push(`${l.line}\n`);
      const last = lines[lines.length - 1];
      if (!last || lines.length < LOG_PAGE) break;
      after = last.seq;
    }
    return parts.join('');
  }

  async function sendText(req: Request, res: Response, attemptId: string, download: boolean): Promise<void> {
    const text = Buffer.from(await wholeLog(attemptId), 'utf8');
    res.setHeader('Accept-Ranges', 'bytes');
    res.type('text/plain; charset=utf-8');
    if (download) res.attachment(`${attemptId}.log`);
    const range = req.headers.range;
    if (range !== undefined) {
      const parsed = parseRange(range, text.length);
      if (parsed === undefined) {
        res.setHeader('Content-Range', `bytes */${text.length}`);
        throw new ApiError(416, 'RANGE_NOT_SATISFIABLE', `the log has ${text.length} bytes`);
      }
      if (parsed !== 'ignore') {
        const [start, end] = parsed;
        res.status(206).setHeader('Content-Range', `bytes ${start}-${end}/${text.length}`);
        res.send(text.subarray(start, end + 1));
        return;
      }
    }
    res.send(text);
  }

  return {
    async listRuns(req, res) {
      const p = principal(req);
      const visible = namespacesWith(p, 'viewer');
      const namespace = queryString(req, 'namespace');
      if (
        visible !== null &&
        ((namespace !== undefined && !visible.includes(namespace)) || visible.length === 0)
      ) {
        res.json({ items: [], nextCursor: null });
        return;
      }
      const states = queryString(req, 'state')
        ?.split(',')
        .filter((s): s is RunState => (RUN_STATES as readonly string[]).includes(s));
      const dagName = queryString(req, 'dag');
      if (dagName !== undefined && namespace === undefined) {
        throw new ApiError(400, 'BAD_REQUEST', 'dag needs namespace: a DAG is (namespace, name)', [
          { path: '/query/namespace', message: 'required with dag', code: 'REQUIRED' },
        ]);
      }
      const createdFrom = parseTime(queryString(req, 'from'), 'from');
      const createdTo = parseTime(queryString(req, 'to'), 'to');
      const filter: RunFilter = {
        ...(dagName !== undefined && namespace !== undefined ? { dag: { namespace, name: dagName } } : {}),
        ...(namespace ? { namespace } : {}),
        // Without ?namespace=, a user with roles in some namespaces sees their runs merged.
        ...(visible !== null && namespace === undefined ? { namespaces: visible } : {}),
        ...(states && states.length > 0 ? { states } : {}),
        ...(createdFrom !== undefined ? { createdFrom } : {}),
        ...(createdTo !== undefined ? { createdTo } : {}),
      };
      const cursor = queryString(req, 'cursor');
      const page = await listSafely(
        () => store.listRuns(filter, { limit: pageLimit(req), cursor: cursor ?? null }),
        cursor,
      );
      res.json({ items: await runDtos(store, page.items), nextCursor: page.nextCursor });
    },

    async getRun(req, res) {
      const snapshot = await snapshotFor(req, 'viewer');
      const version = await store.getDagVersion(runDagRef(snapshot.run), snapshot.run.dagVersion);
      const items = forEachItems(version?.spec, snapshot.attempts);
      const p = principal(req);
      const [run] = await runDtos(store, [snapshot.run]);
      res.json({
        run,
        attempts: [...snapshot.attempts]
          .sort((a, b) => a.createdAt - b.createdAt || a.attempt - b.attempt)
          .map((a) => attemptDto(a, items)),
        tasks: (version?.spec.tasks ?? []).map((t) => ({
          name: t.name,
          runAfter: t.runAfter ?? [],
          ...(t.approval ? { approval: approvalDto(p, t.approval, snapshot.run.namespace) } : {}),
        })),
        warnings: version ? hostWarnings(ctx.deps, version.spec) : [],
        deadline: deadlineDto(snapshot.run, version?.spec.activeDeadlineSeconds),
      });
    },

    async cancelRun(req, res) {
      const snapshot = await snapshotFor(req, 'editor');
      const run = await engine.cancel(snapshot.run.id);
      await auditor.record(req, 'run.cancel', run.id, { namespace: run.namespace, dag: run.dagName });
      res.json(runDto(run));
    },

    async retryRun(req, res) {
      const snapshot = await snapshotFor(req, 'editor');
      const latestVersion = (req.body as { latestVersion?: boolean } | undefined)?.latestVersion === true;
      const run = await engine.retry(snapshot.run.id, latestVersion ? { version: 'latest' } : {});
      await auditor.record(req, 'run.retry', run.id, {
        namespace: run.namespace,
        dag: run.dagName,
        latestVersion,
      });
      res.json(runDto(run));
    },

    async getAttemptLogs(req, res) {
      const { attempt } = await attemptOf(req);
      const download = queryBool(req, 'download');
      const wantsText = download || req.accepts(['application/json', 'text/plain']) === 'text/plain';
      if (wantsText) {
        await sendText(req, res, attempt.id, download);
        return;
      }
      const tail = queryInt(req, 'tail');
      const lines =
        tail !== undefined
          ? await store.readLogs(attempt.id, { tail })
          : await store.readLogs(attempt.id, {
              afterSeq: queryInt(req, 'afterSeq') ?? 0,
              limit: queryInt(req, 'limit') ?? 1000,
            });
      res.json({ lines: lines.map(logLineDto) });
    },

    async streamAttemptLogs(req, res) {
      const { attempt } = await attemptOf(req);
      const resume = Number(req.headers['last-event-id']);
      let after = Number.isSafeInteger(resume) && resume > 0 ? resume : (queryInt(req, 'afterSeq') ?? 0);
      const stream = openSse(req, res, ctx.deps.heartbeatMs ?? 15_000);
      let busy = false;
      let again = false;
      const poll = async (): Promise<void> => {
        if (busy) {
          again = true;
          return;
        }
        busy = true;
        try {
          do {
            again = false;
            for (;;) {
              const lines = await store.readLogs(attempt.id, { afterSeq: after, limit: 1000 });
              for (const line of lines) {
                stream.send('log', logLineDto(line), String(line.seq));
                after = line.seq;
              }
              if (lines.length < 1000) break;
            }
            const current = await store.getRunSnapshot(attempt.runId);
            const now = current?.attempts.find((a) => a.id === attempt.id);
            if (!now || TERMINAL_ATTEMPT_STATES.has(now.state)) {
              // One last read: lines written just before the attempt finished.
              const rest = await store.readLogs(attempt.id, { afterSeq: after, limit: 100_000 });
              for (const line of rest) {
                stream.send('log', logLineDto(line), String(line.seq));
                after = line.seq;
              }
              stream.send('end', { state: now?.state ?? 'unknown' });
              stream.close();
              return;
            }
          } while (again);
        } catch (error) {
          ctx.logger.warn({ err: error }, 'log follow failed');
          stream.close();
        } finally {
          busy = false;
        }
      };
      const timer = setInterval(() => void poll(), ctx.deps.logPollMs ?? 1000);
      const unsubscribe = ctx.hub.onAttempt(attempt.id, () => void poll());
      stream.onClose(() => {
        clearInterval(timer);
        unsubscribe();
      });
      await poll();
    },

    async listRunDeliveries(req, res) {
      const snapshot = await snapshotFor(req, 'viewer');
      const deliveries = await store.listDeliveries(snapshot.run.id);
      res.json(
        deliveries.map(({ message, attempts }) => ({
          id: message.id,
          topic: message.topic,
          status: message.status,
          attempts: message.attempts,
          lastError: message.lastError,
          createdAt: new Date(message.createdAt).toISOString(),
          deliveredAt: message.deliveredAt === null ? null : new Date(message.deliveredAt).toISOString(),
          payload: message.payload,
          history: attempts.map((a) => ({
            attempt: a.attempt,
            at: new Date(a.at).toISOString(),
            ok: a.ok,
            statusCode: a.statusCode,
            error: a.error,
            durationMs: Math.round(a.durationMs),
          })),
        })),
      );
    },

    async redeliver(req, res) {
      const id = param(req, 'id');
      const namespace = param(req, 'namespace');
      const missing = () => notFound('DELIVERY_NOT_FOUND', `delivery ${id} does not exist`);
      authorize(req, 'editor', namespace, missing);
      const message = await store.getOutbox(id).catch(unlessUnavailable(undefined));
      if (!message) throw missing();
      // A message belongs to its run's namespace; one of no run needs a global editor.
      const run =
        message.runId === null
          ? undefined
          : await store.getRun(message.runId).catch(unlessUnavailable(undefined));
      if (run) {
        if (run.namespace !== namespace) throw missing();
      } else if (!hasRole(principal(req), 'editor', null))
        throw forbidden('redelivery of this message needs a global editor role');
      const ok = await store.requeueOutbox(id, ctx.now()).catch(unlessUnavailable(false));
      if (!ok) throw conflict('DELIVERY_PENDING', `delivery ${id} is still pending: it is sent when due`);
      await auditor.record(req, 'delivery.redeliver', id);
      res.status(202).end();
    },
  };
}
