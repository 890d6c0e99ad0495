/**
 * Issue 17 in real Chromium against the real server (`scripts/start.mjs`: embedded PostgreSQL, the
 * process runtime): a backfill started from the DAG page shows its progress (done / total) rising to
 * completion, and a trigger made on the DAG page reveals its secret once, which then starts a run.
 */
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingBrowser, screenshot, tid, type Session, launchSignedIn } from './browser';
import { serverUnderTest, signInAdmin, TestApi, type RunningServer } from './server';

const skipReason = missingBrowser();
if (skipReason) console.log(`console e2e skipped: ${skipReason}`);

const ADMIN_PASSWORD = 'operations-Admin-password-1';
const DAG = 'hourly-report';

describe.skipIf(skipReason !== null)('backfill and triggers in Chromium', () => {
  let server: RunningServer;
  let admin: Session;
  let api: TestApi;

  beforeAll(async () => {
    server = await serverUnderTest();
    api = new TestApi(server.url);
    const password = await signInAdmin(api, server, ADMIN_PASSWORD);
    await api.call('POST', '/api/v1/namespaces/default/dags', {
      name: DAG,
      schedule: '0 * * * *',
      parameters: [{ name: 'ref', defaultValue: 'main' }],
      tasks: [
        {
          name: 'report',
          image: 'alpine:3.20',
          command: ['sh', '-c', 'echo report for $ref'],
          parameters: ['ref'],
        },
      ],
    });
    admin = await launchSignedIn(server.url, 'admin', password);
    // Building the console and starting the server take minutes on a busy machine.
  }, 600_000);

  afterAll(async () => {
    await admin?.close();
    await server?.stop();
  });

  it('starts a backfill from the DAG page and shows its progress until done = total', async () => {
    const { page } = admin;
    await page.goto(`${server.url}/namespaces/default/dags/${DAG}`);
    await page.click(tid('tab-backfills'));
    await page.waitForSelector(tid('backfill-form'));
    // Four hourly ticks, two runs at a time (the browser's `datetime-local` is in its own time zone).
    const local = (iso: string) =>
      page.evaluate((at) => {
        const d = new Date(at);
        const pad = (n: number) => String(n).padStart(2, '0');
        return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
      }, iso);
    await page.fill(tid('backfill-from'), await local('2026-01-01T00:00:00Z'));
    await page.fill(tid('backfill-to'), await local('2026-01-01T04:00:00Z'));
    await page.fill(tid('backfill-max'), '2');
    await page.click(tid('backfill-start'));
    const progress = page.locator(tid('backfill-progress')).first();
    await expect.poll(() => progress.textContent(), { timeout: 120_000 }).toMatch(/^\d+ \/ 4$/);
    await screenshot(page, 'backfill-progress');
    // The panel refreshes while the backfill runs: the count rises to the total and the state completes.
    await expect.poll(() => progress.textContent(), { timeout: 120_000 }).toBe('4 / 4');
    await page.waitForSelector(`${tid('backfills-table')} >> text=completed`);
    expect(
      await page
        .locator(`${tid('backfills-table')} progress`)
        .first()
        .getAttribute('value'),
    ).toBe('4');
    // One run per tick, no more (the API's run list does not show the tick itself).
    const runs = await api.call<{ items: Array<{ id: string }> }>(
      'GET',
      `/api/v1/runs?namespace=default&dag=${DAG}`,
    );
    expect(runs.items).toHaveLength(4);
    await screenshot(page, 'backfill-completed');
  });

  it('creates a trigger on the DAG page, shows its secret once, and the secret starts a run', async () => {
    const { page } = admin;
    await page.goto(`${server.url}/namespaces/default/dags/${DAG}`);
    await page.click(tid('tab-triggers'));
    await page.fill(tid('trigger-name'), 'ci');
    await page.fill(tid('trigger-map-ref'), '/ref');
    await page.click(tid('trigger-create'));
    const revealed = page.locator(`${tid('trigger-secret')} pre`);
    const secret = ((await revealed.textContent()) ?? '').trim();
    expect(secret).toMatch(/^whsec_/);
    await page.waitForSelector(tid('trigger-row-ci'));
    expect(await page.textContent(tid('triggers-table'))).not.toContain(secret);
    const url = ((await page.textContent(`${tid('trigger-row-ci')} td:nth-child(2)`)) ?? '').trim();
    await screenshot(page, 'trigger-created');

    const body = JSON.stringify({ ref: 'release-1' });
    const id = 'msg_e2e_1';
    const now = new Date();
    const reply = await fetch(server.url + url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
        'webhook-signature': new Webhook(secret).sign(id, now, body),
      },
      body,
    });
    expect(reply.status).toBe(202);
    const { runId } = (await reply.json()) as { runId: string };
    const run = await api.call<{ run: { parameters: Record<string, unknown> } }>(
      'GET',
      `/api/v1/namespaces/default/runs/${runId}`,
    );
    expect(JSON.stringify(run.run.parameters)).toContain('release-1');
  });
});
