import { describe, expect, it } from 'vitest';
import { createLogSlots } from '@kontroler/k8s-runtime';

const settled = async <T>(p: Promise<T>): Promise<T | 'pending'> =>
  Promise.race([p, new Promise<'pending'>((r) => setTimeout(() => r('pending'), 10))]);

describe('log follow slots', () => {
  it('grants up to the limit, then in arrival order as slots free up', async () => {
    const slots = createLogSlots(2);
    const [a, b, c, d] = [slots.take(), slots.take(), slots.take(), slots.take()];
    expect(await a.granted).toBe(true);
    expect(await b.granted).toBe(true);
    expect(await settled(c.granted)).toBe('pending');
    expect({ active: slots.active, waiting: slots.waiting }).toEqual({ active: 2, waiting: 2 });
    b.release();
    b.release(); // idempotent: frees one slot, not two
    expect(await c.granted).toBe(true);
    expect(await settled(d.granted)).toBe('pending');
    expect({ active: slots.active, waiting: slots.waiting }).toEqual({ active: 2, waiting: 1 });
  });

  it('promotes a waiting slot above the limit, and a released waiter resolves false and leaves the queue', async () => {
    const slots = createLogSlots(1);
    const a = slots.take();
    const b = slots.take();
    const c = slots.take();
    b.promote();
    expect(await b.granted).toBe(true);
    expect(slots.active).toBe(2);
    c.release();
    expect(await c.granted).toBe(false);
    expect(slots.waiting).toBe(0);
    a.release();
    b.release();
    expect({ active: slots.active, waiting: slots.waiting }).toEqual({ active: 0, waiting: 0 });
    // A freed slot is not handed to a ticket that already left.
    const d = slots.take();
    expect(await d.granted).toBe(true);
  });

  it('calls back with the slot when granted, holding no promise while it waits, and never once released while waiting', async () => {
    const slots = createLogSlots(1);
    const calls: string[] = [];
    let given: unknown;
    const a = slots.take((slot) => {
      given = slot;
      calls.push('a');
    });
    // Granted at once, before take returned: the callback gets the slot as its argument.
    expect(calls).toEqual(['a']);
    expect(given).toBe(a);
    const b = slots.take(() => calls.push('b'));
    const c = slots.take(() => calls.push('c'));
    c.release();
    a.release();
    expect(calls).toEqual(['a', 'b']);
    // `granted` is still answered after the fact.
    expect(await b.granted).toBe(true);
    expect(await c.granted).toBe(false);
    expect({ active: slots.active, waiting: slots.waiting }).toEqual({ active: 1, waiting: 0 });
  });

  it('refuses a limit that is not positive', () => {
    expect(() => createLogSlots(0)).toThrow(RangeError);
  });
});
