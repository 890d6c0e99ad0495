/**
 * The dashboard in real Chromium against the real server (embedded PostgreSQL, the process runtime): runs
 * that really succeeded and failed show up as the home page's figures — runs by state, success rate per
 * DAG, the daily chart (an ECharts canvas, under the console's strict CSP), the most failing task, a
 * waiting run's position and an upcoming scheduled run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingBrowser, screenshot, tid, type Session, launchSignedIn } from './browser';
import { serverUnderTest, signInAdmin, TestApi, type RunningServer } from './server';

const skipReason = missingBrowser();
if (skipReason) console.log(`console e2e skipped: ${skipReason}`);

const ADMIN_PASSWORD = 'dashboard-Admin-password-1';
const NS = 'default';

describe.skipIf(skipReason !== null)('dashboard in Chromium', () => {
  let server: RunningServer;
  let admin: Session;
  let api: TestApi;
  const cspViolations: string[] = [];

  async function finish(dag: string): Promise<string> {
    const run = await api.call<{ id: string }>('POST', `/api/v1/namespaces/${NS}/dags/${dag}/runs`, {});
    for (let i = 0; i < 600; i++) {
      const detail = await api.call<{ run: { state: string } }>(
        'GET',
        `/api/v1/namespaces/${NS}/runs/${run.id}`,
      );
      if (['succeeded', 'failed', 'canceled'].includes(detail.run.state)) return detail.run.state;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`run ${run.id} of ${dag} did not finish`);
  }

  beforeAll(async () => {
    server = await serverUnderTest();
    api = new TestApi(server.url);
    const password = await signInAdmin(api, server, ADMIN_PASSWORD);
    const dag = (name: string, command: string, extra: Record<string, unknown> = {}) =>
      api.call('POST', `/api/v1/namespaces/${NS}/dags`, {
        name,
        tasks: [
          { name: 'main', image: 'alpine:3.20', command: ['sh', '-c', command], backoff: { limit: 0 } },
        ],
        ...extra,
      });
    await dag('dash-ok', 'echo ok');
    await dag('dash-bad', 'echo failing; exit 3');
    await dag('dash-hourly', 'echo tick', { schedule: '0 * * * *' });
    expect(await Promise.all([finish('dash-ok'), finish('dash-ok'), finish('dash-ok')])).toEqual([
      'succeeded',
      'succeeded',
      'succeeded',
    ]);
    expect(await finish('dash-bad')).toBe('failed');

    admin = await launchSignedIn(server.url, 'admin', password, (page) =>
      page.on('console', (m) => {
        if (/Content Security Policy|unsafe-eval/i.test(m.text())) cspViolations.push(m.text());
      }),
    );
    // Builds the console, starts the server and really runs four DAGs: slow on a busy machine.
  }, 600_000);

  afterAll(async () => {
    await admin?.close();
    await server?.stop();
  });

  it('shows the figures of the runs that really ran', async () => {
    const { page } = admin;
    const summary = await api.call<{
      active: Record<string, number>;
      finished24h: { succeeded: number; failed: number };
    }>('GET', '/api/v1/dashboard/summary');
    await page.goto(`${server.url}/`);
    const ok = tid(`dash-dag-${NS}-dash-ok`);
    const bad = tid(`dash-dag-${NS}-dash-bad`);
    await page.waitForSelector(ok);
    expect(await page.textContent(`${ok} ${tid('runs-24h')}`)).toBe('3');
    expect(await page.textContent(`${ok} ${tid('rate-24h')}`)).toBe('100%');
    expect(await page.textContent(`${ok} ${tid('runs-7d')}`)).toBe('3');
    expect(await page.textContent(`${bad} ${tid('rate-7d')}`)).toBe('0.0%');
    expect((await page.textContent(`${ok} ${tid('p50-7d')}`))?.trim()).not.toBe('');

    // The state cards: what the API says now (other suites may share the server).
    const succeeded = await page.textContent(`${tid('dash-state-succeeded')} ${tid('dash-state-count')}`);
    expect(Number(succeeded)).toBe(summary.finished24h.succeeded);
    expect(Number(succeeded)).toBeGreaterThanOrEqual(3);
    const failed = await page.textContent(`${tid('dash-state-failed')} ${tid('dash-state-count')}`);
    expect(Number(failed)).toBe(summary.finished24h.failed);
    expect(await page.locator(tid('dash-state-running')).count()).toBe(1);

    // The chart: ECharts drew a canvas, and its label carries today's figures.
    await page.waitForSelector(`${tid('daily-chart')} canvas`);
    const today = new Date().toISOString().slice(0, 10);
    const label = (await page.getAttribute(tid('daily-chart'), 'aria-label')) ?? '';
    expect(label).toContain(
      `${today} ${summary.finished24h.succeeded} succeeded, ${summary.finished24h.failed} failed`,
    );

    // The most failing task is the failing DAG's.
    expect(await page.textContent(tid('dash-failing'))).toContain('dash-bad.main');
    expect(await page.textContent(tid('dash-upcoming'))).toContain('dash-hourly');
    await screenshot(page, 'dashboard');
    expect(cspViolations).toEqual([]);
  });

  it('narrows to a namespace and shows nothing of the others', async () => {
    const { page } = admin;
    await page.goto(`${server.url}/`);
    await page.waitForSelector(tid(`dash-dag-${NS}-dash-ok`));
    await page.fill(tid('dash-namespace'), 'nobody-here');
    await page.press(tid('dash-namespace'), 'Enter');
    await page.waitForSelector(`${tid('dash-dags')} .empty`);
    expect(await page.locator(tid(`dash-dag-${NS}-dash-ok`)).count()).toBe(0);
    expect(await page.textContent(`${tid('dash-state-succeeded')} ${tid('dash-state-count')}`)).toBe('0');
  });
});
