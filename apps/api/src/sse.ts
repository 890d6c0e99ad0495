/**
 * Server-Sent Events. `EventHub` streams the store's run event journal (`run_events` in PostgreSQL, written
 * in the same transaction as each run change by whichever process made it) to subscribers. The SSE `id:`
 * is the journal id, so `Last-Event-ID` resumes on any API replica and across restarts: the events after
 * it are read back from the journal. A client whose id was pruned by retention, or that is not an id of
 * this journal, gets `event: reset` and should reload its state.
 */
import type { Request, Response } from 'express';
import { RUN_EVENT_NAMES, RunEventFeed } from '@kontroler/core';
import type { Logger, RunEventStore, StoredRunEvent } from '@kontroler/core';
import { attemptDto, runDto } from './routes/dto.js';

/** Engine events offered over SSE (docs/api.md). */
export const SSE_EVENTS = RUN_EVENT_NAMES;

export interface HubEvent {
  readonly id: number;
  readonly name: string;
  readonly runId: string;
  readonly namespace: string;
  readonly attemptId: string | undefined;
  /** Serialised once, sent to every subscriber. */
  readonly data: string;
}

export interface SseStream {
  send(event: string, data: unknown, id?: string): void;
  /** Sends already-serialised data. */
  sendRaw(event: string, data: string, id?: string): void;
  close(): void;
  onClose(listener: () => void): void;
  readonly closed: boolean;
}

/** Starts an SSE response with heartbeats; cleans up when the client goes away. */
export function openSse(req: Request, res: Response, heartbeatMs: number): SseStream {
  res.status(200);
  res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
  res.setHeader('Cache-Control', 'no-cache, no-transform');
  res.setHeader('Connection', 'keep-alive');
  res.setHeader('X-Accel-Buffering', 'no');
  res.flushHeaders();
  res.write('retry: 3000\n\n');
  const listeners: Array<() => void> = [];
  let closed = false;
  const heartbeat = setInterval(() => {
    if (!closed) res.write(': heartbeat\n\n');
  }, heartbeatMs);
  const finish = (): void => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    for (const listener of listeners.splice(0)) listener();
  };
  req.on('close', finish);
  res.on('close', finish);
  const sendRaw = (event: string, data: string, id?: string): void => {
    if (closed) return;
    res.write(`${id !== undefined ? `id: ${id}\n` : ''}event: ${event}\ndata: ${data}\n\n`);
  };
  return {
    sendRaw,
    send: (event, data, id) => sendRaw(event, JSON.stringify(data), id),
    close() {
      finish();
      res.end();
    },
    onClose(listener) {
      if (closed) listener();
      else listeners.push(listener);
    },
    get closed() {
      return closed;
    },
  };
}

export interface SubscribeFilter {
  /** Visible namespaces; `null` means all. */
  readonly namespaces: readonly string[] | null;
  readonly runId?: string;
}

export interface EventHub {
  /**
   * Delivers the journal's events after `lastEventId` (none when undefined), then live ones, until the
   * returned function is called. Each event is delivered once, in id order.
   */
  subscribe(
    filter: SubscribeFilter,
    lastEventId: number | undefined,
    deliver: (event: HubEvent | 'reset') => void,
  ): () => void;
  /** Calls `listener` for every event about one attempt (log follow wakes on these). */
  onAttempt(attemptId: string, listener: () => void): () => void;
  /** The id of the last event this hub has seen. */
  readonly lastId: number;
  close(): void;
}

/** Events read per journal query when a subscriber catches up. */
const REPLAY_BATCH = 500;

function toHubEvent(event: StoredRunEvent): HubEvent {
  const { run, attempt } = event.payload;
  return {
    id: event.id,
    name: event.type,
    runId: event.runId,
    namespace: event.namespace,
    attemptId: event.attemptId ?? undefined,
    data: JSON.stringify({ run: runDto(run), ...(attempt ? { attempt: attemptDto(attempt) } : {}) }),
  };
}

interface Subscriber {
  readonly filter: SubscribeFilter;
  readonly deliver: (e: HubEvent | 'reset') => void;
  /** Events up to this id were delivered (or are not for this subscriber). */
  cursor: number;
  /** Live events that arrived while the journal was replayed. */
  pending: HubEvent[] | null;
}

