/**
 * Pure leader-election rules over a coordination.k8s.io Lease, after client-go's leaderelection package:
 * a replica may take the Lease when nobody holds it or the holder stopped renewing it for a whole lease
 * duration; the holder renews it.
 */

/** The fields of a Lease that election reads and writes. Times are epoch ms. */
export interface LeaseState {
  readonly holder: string | null;
  readonly acquireTime: number | null;
  readonly renewTime: number | null;
  readonly durationSeconds: number;
  readonly transitions: number;
  /** Optimistic concurrency token from the apiserver. */
  readonly resourceVersion?: string;
}

export type LeaseDecision = 'create' | 'renew' | 'take-over' | 'wait';

export function decideLease(lease: LeaseState | null, me: string, now: number): LeaseDecision {
  if (lease === null) return 'create';
  if (lease.holder === me) return 'renew';
  if (!lease.holder) return 'take-over';
  const lastRenew = lease.renewTime ?? lease.acquireTime ?? 0;
  return now >= lastRenew + lease.durationSeconds * 1000 ? 'take-over' : 'wait';
}

/** The Lease to write for a decision (not for `wait`). */
export function nextLease(
  lease: LeaseState | null,
  decision: Exclude<LeaseDecision, 'wait'>,
  me: string,
  now: number,
  durationSeconds: number,
): LeaseState {
  const base = { holder: me, renewTime: now, durationSeconds };
  switch (decision) {
    case 'create':
      return { ...base, acquireTime: now, transitions: 0 };
    case 'renew':
      return {
        ...base,
        acquireTime: lease?.acquireTime ?? now,
        transitions: lease?.transitions ?? 0,
        resourceVersion: lease?.resourceVersion,
      };
    case 'take-over':
      return {
        ...base,
        acquireTime: now,
        transitions: (lease?.transitions ?? 0) + 1,
        resourceVersion: lease?.resourceVersion,
      };
  }
}
