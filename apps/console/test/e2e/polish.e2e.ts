/**
 * Issue 15's console polish and account pages, each pinned in real Chromium against the real server:
 * a fresh new-DAG editor shows no problem, the time-zone field stays in its panel, the timeline's last
 * axis label is whole, a finished run is not "live", the tokens tab names users, locked users can be
 * unlocked, and refused or unknown addresses get 403 and 404 pages instead of a silent redirect.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { launch, missingBrowser, screenshot, signIn, tid, type Session, launchSignedIn } from './browser';
import { serverUnderTest, signInAdmin, TestApi, type RunningServer } from './server';

const ROOT = join(import.meta.dirname, '..', '..', '..', '..');
const skipReason = missingBrowser();
if (skipReason) console.log(`console e2e skipped: ${skipReason}`);

const ADMIN_PASSWORD = 'polish-Admin-password-1';
const VIEWER = { username: 'polly', password: 'polish-Viewer-password-1' };
const LOCKED = { username: 'lockie', password: 'polish-Locked-password-1' };

/** The box of the first element matching `selector`, failing when it is not rendered. */
async function box(page: Page, selector: string) {
  const b = await page.locator(selector).first().boundingBox();
  if (!b) throw new Error(`${selector} is not rendered`);
  return { left: b.x, right: b.x + b.width, top: b.y, bottom: b.y + b.height, height: b.height };
}

/** Creates a user whose one-time password is already replaced by `password`. */
async function ready(server: RunningServer, api: TestApi, user: typeof VIEWER, role: 'viewer' | 'editor') {
  await api.call('POST', '/api/v1/users', {
    username: user.username,
    password: `${user.password}-initial`,
    roles: [{ role, namespace: null }],
  });
  const own = new TestApi(server.url);
  await own.login(user.username, `${user.password}-initial`);
  await own.call('POST', '/api/v1/me/password', {
    currentPassword: `${user.password}-initial`,
    newPassword: user.password,
  });
}

