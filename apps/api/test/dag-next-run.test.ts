/**
 * Regression (issue 15): a DAG scheduled `*\/1 * * * *` and saved at :45 s advertised `nextRunAt` at the
 * next minute, and no run happened then. The API's `nextRunAt` is the tick the engine's scheduler fires.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineEventPayload } from '@kontroler/core';
import { startHarness, type Harness } from './support/harness.js';

const DAGS = '/api/v1/namespaces/default/dags';
const MINUTE = 60_000;
let h: Harness;
/** The API's clock: the engine's fake clock once the harness has made it. */
let now: () => number = Date.now;
let editor: string;

beforeAll(async () => {
  h = await startHarness({ deps: { now: () => now() } });
  now = () => h.clock.now();
  editor = (await h.user('sched-ed', [{ role: 'editor', namespace: null }])).token;
});
afterAll(async () => h?.close());

describe('nextRunAt', () => {
  it('a DAG saved at :45 s gets a run for the nextRunAt the API advertised', async () => {
    await h.clock.advanceTo(Math.ceil(h.clock.now() / MINUTE) * MINUTE + 45_000);
    const fired = new Promise<EngineEventPayload<'schedule.fired'>>((resolve) => {
      h.engine.events.once('schedule.fired', resolve);
    });
    const saved = await h.request<{ dag: { nextRunAt: string | null } }>('POST', DAGS, {
      token: editor,
      body: {
        name: 'every-minute',
        schedule: '*/1 * * * *',
        tasks: [{ name: 'a', image: 'alpine', command: ['true'] }],
      },
    });
    expect(saved.status, saved.text).toBe(201);
    const advertised = Date.parse(saved.body.dag.nextRunAt ?? '');
    expect(advertised).toBe(h.clock.now() + 15_000);

    // A scheduler pass that began before the save (it reads the real database) may arm its timer only
    // after this advance; moving the clock to the same time again fires it, and never moves time past the tick.
    let settled = false;
    void fired.finally(() => (settled = true));
    while (!settled) {
      await h.clock.advanceTo(advertised);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const { tick, run } = await fired;
    expect(tick).toBe(advertised);
    expect(run.scheduledFor).toBe(advertised);
    const listed = await h.store.listRuns(
      { dag: { namespace: 'default', name: 'every-minute' } },
      { limit: 10 },
    );
    expect(listed.items.map((r) => r.scheduledFor)).toEqual([advertised]);
  });
});
