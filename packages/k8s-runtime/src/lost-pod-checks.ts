/**
 * Direct checks of pods the watch has not delivered. The watch is how attempts learn about their pods; a pod
 * it never delivers (created and deleted while the informer relisted, a watch that stalls) is asked about
 * with a GET, and a 404 means the pod is lost. When the watch merely lags (a controller starting ten
 * thousand pods at once), every waiting attempt would ask at the same moment: thousands of GETs queued
 * behind the client's sockets, each answered with a whole pod that is thrown away, slowing the watch they
 * wait for further. So the checks form one queue per runtime, a few at a time in arrival order, and an
 * attempt whose pod the watch delivers meanwhile leaves it unchecked.
 */
import type { PodWatcher } from './pod-watchers.js';

export interface LostPodChecks {
  /** Queues a check of the pod at `path` for `watcher`, unless one is queued or sent already. */
  request(watcher: PodWatcher, path: string): void;
  /** Leaves the queue (the attempt ended); a check already sent completes unread. */
  cancel(watcher: PodWatcher): void;
  /** Checks queued, not yet sent. */
  readonly waiting: number;
  /** Checks sent, not yet answered. */
  readonly active: number;
}

/**
 * `exists` GETs the pod: it resolves false on a 404 and true when the pod is there; it rejects on any other
 * failure, which leaves the pod unjudged (the attempt asks again later).
 */
export function createLostPodChecks(
  exists: (path: string) => Promise<boolean>,
  concurrency: number,
): LostPodChecks {
  if (!(concurrency > 0)) throw new RangeError(`the check concurrency must be positive, got ${concurrency}`);
  // A Map keeps arrival order and drops a watcher in O(1) when its attempt ends first.
  const queue = new Map<PodWatcher, string>();
  const sent = new Set<PodWatcher>();

  const next = (): void => {
    for (const [watcher, path] of queue) {
      if (sent.size >= concurrency) return;
      queue.delete(watcher);
      if (watcher.seen || watcher.gone) continue;
      sent.add(watcher);
      exists(path)
        .then(
          (found) => {
            if (!found && !watcher.seen) watcher.miss();
          },
          () => {},
        )
        .finally(() => {
          sent.delete(watcher);
          next();
        });
    }
  };

  return {
    request(watcher, path) {
      if (queue.has(watcher) || sent.has(watcher)) return;
      queue.set(watcher, path);
      next();
    },
    cancel(watcher) {
      queue.delete(watcher);
    },
    get waiting() {
      return queue.size;
    },
    get active() {
      return sent.size;
    },
  };
}
