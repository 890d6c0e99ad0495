/**
 * A watch-backed cache of one resource collection: list, then watch from the list's resourceVersion with
 * bookmarks; a watch that ends is resumed from the last seen resourceVersion, a `410 Gone` (expired
 * resourceVersion) triggers a relist that reports the differences, connection errors (an apiserver restart)
 * are retried with backoff, and a periodic resync re-delivers every cached object.
 *
 * Handlers are told what happened; they decide nothing here (STYLE habit 1).
 */
import type { KubernetesListObject, KubernetesObject } from '@kubernetes/client-node';
import { KubeApiError, readLines, type KubeClient } from './client.js';

export type InformerEvent = 'add' | 'update' | 'delete';
export type InformerHandler<T> = (event: InformerEvent, object: T) => void;

export interface InformerOptions<T = unknown> {
  readonly client: KubeClient;
  /** Collection path, e.g. `/api/v1/namespaces/ns/pods`. */
  readonly path: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /** Re-deliver every cached object as `update` this often; 0 disables. @default 60000 */
  readonly resyncMs?: number;
  /** Server-side watch timeout; the watch is then resumed. @default 300 */
  readonly watchTimeoutSeconds?: number;
  /**
   * Objects per page of a (re)list (`limit` and `continue`, as client-go's reflector): an unpaginated list
   * of 10,000 pods is one string of tens of megabytes and its parse several times that, all at once.
   * @default 500
   */
  readonly listPageSize?: number;
  /** Called for errors the informer recovers from (logged by the caller). */
  readonly onError?: (error: unknown) => void;
  /**
   * Applied to every listed or watched object before it is cached and handed to handlers (like client-go's
   * transform functions): keep only the fields the caller reads, so a large cache stays small.
   * Must keep `metadata.name` and `metadata.resourceVersion`.
   */
  readonly transform?: (object: T) => T;
}

export interface Informer<T extends KubernetesObject> {
  /** Lists and starts watching; resolves once the cache holds the initial list. */
  start(): Promise<void>;
  stop(): void;
  get(name: string): T | undefined;
  list(): T[];
  /** Adds a handler; returns a function that removes it. */
  on(handler: InformerHandler<T>): () => void;
  /** The last resourceVersion seen (list, event or bookmark). */
  readonly resourceVersion: string;
  /** How many times the informer listed (1 + relists), for tests and metrics. */
  readonly lists: number;
}

interface WatchEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T & { code?: number; reason?: string; message?: string };
}

class GoneError extends Error {}

export function createInformer<T extends KubernetesObject>(options: InformerOptions<T>): Informer<T> {
  const { client, path } = options;
  const transform = options.transform ?? ((object: T) => object);
  const cache = new Map<string, T>();
  const handlers = new Set<InformerHandler<T>>();
  let resourceVersion = '';
  let lists = 0;
  let stopped = false;
  let controller: AbortController | undefined;
  let resyncTimer: NodeJS.Timeout | undefined;
  let started: Promise<void> | undefined;

  const emit = (event: InformerEvent, object: T): void => {
    for (const handler of [...handlers]) {
      try {
        handler(event, object);
      } catch (error) {
        options.onError?.(error);
      }
    }
  };

  const keyOf = (object: T): string => object.metadata?.name ?? '';

  async function relist(): Promise<void> {
    const seen = new Set<string>();
    let listVersion: string | undefined;
    let next: string | undefined;
    do {
      // Every page is read from the first page's snapshot; a continue token that expired answers 410 and
      // the watch loop lists again.
      const page = await client.request<KubernetesListObject<T>>('GET', path, {
        query: {
          labelSelector: options.labelSelector,
          fieldSelector: options.fieldSelector,
          limit: options.listPageSize ?? 500,
          continue: next,
        },
      });
      listVersion ??= page.metadata?.resourceVersion;
      // The wire name is `continue` (client-node's type calls it `_continue`).
      next = (page.metadata as { continue?: string } | undefined)?.continue || undefined;
      for (const listed of page.items) {
        const item = transform(listed);
        const key = keyOf(item);
        seen.add(key);
        const old = cache.get(key);
        cache.set(key, item);
        if (!old) emit('add', item);
        else if (old.metadata?.resourceVersion !== item.metadata?.resourceVersion) emit('update', item);
      }
    } while (next !== undefined);
    lists++;
    for (const [key, old] of [...cache]) {
      if (!seen.has(key)) {
        cache.delete(key);
        emit('delete', old);
      }
    }
    resourceVersion = listVersion ?? '';
  }

  async function watchOnce(): Promise<void> {
    controller = new AbortController();
    const res = await client.stream(path, {
      query: {
        watch: 1,
        resourceVersion,
        allowWatchBookmarks: true,
        timeoutSeconds: options.watchTimeoutSeconds ?? 300,
        labelSelector: options.labelSelector,
        fieldSelector: options.fieldSelector,
      },
      signal: controller.signal,
    });
    for await (const line of readLines(res)) {
      if (!line.trim()) continue;
      const event = JSON.parse(line) as WatchEvent<T>;
      if (event.type === 'ERROR') {
        if (event.object.code === 410) throw new GoneError(event.object.message ?? 'Gone');
        throw new KubeApiError(
          event.object.code ?? 500,
          event.object.reason ?? 'Error',
          event.object.message ?? 'watch error',
          event.object,
        );
      }
      const rv = event.object.metadata?.resourceVersion;
      if (rv) resourceVersion = rv;
      if (event.type === 'BOOKMARK') continue;
      const object = transform(event.object);
      const key = keyOf(object);
      if (event.type === 'DELETED') {
        cache.delete(key);
        emit('delete', object);
      } else {
        const existed = cache.has(key);
        cache.set(key, object);
        emit(existed ? 'update' : 'add', object);
      }
    }
  }

  async function loop(): Promise<void> {
    let failures = 0;
    while (!stopped) {
      try {
        await watchOnce();
        failures = 0;
      } catch (error) {
        if (stopped) return;
        const gone = error instanceof GoneError || KubeApiError.is(error, 410);
        if (!gone) {
          options.onError?.(error);
          failures++;
          // Short, capped backoff: a watch is one cheap request, and a restarted apiserver should be followed at once.
          await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** Math.min(failures, 5))));
        }
        if (stopped) return;
        if (gone || failures > 3) {
          // The resourceVersion is too old (or we lost track for long): list again and report the difference.
          try {
            await relist();
            failures = 0;
          } catch (relistError) {
            options.onError?.(relistError);
          }
        }
      }
    }
  }

  return {
    start() {
      started ??= (async () => {
        await relist();
        void loop();
        const resyncMs = options.resyncMs ?? 60_000;
        if (resyncMs > 0) {
          resyncTimer = setInterval(() => {
            for (const object of [...cache.values()]) emit('update', object);
          }, resyncMs);
          resyncTimer.unref();
        }
      })();
      return started;
    },
    stop() {
      stopped = true;
      controller?.abort();
      if (resyncTimer) clearInterval(resyncTimer);
    },
    get: (name) => cache.get(name),
    list: () => [...cache.values()],
    on(handler) {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    get resourceVersion() {
      return resourceVersion;
    },
    get lists() {
      return lists;
    },
  };
}
