/**
 * Runs leader election in a loop. The leader renews every `retryPeriodMs`; when it cannot renew within
 * `renewDeadlineMs` it steps down (before another replica may take over), so two replicas never both believe
 * they lead for longer than a clock skew.
 */
import type { Clock, Logger } from '@kontroler/core';
import { decideLease, nextLease } from './decide.js';
import type { LeaseClient } from './lease-client.js';

export interface ElectorOptions {
  readonly client: LeaseClient;
  readonly identity: string;
  /** @default 15 */
  readonly leaseSeconds?: number;
  /** @default two thirds of the lease */
  readonly renewDeadlineMs?: number;
  /** @default a fifth of the lease */
  readonly retryPeriodMs?: number;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly onStartedLeading: () => void;
  readonly onStoppedLeading: () => void;
}

export interface LeaderElector {
  readonly isLeader: () => boolean;
  start(): void;
  /** Stops the loop; a leader releases the Lease so a successor takes over at once. */
  stop(): Promise<void>;
}

export function createLeaderElector(options: ElectorOptions): LeaderElector {
  const leaseSeconds = options.leaseSeconds ?? 15;
  const renewDeadlineMs = options.renewDeadlineMs ?? (leaseSeconds * 1000 * 2) / 3;
  const retryPeriodMs = options.retryPeriodMs ?? (leaseSeconds * 1000) / 5;
  const { client, identity, clock, logger } = options;
  let leading = false;
  let lastRenew = 0;
  let timer: unknown = null;
  let running = false;
  let inFlight: Promise<void> = Promise.resolve();

  const setLeading = (value: boolean) => {
    if (value === leading) return;
    leading = value;
    logger.info({ identity, leading }, value ? 'became leader' : 'stopped leading');
    try {
      if (value) options.onStartedLeading();
      else options.onStoppedLeading();
    } catch (error) {
      logger.error({ err: error }, 'leadership callback threw');
    }
  };

  const attempt = async () => {
    const now = clock.now();
    try {
      const lease = await client.get();
      const decision = decideLease(lease, identity, now);
      if (decision === 'wait') {
        setLeading(false);
        return;
      }
      const ok = await client.write(
        nextLease(lease, decision, identity, now, leaseSeconds),
        decision === 'create',
      );
      if (ok) {
        lastRenew = now;
        setLeading(true);
      } else if (leading && clock.now() - lastRenew > renewDeadlineMs) {
        setLeading(false);
      }
    } catch (error) {
      logger.warn({ err: error }, 'leader election request failed');
      if (leading && clock.now() - lastRenew > renewDeadlineMs) setLeading(false);
    }
  };

  const loop = () => {
    if (!running) return;
    inFlight = attempt().finally(() => {
      if (running) timer = clock.setTimeout(loop, retryPeriodMs);
    });
  };

  return {
    isLeader: () => leading,
    start() {
      if (running) return;
      running = true;
      loop();
    },
    async stop() {
      running = false;
      if (timer !== null) clock.clearTimeout(timer);
      await inFlight;
      if (!leading) return;
      try {
        const lease = await client.get();
        if (lease?.holder === identity) {
          // Releasing (as client-go's ReleaseOnCancel) lets a successor take over without waiting a lease.
          await client.write({ ...lease, holder: null, durationSeconds: 1, renewTime: clock.now() }, false);
        }
      } catch (error) {
        logger.warn({ err: error }, 'could not release the leader Lease');
      }
      setLeading(false);
    },
  };
}
