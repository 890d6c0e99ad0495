/**
 * Regression (issue 19): the run view applied every live event on its own, re-rendering a 1,000-task run
 * up to 100 times a second. Events now reach the page once per animation frame.
 */
import { describe, expect, it } from 'vitest';
import { frameBatch } from '../src/composables/frameBatch';

/** A frame scheduler the test runs by hand. */
function frames() {
  const waiting: (() => void)[] = [];
  return {
    waiting,
    schedule(callback: () => void) {
      waiting.push(callback);
      return () => waiting.splice(waiting.indexOf(callback), 1);
    },
    next() {
      waiting.shift()?.();
    },
  };
}

describe('frameBatch', () => {
  it('hands everything that arrived within a frame over at once, in arrival order', () => {
    const f = frames();
    const batches: number[][] = [];
    const batch = frameBatch<number>((items) => batches.push(items), f.schedule);
    batch.push(1);
    batch.push(2);
    batch.push(3);
    expect(batches).toEqual([]);
    expect(f.waiting).toHaveLength(1);
    f.next();
    expect(batches).toEqual([[1, 2, 3]]);
    batch.push(4);
    f.next();
    expect(batches).toEqual([[1, 2, 3], [4]]);
  });

  it('flushes on demand without waiting for the frame, and drops what waits on cancel', () => {
    const f = frames();
    const batches: number[][] = [];
    const batch = frameBatch<number>((items) => batches.push(items), f.schedule);
    batch.push(1);
    batch.flush();
    expect(batches).toEqual([[1]]);
    expect(f.waiting).toHaveLength(0);
    batch.push(2);
    batch.cancel();
    f.next();
    expect(batches).toEqual([[1]]);
  });
});
