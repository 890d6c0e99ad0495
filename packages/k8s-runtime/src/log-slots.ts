/**
 * Caps the live log follows. A follow holds an apiserver connection (and the apiserver one to the kubelet)
 * for as long as its pod runs, so ten thousand running pods would mean ten thousand sockets. Past the limit,
 * attempts wait their turn in arrival order; a pod that finishes while waiting is promoted and read at once,
 * since following a terminated container returns its whole log and ends.
 */
export interface LogSlot {
  /** Resolves true once the follow may start, or false when the slot was released while still waiting. */
  readonly granted: Promise<boolean>;
  /** Starts now, above the limit if need be: the pod has finished and its log is short-lived. */
  promote(): void;
  /** Frees the slot (or leaves the queue). Idempotent. */
  release(): void;
}

export interface LogSlots {
  take(): LogSlot;
  /** Follows running now. */
  readonly active: number;
  /** Attempts waiting for a slot. */
  readonly waiting: number;
}

interface Ticket {
  state: 'waiting' | 'granted' | 'released';
  grant(value: boolean): void;
}

export function createLogSlots(limit: number): LogSlots {
  if (!(limit > 0)) throw new RangeError(`the log follow limit must be positive, got ${limit}`);
  // A Set keeps arrival order and removes in O(1) when a waiting attempt ends or is promoted.
  const queue = new Set<Ticket>();
  let active = 0;

  function grant(ticket: Ticket): void {
    queue.delete(ticket);
    ticket.state = 'granted';
    active++;
    ticket.grant(true);
  }

  function next(): void {
    for (const ticket of queue) {
      if (active >= limit) return;
      grant(ticket);
    }
  }

  return {
    get active() {
      return active;
    },
    get waiting() {
      return queue.size;
    },
    take() {
      let resolve!: (value: boolean) => void;
      const granted = new Promise<boolean>((r) => (resolve = r));
      const ticket: Ticket = { state: 'waiting', grant: resolve };
      queue.add(ticket);
      next();
      return {
        granted,
        promote() {
          if (ticket.state === 'waiting') grant(ticket);
        },
        release() {
          if (ticket.state === 'granted') {
            active--;
            ticket.state = 'released';
            next();
          } else if (ticket.state === 'waiting') {
            queue.delete(ticket);
            ticket.state = 'released';
            ticket.grant(false);
          }
        },
      };
    },
  };
}