export function createEventHub(options: {
  store: Pick<RunEventStore, 'readRunEvents' | 'runEventBounds' | 'onRunEvents'>;
  logger: Logger;
  /** Fallback poll of the journal, for missed NOTIFYs. @default 1000 */
  pollMs?: number;
}): EventHub {
  const { store, logger } = options;
  const subscribers = new Set<Subscriber>();
  const attemptListeners = new Map<string, Set<() => void>>();

  const matches = (filter: SubscribeFilter, e: { runId: string; namespace: string }): boolean =>
    (filter.runId === undefined || filter.runId === e.runId) &&
    (filter.namespaces === null || filter.namespaces.includes(e.namespace));

  const send = (s: Subscriber, event: HubEvent | 'reset'): void => {
    try {
      s.deliver(event);
    } catch (error) {
      logger.warn({ err: error }, 'SSE subscriber failed');
    }
  };

  const offer = (s: Subscriber, event: HubEvent): void => {
    if (event.id <= s.cursor) return;
    s.cursor = event.id;
    if (matches(s.filter, event)) send(s, event);
  };

  const feed = new RunEventFeed({
    store,
    logger,
    ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
    onEvents(events) {
      for (const stored of events) {
        const event = toHubEvent(stored);
        for (const s of subscribers) {
          if (s.pending !== null) s.pending.push(event);
          else offer(s, event);
        }
        if (event.attemptId !== undefined) {
          for (const listener of attemptListeners.get(event.attemptId) ?? []) listener();
        }
      }
    },
  });

  /** Reads the journal after the subscriber's cursor until it is caught up, then goes live. */
  async function replay(s: Subscriber): Promise<void> {
    try {
      await feed.ready;
      const bounds = await store.runEventBounds();
      if (s.cursor > bounds.last || (bounds.first !== null && s.cursor + 1 < bounds.first)) {
        // Not an id of this journal (an older server's), or pruned: the client must reload.
        send(s, 'reset');
        if (s.cursor > bounds.last) s.cursor = bounds.last;
      }
      for (;;) {
        const events = await store.readRunEvents({
          afterId: s.cursor,
          limit: REPLAY_BATCH,
          // The feed has passed these ids: a gap below is final, not a writer in flight.
          settledThrough: feed.lastId,
          namespaces: s.filter.namespaces,
          ...(s.filter.runId !== undefined ? { runId: s.filter.runId } : {}),
        });
        if (!subscribers.has(s)) return;
        for (const event of events) offer(s, toHubEvent(event));
        if (events.length < REPLAY_BATCH) break;
      }
    } catch (error) {
      logger.warn({ err: error }, 'SSE replay from the journal failed');
      send(s, 'reset');
    }
    const pending = s.pending ?? [];
    s.pending = null;
    for (const event of pending) offer(s, event);
  }

  return {
    subscribe(filter, lastEventId, deliver) {
      const resume = lastEventId !== undefined;
      const live = !resume && feed.startId !== null;
      const s: Subscriber = {
        filter,
        deliver,
        cursor: resume ? lastEventId : feed.lastId,
        pending: live ? null : [],
      };
      subscribers.add(s);
      if (resume) void replay(s);
      else if (!live) {
        // Live from the journal's "now", which the feed is still looking up: every event it delivers
        // after that is newer than its start.
        void feed.ready.then(
          () => {
            s.cursor = Math.max(s.cursor, feed.startId ?? 0);
            const pending = s.pending ?? [];
            s.pending = null;
            for (const event of pending) offer(s, event);
          },
          () => undefined,
        );
      }
      return () => subscribers.delete(s);
    },
    onAttempt(attemptId, listener) {
      let set = attemptListeners.get(attemptId);
      if (!set) attemptListeners.set(attemptId, (set = new Set()));
      set.add(listener);
      return () => {
        set.delete(listener);
        if (set.size === 0) attemptListeners.delete(attemptId);
      };
    },
    get lastId() {
      return feed.lastId;
    },
    close() {
      feed.stop();
      subscribers.clear();
      attemptListeners.clear();
    },
  };
}
