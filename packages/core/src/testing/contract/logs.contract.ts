/** Contract: log lines per attempt, numbered in order. */
import { describe, expect, it } from 'vitest';
import type { LogLine } from '../../model/records.js';
import { testId } from '../builders.js';
import { FAKE_CLOCK_START as T0 } from '../fake-clock.js';
import { seedRun, type StoreFixture } from './fixture.js';

const lines = (from: number, count: number): LogLine[] =>
  Array.from({ length: count }, (_, index) => ({
    ts: T0 + from + index,
    stream: index % 2 === 0 ? 'stdout' : 'stderr',
    line: `line ${from + index}`,
  }));

export function logContract(fixture: StoreFixture): void {
  describe('logs', () => {
    it('numbers appended lines from 1 per attempt and reads them back in order', async () => {
      const { store } = fixture;
      const { attempts } = await seedRun(store, { attempts: [{}, {}] });
      const [a, b] = attempts.map((attempt) => attempt.id);
      if (a === undefined || b === undefined) throw new Error('seed failed');
      await store.appendLogs(a, lines(1, 3));
      await store.appendLogs(b, lines(100, 1));
      await store.appendLogs(a, lines(4, 2));
      await store.appendLogs(a, []);

      const read = await store.readLogs(a);
      expect(read.map((line) => line.seq)).toEqual([1, 2, 3, 4, 5]);
      expect(read.map((line) => line.line)).toEqual(['line 1', 'line 2', 'line 3', 'line 4', 'line 5']);
      expect(read[1]).toEqual({ seq: 2, ts: T0 + 2, stream: 'stderr', line: 'line 2' });
      expect(await store.readLogs(b)).toEqual([{ seq: 1, ts: T0 + 100, stream: 'stdout', line: 'line 100' }]);
      expect(await store.readLogs(testId())).toEqual([]);
    });

    it('reads after a sequence number, up to a limit, or the tail', async () => {
      const { store } = fixture;
      const { attempts } = await seedRun(store, { attempts: [{}] });
      const id = attempts[0]?.id ?? '';
      await store.appendLogs(id, lines(1, 5));
      const seqs = async (options: Parameters<typeof store.readLogs>[1]): Promise<number[]> =>
        (await store.readLogs(id, options)).map((line) => line.seq);
      expect(await seqs({ afterSeq: 2 })).toEqual([3, 4, 5]);
      expect(await seqs({ afterSeq: 2, limit: 2 })).toEqual([3, 4]);
      expect(await seqs({ limit: 1 })).toEqual([1]);
      expect(await seqs({ tail: 2 })).toEqual([4, 5]);
      expect(await seqs({ tail: 10 })).toEqual([1, 2, 3, 4, 5]);
      expect(await seqs({ afterSeq: 5 })).toEqual([]);
    });

    it('keeps sequence numbers unique and gapless under concurrent appends', async () => {
      const { store } = fixture;
      const { attempts } = await seedRun(store, { attempts: [{}] });
      const id = attempts[0]?.id ?? '';
      await Promise.all(Array.from({ length: 5 }, (_, batch) => store.appendLogs(id, lines(batch * 10, 10))));
      const read = await store.readLogs(id);
      expect(read.map((line) => line.seq)).toEqual(Array.from({ length: 50 }, (_, index) => index + 1));
      // Each batch stays contiguous and in its own order.
      const firstOfBatch = read.filter((line) => Number(line.line.split(' ')[1]) % 10 === 0);
      for (const head of firstOfBatch) {
        const start = Number(head.line.split(' ')[1]);
        const batch = read.slice(head.seq - 1, head.seq + 9).map((line) => line.line);
        expect(batch).toEqual(lines(start, 10).map((line) => line.line));
      }
    });
  });
}
