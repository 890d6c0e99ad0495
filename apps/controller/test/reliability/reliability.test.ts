/**
 * Reliability under failure (see chaos.ts). `npm test` runs the reduced scenario (4 DAGs);
 * KONTROLER_RELIABILITY=full (`npm run test:reliability`) runs 20 DAGs for longer.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { describeK8s, usePostgres } from '../support/env.js';
import { MIN_KILLS, runChaos, summaryTable, type ChaosOptions } from './chaos.js';

const full = process.env.KONTROLER_RELIABILITY === 'full';
const options: ChaosOptions = full
  ? { dags: 20, killEveryMs: 4000, cronSeconds: 10, taskMs: 2000, minChaosMs: 60_000, timeoutMs: 300_000 }
  : { dags: 4, killEveryMs: 3000, cronSeconds: 10, taskMs: 1500, minChaosMs: 25_000, timeoutMs: 150_000 };
// Cron every 10 s; the controllers catch up every missed tick (chaos.ts), so however long a leaderless gap
// lasts (leader killed, apiserver restarting), every tick fires exactly once.

const pg = usePostgres();
const tmp = mkdtempSync(join(tmpdir(), 'kontroler-chaos-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describeK8s(`reliability (${full ? 'full' : 'reduced'}: ${options.dags} DAGs)`, (plane) => {
  it(
    'finishes every run correctly through controller kills and PostgreSQL and apiserver restarts',
    async () => {
      const summary = await runChaos(plane(), pg().handle, tmp, {
        ...options,
        log: (line) => process.stdout.write(`[chaos] ${line}\n`),
      });
      process.stdout.write(
        `\nreliability summary (${full ? 'full' : 'reduced'})\n${summaryTable(summary)}\n`,
      );
      expect(summary.wrongOutcomes).toEqual([]);
      expect(summary.kills).toBeGreaterThanOrEqual(MIN_KILLS);
      expect(summary.leaderKills).toBeGreaterThanOrEqual(1);
      expect(summary.postgresRestarts).toBe(1);
      expect(summary.apiserverRestarts).toBe(1);
      expect(summary.duplicatePods).toBe(0);
      expect(summary.lostDeliveries).toBe(0);
      expect(summary.duplicateEvents).toBe(0);
      expect(summary.cronDuplicates).toBe(0);
      expect(summary.cronMissed).toBe(0);
      expect(summary.cronRuns).toBeGreaterThanOrEqual(2);
    },
    options.timeoutMs + 180_000,
  );
});