describe.skipIf(skipReason !== null)('console polish in Chromium', () => {
  let server: RunningServer;
  let admin: Session;
  let api: TestApi;

  beforeAll(async () => {
    server = await serverUnderTest();
    api = new TestApi(server.url);
    const password = await signInAdmin(api, server, ADMIN_PASSWORD);
    admin = await launchSignedIn(server.url, 'admin', password);
    await admin.page.waitForSelector(tid('dag-table'));
  });

  afterAll(async () => {
    await admin?.close();
    await server?.stop();
  });

  it('opens the new-DAG editor without problems, and the time-zone field inside its panel', async () => {
    const { page } = admin;
    await page.goto(`${server.url}/dags/new`);
    await page.waitForSelector(tid('dag-settings'));
    const status = await page.textContent(tid('validation-status'));
    expect(status).not.toMatch(/problem/);
    expect(await page.locator(tid('issue-list')).count()).toBe(0);
    expect(await page.locator(tid('dirty-indicator')).count()).toBe(0);
    expect(await page.locator('input.invalid').count()).toBe(0);

    // Inside the panel's content box: its padding is the margin the other fields keep too.
    const contentRight = await page.$eval(tid('dag-settings'), (el) => {
      return el.getBoundingClientRect().right - parseFloat(getComputedStyle(el).paddingRight);
    });
    const name = await box(page, tid('dag-name'));
    for (const field of ['dag-timezone', 'dag-schedule']) {
      const input = await box(page, tid(field));
      expect(input.right, `${field} ends inside the settings panel`).toBeLessThanOrEqual(contentRight + 0.5);
      expect(input.left).toBeGreaterThanOrEqual(name.left - 0.5);
    }
    expect((await box(page, tid('dag-timezone'))).right).toBeLessThanOrEqual(name.right + 0.5);
    await screenshot(page, 'polish-new-dag-editor');

    // Once the user edits, the checks speak up (no tasks yet).
    await page.fill(tid('dag-name'), 'polish-new');
    await page.waitForFunction(
      (sel) => /problem/.test(document.querySelector(sel)?.textContent ?? ''),
      tid('validation-status'),
    );
    expect(await page.locator(tid('issue-list')).count()).toBe(1);
  });

  it('shows a run as live only while it runs, with a whole last timeline label', async () => {
    const { page } = admin;
    await api.call('POST', '/api/v1/namespaces/default/dags', {
      name: 'polish-run',
      tasks: [
        { name: 'quick', image: 'alpine:3.20', command: ['sh', '-c', 'echo quick'] },
        {
          name: 'slow',
          image: 'alpine:3.20',
          command: ['sh', '-c', 'sleep 3; echo slow'],
          runAfter: ['quick'],
        },
      ],
    });
    const run = await api.call<{ id: string }>('POST', '/api/v1/namespaces/default/dags/polish-run/runs', {});
    await page.goto(`${server.url}/namespaces/default/runs/${run.id}`);
    await page.waitForSelector(tid('run-state'));
    const state = await page.getAttribute(tid('run-state'), 'data-state');
    if (state === 'pending' || state === 'running') {
      await page.waitForSelector(tid('run-live'));
      expect(await page.textContent(tid('run-live'))).toMatch(/●/);
    }
    await page.waitForSelector(`${tid('run-state')}[data-state="succeeded"]`, { timeout: 60_000 });
    expect(await page.locator(tid('run-live')).count()).toBe(0);

    await page.waitForSelector(`${tid('gantt')} .scale span`);
    const labels = page.locator(`${tid('gantt')} .scale span`);
    const count = await labels.count();
    const first = await box(page, `${tid('gantt')} .scale span >> nth=0`);
    const last = await box(page, `${tid('gantt')} .scale span >> nth=${count - 1}`);
    const scale = await box(page, `${tid('gantt')} .scale`);
    expect(last.height, 'the last axis label is one line, like the first').toBeLessThanOrEqual(
      first.height + 0.5,
    );
    expect(last.right).toBeLessThanOrEqual(scale.right + 0.5);
    expect(last.bottom).toBeLessThanOrEqual(scale.bottom + 0.5);
    await screenshot(page, 'polish-finished-run');
  });

  it('names the owner of each API token, and unlocks a locked user', async () => {
    const { page } = admin;
    await api.call('POST', '/api/v1/tokens', { name: 'polish-ci' });
    await ready(server, api, LOCKED, 'viewer');
    for (let i = 0; i < 5; i += 1) {
      await fetch(`${server.url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: LOCKED.username, password: 'wrong' }),
      });
    }
    await page.goto(`${server.url}/admin`);
    await page.click(tid('admin-tab-tokens'));
    await page.waitForSelector(tid('token-user-polish-ci'));
    expect((await page.textContent(tid('token-user-polish-ci')))?.trim()).toBe('admin');
    await screenshot(page, 'polish-admin-tokens');

    await page.click(tid('admin-tab-users'));
    await page.waitForSelector(tid(`user-locked-${LOCKED.username}`));
    await screenshot(page, 'polish-admin-locked-user');
    await page.click(tid(`unlock-user-${LOCKED.username}`));
    await page.waitForSelector(tid(`user-locked-${LOCKED.username}`), { state: 'detached' });
    const relogin = new TestApi(server.url);
    expect(await relogin.login(LOCKED.username, LOCKED.password)).toMatchObject({
      mustChangePassword: false,
    });
  });

  it('shows a viewer a 403 page on an edit address and anyone a 404 page on an unknown one', async () => {
    await ready(server, api, VIEWER, 'viewer');
    const viewer = await launch();
    try {
      const { page } = viewer;
      await signIn(page, server.url, VIEWER.username, VIEWER.password);
      for (const path of ['/dags/new', '/namespaces/default/dags/polish-run/edit', '/admin']) {
        await page.goto(`${server.url}${path}`);
        await page.waitForSelector(tid('page-403'));
        expect(new URL(page.url()).pathname, 'the address is kept').toBe(path);
        expect(await page.textContent(tid('page-403'))).toContain('Not allowed');
      }
      expect(await page.textContent(tid('page-403'))).toContain('admin');
      await screenshot(page, 'polish-403');

      await page.goto(`${server.url}/no/such/page`);
      await page.waitForSelector(tid('page-404'));
      expect(new URL(page.url()).pathname).toBe('/no/such/page');
      expect(await page.textContent(tid('page-404'))).toContain('/no/such/page');
      await screenshot(page, 'polish-404');
      await page.click(tid('status-home'));
      await page.waitForSelector(tid('dag-table'));
    } finally {
      await viewer.close();
    }
  });

  it('refuses a second npm start on the data directory of the running server, naming it', () => {
    // Only for the server this file started (an external one's data directory is elsewhere).
    expect(server.dataDir === '' || server.dataDir.length > 0).toBe(true);
    if (server.dataDir === '') return;
    const second = spawnSync(process.execPath, ['scripts/start.mjs'], {
      cwd: ROOT,
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: server.dataDir, LOG_LEVEL: 'warn' },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(second.status).toBe(1);
    const port = new URL(server.url).port;
    expect(second.stderr).toContain(`Kontroler is already running on port ${port} (pid `);
    expect(second.stderr).toContain(`data directory ${server.dataDir})`);
    expect(second.stderr).not.toMatch(/postmaster|lock file/i);
  });
});
