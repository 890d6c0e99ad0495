/**
 * A client-side token bucket, as client-go's default limiter: `qps` tokens per second refill a bucket of
 * `burst` tokens; each request takes one and waits when the bucket is empty.
 */
export interface RateLimiter {
  /** Resolves when a request may be sent. */
  acquire(): Promise<void>;
}

export interface TokenBucketOptions {
  /** Sustained requests per second; 0 (or less) never limits. @default 0 */
  readonly qps?: number;
  /** Requests that may be sent at once after an idle period. @default 100 */
  readonly burst?: number;
  /** Time source, for tests. @default Date.now */
  readonly now?: () => number;
}

export function createTokenBucket(options: TokenBucketOptions = {}): RateLimiter {
  const qps = options.qps ?? 0;
  const burst = Math.max(1, options.burst ?? 100);
  const now = options.now ?? Date.now;
  if (!Number.isFinite(qps) || qps <= 0) return { acquire: () => Promise.resolve() };
  let tokens = burst;
  let last = now();
  // Waiters are served in order; `reserved` counts tokens promised to waiters not yet woken.
  let tail: Promise<void> = Promise.resolve();

  const refill = (): void => {
    const t = now();
    tokens = Math.min(burst, tokens + ((t - last) * qps) / 1000);
    last = t;
  };

  return {
    acquire() {
      refill();
      if (tokens >= 1) {
        tokens -= 1;
        return Promise.resolve();
      }
      // Take the token now (going negative) and wait until the debt is repaid; FIFO by construction.
      tokens -= 1;
      const waitMs = Math.ceil((-tokens * 1000) / qps);
      const ready = new Promise<void>((resolve) => setTimeout(resolve, waitMs));
      tail = tail.then(() => ready);
      return ready;
    },
  };
}
