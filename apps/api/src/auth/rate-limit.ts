/**
 * A fixed-window limiter in memory, keyed by IP + username for logins. Per process: behind several API
 * replicas each enforces its own window; the account lockout in the database is the shared backstop.
 */
export interface RateLimiter {
  /** Counts one hit; returns the seconds to wait when over the limit, else 0. */
  hit(key: string): number;
  reset(key: string): void;
}

export function createRateLimiter(options: {
  limit: number;
  windowMs: number;
  now: () => number;
}): RateLimiter {
  const windows = new Map<string, { start: number; count: number }>();
  return {
    hit(key) {
      const now = options.now();
      if (windows.size > 10_000) {
        for (const [k, w] of windows) if (now - w.start >= options.windowMs) windows.delete(k);
      }
      let window = windows.get(key);
      if (!window || now - window.start >= options.windowMs) {
        window = { start: now, count: 0 };
        windows.set(key, window);
      }
      window.count += 1;
      if (window.count <= options.limit) return 0;
      return Math.max(1, Math.ceil((window.start + options.windowMs - now) / 1000));
    },
    reset(key) {
      windows.delete(key);
    },
  };
}
