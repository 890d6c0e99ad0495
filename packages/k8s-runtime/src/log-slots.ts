/**
 * Caps the live log follows. A follow holds an apiserver connection (and the apiserver one to the kubelet)
 * for as long as its pod runs, so ten thousand running pods would mean ten thousand sockets. Past the limit,
 * attempts wait their turn in arrival order; a pod that finishes while waiting is promoted and read at once,
 * since following a terminated container returns its whole log and ends.
 */
export interface LogSlot {
  /**
   * Resolves true once the follow may start, or false when the slot was released while still waiting.
   * Made on first access: the runtime passes `take` a callback instead, so the thousands of attempts that
   * wait hold no promise.
   */
  readonly granted: Promise<boolean>;
  /** Starts now, above the limit if need be: the pod has finished and its log is short-lived. */
  promote(): void;
  /** Frees the slot (or leaves the queue). Idempotent. */
  release(): void;
}

export interface LogSlots {
  /**
   * Joins the queue; `onGranted` is called with the slot (once, synchronously, possibly before `take`
   * returns) when the follow may start.
   */
  take(onGranted?: (slot: LogSlot) => void): LogSlot;
  /** Follows running now. */
  readonly active: number;
  /** Attempts waiting for a slot. */
  readonly waiting: number;
}

/** A place in the queue; its behaviour is on the prototype (thousands wait at once). */
class Ticket implements LogSlot {
  state: 'waiting' | 'granted' | 'released' = 'waiting';
  /** Set once released while waiting: it was never granted. */
  refused = false;
  #granted: Promise<boolean> | undefined;
  #resolve: ((value: boolean) => void) | undefined;

  constructor(
    private readonly slots: Slots,
    private onGranted: ((slot: LogSlot) => void) | undefined,
  ) {}

  get granted(): Promise<boolean> {
    this.#granted ??=
      this.state === 'waiting'
        ? new Promise<boolean>((resolve) => (this.#resolve = resolve))
        : Promise.resolve(!this.refused);
    return this.#granted;
  }

  settle(value: boolean): void {
    this.refused = !value;
    const [onGranted, resolve] = [this.onGranted, this.#resolve];
    this.onGranted = this.#resolve = undefined;
    if (value) onGranted?.(this);
    resolve?.(value);
  }

  promote(): void {
    if (this.state === 'waiting') this.slots.grant(this);
  }

  release(): void {
    this.slots.release(this);
  }
}

class Slots implements LogSlots {
  // A Set keeps arrival order and removes in O(1) when a waiting attempt ends or is promoted.
  readonly #queue = new Set<Ticket>();
  #active = 0;

  constructor(private readonly limit: number) {}

  get active(): number {
    return this.#active;
  }

  get waiting(): number {
    return this.#queue.size;
  }

  take(onGranted?: (slot: LogSlot) => void): LogSlot {
    const ticket = new Ticket(this, onGranted);
    this.#queue.add(ticket);
    this.#next();
    return ticket;
  }

  grant(ticket: Ticket): void {
    this.#queue.delete(ticket);
    ticket.state = 'granted';
    this.#active++;
    ticket.settle(true);
  }

  release(ticket: Ticket): void {
    if (ticket.state === 'granted') {
      this.#active--;
      ticket.state = 'released';
      this.#next();
    } else if (ticket.state === 'waiting') {
      this.#queue.delete(ticket);
      ticket.state = 'released';
      ticket.settle(false);
    }
  }

  #next(): void {
    for (const ticket of this.#queue) {
      if (this.#active >= this.limit) return;
      this.grant(ticket);
    }
  }
}

export function createLogSlots(limit: number): LogSlots {
  if (!(limit > 0)) throw new RangeError(`the log follow limit must be positive, got ${limit}`);
  return new Slots(limit);
}
