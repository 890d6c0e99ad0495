/**
 * A fixed-window limiter in memory, keyed by client address for failed logins. Per process: behind several
 * API replicas each enforces its own window; the per-username lockout in the database is the shared one.
 */
export interface RateLimiter {
  /** Counts one hit; returns the seconds to wait when over the limit, else 0. */
  hit(key: string): number;
  /** The seconds to wait before `key` may try again (0: now), without counting a hit. */
  wait(key: string): number;
  reset(key: string): void;
}

export function createRateLimiter(options: {
  limit: number;
  windowMs: number;
  now: () => number;
}): RateLimiter {
  const windows = new Map<string, { start: number; count: number }>();
  const live = (key: string, now: number) => {
    const window = windows.get(key);
    return window && now - window.start < options.windowMs ? window : undefined;
  };
  const secondsLeft = (window: { start: number }, now: number): number =>
    Math.max(1, Math.ceil((window.start + options.windowMs - now) / 1000));
  return {
    hit(key) {
      const now = options.now();
      if (windows.size > 10_000) {
        for (const [k, w] of windows) if (now - w.start >= options.windowMs) windows.delete(k);
      }
      let window = live(key, now);
      if (!window) {
        window = { start: now, count: 0 };
        windows.set(key, window);
      }
      window.count += 1;
      return window.count <= options.limit ? 0 : secondsLeft(window, now);
    },
    wait(key) {
      const now = options.now();
      const window = live(key, now);
      return window && window.count >= options.limit ? secondsLeft(window, now) : 0;
    },
    reset(key) {
      windows.delete(key);
    },
  };
}
