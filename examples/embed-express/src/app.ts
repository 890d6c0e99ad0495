/**
 * The HTTP face of an embedded engine. `createApp(engine)` is testable on its own; `main.ts` wires it to
 * PostgreSQL and the process runtime.
 *
 * | route | does |
 * |---|---|
 * | `PUT /dags` | registers a DAG document (JSON); an unchanged document makes no new version |
 * | `POST /runs` | `{dag, parameters?, idempotencyKey?}` → 202 and the run |
 * | `GET /runs/:id` | the run with its attempts |
 * | `GET /runs/:id/events` | Server-Sent Events: a `snapshot`, then the run's engine events until `run.finished` |
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import {
  KontrolerError,
  RUN_EVENT_NAMES,
  type Engine,
  type RunEventName,
  type RunRecord,
} from '@kontroler/core';

/** The events streamed to clients: everything about one run. */
export const STREAMED_EVENTS = RUN_EVENT_NAMES;

type StreamedEvent = RunEventName;

const STATUS_BY_CODE: Partial<Record<KontrolerError['code'], number>> = {
  DAG_INVALID: 400,
  PARAMETER_INVALID: 400,
  DAG_NOT_FOUND: 404,
  DAG_VERSION_NOT_FOUND: 404,
  RUN_NOT_FOUND: 404,
  CONFLICT: 409,
  RUN_FINISHED: 409,
  ENGINE_STOPPED: 503,
  STORE_UNAVAILABLE: 503,
};

export function createApp(engine: Engine): express.Express {
  const app = express();
  app.use(express.json({ limit: '1mb' }));

  app.put('/dags', async (req, res) => {
    const result = await engine.registerDag(req.body);
    res
      .status(result.created ? 201 : 200)
      .json({ name: result.dag.name, version: result.version.version, created: result.created });
  });

  app.post('/runs', async (req, res) => {
    const { dag, parameters, idempotencyKey } = (req.body ?? {}) as {
      dag?: unknown;
      parameters?: Record<string, string>;
      idempotencyKey?: string;
    };
    if (typeof dag !== 'string') {
      res.status(400).json({ title: 'body.dag must be a DAG name' });
      return;
    }
    const run = await engine.submit(dag, parameters ?? {}, {
      trigger: 'api',
      ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
    });
    res.status(202).location(`/runs/${run.id}`).json(run);
  });

  app.get('/runs/:id', async (req, res) => {
    const snapshot = await engine.getRun(req.params.id);
    if (!snapshot) {
      res.status(404).json({ title: `run ${req.params.id} does not exist` });
      return;
    }
    res.json(snapshot);
  });

  app.get('/runs/:id/events', async (req, res) => {
    const runId = req.params.id;
    // Subscribe before reading the snapshot so nothing falls between the two; events the snapshot
    // already contains (an older or equal run revision) are dropped.
    const early: Array<{ name: StreamedEvent; payload: { run: RunRecord } }> = [];
    let snapshotRevision: number | null = null;
    let closed = false;

    const send = (name: string, data: unknown) => {
      if (!closed) res.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    const finish = () => {
      if (closed) return;
      closed = true;
      unsubscribe();
      res.end();
    };
    const deliver = (name: StreamedEvent, payload: { run: RunRecord }) => {
      if (snapshotRevision === null) {
        early.push({ name, payload });
        return;
      }
      if (payload.run.revision <= snapshotRevision && name !== 'run.finished') return;
      send(name, payload);
      if (name === 'run.finished') finish();
    };
    // Every streamed event's payload has the run; this view of the bus says just that.
    const bus = engine.events as unknown as {
      on(name: StreamedEvent, listener: (payload: { run: RunRecord }) => void): void;
      off(name: StreamedEvent, listener: (payload: { run: RunRecord }) => void): void;
    };
    const listeners = STREAMED_EVENTS.map((name) => {
      const listener = (payload: { run: RunRecord }) => {
        if (payload.run.id === runId) deliver(name, payload);
      };
      bus.on(name, listener);
      return () => bus.off(name, listener);
    });
    const unsubscribe = () => listeners.forEach((off) => off());
    req.on('close', finish);

    const snapshot = await engine.getRun(runId);
    if (!snapshot) {
      unsubscribe();
      res.status(404).json({ title: `run ${runId} does not exist` });
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    send('snapshot', snapshot);
    snapshotRevision = snapshot.run.revision;
    if (['succeeded', 'failed', 'canceled'].includes(snapshot.run.state)) {
      finish();
      return;
    }
    for (const { name, payload } of early.splice(0)) deliver(name, payload);
  });

  // Errors of async handlers reach here in express 5; Kontroler's codes become HTTP statuses.
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (KontrolerError.is(error)) {
      res.status(STATUS_BY_CODE[error.code] ?? 500).json({ title: error.message, code: error.code });
      return;
    }
    res.status(500).json({ title: 'internal error' });
  });
  return app;
}
