/**
 * Server-Sent Events. `EventHub` fans engine events out to subscribers and keeps the last N in a ring
 * buffer with increasing ids, so a client reconnecting with `Last-Event-ID` gets what it missed. Ids start
 * at the hub's creation time × 1000, so they keep increasing across restarts; a client whose id is older
 * than the buffer gets `event: reset` and should reload its state.
 */
import type { Request, Response } from 'express';
import { RUN_EVENT_NAMES } from '@kontroler/core';
import type { EngineEventBus, RunRecord, AttemptRecord, Logger } from '@kontroler/core';
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
  /** Replays buffered events after `lastEventId`, then delivers live ones until the returned function is called. */
  subscribe(
    filter: SubscribeFilter,
    lastEventId: number | undefined,
    deliver: (event: HubEvent | 'reset') => void,
  ): () => void;
  /** Calls `listener` for every event about one attempt (log follow wakes on these). */
  onAttempt(attemptId: string, listener: () => void): () => void;
  /** The id the next event will get minus one. */
  readonly lastId: number;
  close(): void;
}

export function createEventHub(options: {
  events: EngineEventBus;
  size: number;
  now: () => number;
  logger: Logger;
}): EventHub {
  const { size } = options;
  const ring: Array<HubEvent | undefined> = new Array<HubEvent | undefined>(size);
  let lastId = options.now() * 1000;
  const firstId = lastId + 1;
  const subscribers = new Set<{ filter: SubscribeFilter; deliver: (e: HubEvent | 'reset') => void }>();
  const attemptListeners = new Map<string, Set<() => void>>();

  const matches = (filter: SubscribeFilter, e: HubEvent): boolean =>
    (filter.runId === undefined || filter.runId === e.runId) &&
    (filter.namespaces === null || filter.namespaces.includes(e.namespace));

  const push = (name: string, payload: { run: RunRecord; attempt?: AttemptRecord }): void => {
    lastId += 1;
    const event: HubEvent = {
      id: lastId,
      name,
      runId: payload.run.id,
      namespace: payload.run.namespace,
      attemptId: payload.attempt?.id,
      data: JSON.stringify({
        run: runDto(payload.run),
        ...(payload.attempt ? { attempt: attemptDto(payload.attempt) } : {}),
      }),
    };
    ring[lastId % size] = event;
    for (const s of subscribers) {
      if (!matches(s.filter, event)) continue;
      try {
        s.deliver(event);
      } catch (error) {
        options.logger.warn({ err: error }, 'SSE subscriber failed');
      }
    }
    if (event.attemptId !== undefined) {
      for (const listener of attemptListeners.get(event.attemptId) ?? []) listener();
    }
  };

  const handlers = SSE_EVENTS.map((name) => {
    const handler = (payload: { run: RunRecord; attempt?: AttemptRecord }): void => push(name, payload);
    options.events.on(name, handler);
    return [name, handler] as const;
  });

  return {
    subscribe(filter, lastEventId, deliver) {
      if (lastEventId !== undefined && lastEventId < lastId) {
        const oldest = Math.max(firstId, lastId - size + 1);
        if (lastEventId + 1 < oldest) deliver('reset');
        for (let id = Math.max(lastEventId + 1, oldest); id <= lastId; id += 1) {
          const event = ring[id % size];
          if (event && event.id === id && matches(filter, event)) deliver(event);
        }
      }
      const subscriber = { filter, deliver };
      subscribers.add(subscriber);
      return () => subscribers.delete(subscriber);
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
      return lastId;
    },
    close() {
      for (const [name, handler] of handlers) options.events.off(name, handler);
      subscribers.clear();
      attemptListeners.clear();
    },
  };
}
