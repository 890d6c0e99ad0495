/**
 * The console end to end, in real Chromium against the real server (`node scripts/start.mjs` on
 * embedded PostgreSQL with the process runtime). Every step saves a screenshot to
 * apps/console/test-results/. Run: `npm run test:e2e -w @kontroler/console`.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { connect, launch, missingBrowser, screenshot, signIn, tid, type Session } from './browser';
import { serverUnderTest, TestApi, type RunningServer } from './server';

const skipReason = missingBrowser();
if (skipReason) console.log(`console e2e skipped: ${skipReason}`);

const NEW_PASSWORD = 'e2e-Admin-password-1';
const VIEWER = { username: 'vera', password: 'e2e-Viewer-password-1' };

async function waitForState(
  page: Page,
  selector: string,
  states: string[],
  timeout = 60_000,
): Promise<string> {
  const handle = await page.waitForFunction(
    ({ selector, states }) => {
      const el = document.querySelector(selector);
      const s = el?.getAttribute('data-state');
      return s && states.includes(s) ? s : null;
    },
    { selector, states },
    { timeout, polling: 100 },
  );
  return (await handle.jsonValue()) as string;
}

function bigDag(name: string, levels: number, width: number) {
  const tasks = [];
  for (let l = 0; l < levels; l++)
    for (let w = 0; w < width; w++) {
      const runAfter = l === 0 ? undefined : [`t-${l - 1}-${w}`, ...(w > 0 ? [`t-${l - 1}-${w - 1}`] : [])];
      tasks.push({
        name: `t-${l}-${w}`,
        image: 'alpine:3.20',
        command: ['true'],
        ...(runAfter ? { runAfter } : {}),
      });
    }
  return { name, tasks };
}

describe.skipIf(skipReason !== null)('console in Chromium against the real server', () => {
  let server: RunningServer;
  let admin: Session;
  let api: TestApi;
  const flakyMark = `/tmp/kontroler-e2e-flaky-${process.pid}-${Date.now()}`;
  const cspViolations: string[] = [];

  beforeAll(async () => {
    server = await serverUnderTest();
    admin = await launch();
    admin.page.on('pageerror', (e) => console.log(`[page error] ${e.message}`));
    admin.page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });
    api = new TestApi(server.url);
  });

  afterAll(async () => {
    await admin?.close();
    await server?.stop();
    rmSync(flakyMark, { force: true });
  });

  it('signs in (changing the one-time admin password first)', async () => {
    const { page } = admin;
    let password = server.adminPassword;
    await signIn(page, server.url, 'admin', password);
    await screenshot(page, 'signed-in');
    if (page.url().includes('/account')) {
      password = NEW_PASSWORD;
      await page.fill(tid('pw-current'), server.adminPassword);
      await page.fill(tid('pw-new'), NEW_PASSWORD);
      await page.fill(tid('pw-confirm'), NEW_PASSWORD);
      await page.click(tid('pw-submit'));
      // The change answers a new session (the old one ends): wait for it before signing out.
      await page.waitForURL((u) => !u.pathname.startsWith('/account'));
      if (await page.locator(tid('sign-out')).count()) await page.click(tid('sign-out'));
      await page.waitForURL(/\/login/);
      await signIn(page, server.url, 'admin', NEW_PASSWORD);
    }
    await api.login('admin', password);
    await page.waitForSelector(tid('dag-table'));
    expect(await page.locator(tid('nav-admin')).count()).toBe(1);
    await screenshot(page, 'dag-list');
  });

  it('builds a 4-task DAG with the mouse, sees a cycle rejected, and saves it', async () => {
    const { page } = admin;
    await page.click(tid('new-dag'));
    await page.waitForSelector(tid('dag-settings'));
    await page.fill(tid('dag-name'), 'e2e-etl');
    await page.click(tid('dag-param-add'));
    await page.fill(tid('dag-param-name-0'), 'GREETING');
    await page.press(tid('dag-param-name-0'), 'Tab');
    await page.fill(tid('dag-param-default-0'), 'hello');

    const tasks: [string, string][] = [
      ['extract', 'echo extract-done $GREETING'],
      ['clean', 'echo clean-done'],
      ['enrich', 'echo enrich-done'],
      ['load', 'sleep 2; echo load-done'],
    ];
    for (const [name, cmd] of tasks) {
      await page.click(tid('add-task'));
      await page.waitForSelector(tid('task-panel'));
      await page.fill(tid('task-name'), name);
      await page.fill(tid('task-command'), `sh\n-c\n${cmd}`);
      if (name === 'extract') await page.check(tid('task-param-GREETING'));
    }
    await page.click(tid('auto-layout'));
    await page.waitForTimeout(300);
    await connect(page, 'extract', 'clean');
    await connect(page, 'extract', 'enrich');
    await connect(page, 'clean', 'load');
    await connect(page, 'enrich', 'load');
    await page.click(tid('auto-layout'));
    await page.waitForTimeout(300);
    expect(await page.locator('.vue-flow__edge').count()).toBe(4);
    expect(await page.textContent(tid('validation-status'))).toContain('Valid');
    // Issue 15: npm start runs tasks with the process runtime, which ignores their images; the editor says
    // so next to the problems list while the DAG is valid.
    await page.waitForSelector(tid('runtime-warnings'));
    expect(await page.locator(`${tid('runtime-warnings')} [data-code="IMAGE_IGNORED"]`).count()).toBe(4);
    await screenshot(page, 'editor-4-tasks');

    // load → extract closes a cycle: the browser's validator (core's) rejects it.
    await connect(page, 'load', 'extract');
    await page.waitForSelector('.vue-flow__edge.cycle', { state: 'attached' });
    expect(await page.locator('.vue-flow__edge').count()).toBe(5);
    expect(await page.locator('.vue-flow__edge.cycle').count()).toBeGreaterThanOrEqual(3);
    expect(await page.textContent(tid('validation-status'))).toMatch(/problem/);
    expect(await page.isDisabled(tid('save-dag'))).toBe(true);
    expect(await page.locator(`${tid('issue-list')} [data-code="CYCLE"]`).count()).toBeGreaterThan(0);
    expect(await page.locator(tid('node-errors-extract')).count()).toBe(1);
    await screenshot(page, 'editor-cycle-rejected');

    await page.click(tid('node-extract'));
    await page.click(tid('remove-dep-load'));
    expect(await page.locator('.vue-flow__edge.cycle').count()).toBe(0);
    expect(await page.isEnabled(tid('save-dag'))).toBe(true);

    // The YAML tab mirrors the canvas.
    await page.click(tid('editor-tab-yaml'));
    await page.waitForSelector(tid('yaml-editor'));
    const yaml = await page.locator(tid('yaml-editor')).innerText();
    expect(yaml).toContain('name: e2e-etl');
    expect(yaml).toContain('- extract');
    await page.click(tid('editor-tab-canvas'));

    await page.click(tid('save-dag'));
    await page.waitForURL(/\/namespaces\/default\/dags\/e2e-etl$/);
    await page.waitForSelector(tid('graph-dag-detail'));
    expect(await page.locator('.vue-flow__node').count()).toBe(4);
    await screenshot(page, 'dag-saved');
  });

  let runUrl = '';
  it('triggers the DAG with a parameter and watches it succeed live', async () => {
    const { page } = admin;
    await page.click(tid('dag-run'));
    await page.waitForSelector(tid('param-GREETING'));
    expect(await page.inputValue(tid('param-GREETING'))).toBe('hello');
    await page.fill(tid('param-GREETING'), 'bonjour-e2e');
    await screenshot(page, 'run-form');
    await page.click(tid('run-submit'));
    await page.waitForURL(/\/runs\/[^/]+$/);
    runUrl = page.url();
    // …and the run view says it at the top.
    await page.waitForSelector(tid('runtime-warnings'));
    expect(await page.textContent(tid('runtime-warnings'))).toContain('Images are ignored here.');
    const seen = new Set<string>();
    seen.add(await waitForState(page, tid('run-state'), ['pending', 'running', 'succeeded', 'failed']));
    await screenshot(page, 'run-started');
    const final = await waitForState(page, tid('run-state'), ['succeeded', 'failed', 'canceled'], 90_000);
    expect(final).toBe('succeeded');
    // The page was never reloaded: the states arrived over the live event stream. Finished, it is not "live".
    expect(await page.locator(tid('run-live')).count()).toBe(0);
    expect(await page.getAttribute(tid('node-load'), 'data-state')).toBe('succeeded');
    expect(await page.locator(tid('gantt')).locator('button').count()).toBe(4);
    console.log(`run states seen before the end: ${[...seen].join(', ')}`);
    await screenshot(page, 'run-succeeded');
  });

  it("reads a task's log", async () => {
    const { page } = admin;
    await page.click(tid('attempt-extract-1'));
    await page.waitForFunction(
      (sel) => document.querySelector(sel)?.textContent?.includes('extract-done bonjour-e2e'),
      tid('log-output'),
      {
        timeout: 20_000,
      },
    );
    await page.fill(tid('log-search'), 'bonjour');
    expect(await page.locator(`${tid('log-output')} mark`).count()).toBeGreaterThan(0);
    await screenshot(page, 'task-log');
  });

  it('makes a task fail and retries the run from the failed task', async () => {
    const { page } = admin;
    await api.call('POST', '/api/v1/namespaces/default/dags', {
      name: 'e2e-flaky',
      tasks: [
        { name: 'first', image: 'alpine:3.20', command: ['sh', '-c', 'echo first'] },
        {
          name: 'flaky',
          image: 'alpine:3.20',
          runAfter: ['first'],
          backoff: { limit: 0 },
          script: `if [ -f ${flakyMark} ]; then echo recovered; else touch ${flakyMark}; echo failing >&2; exit 3; fi`,
        },
      ],
    });
    await page.goto(`${server.url}/namespaces/default/dags/e2e-flaky`);
    await page.click(tid('dag-run'));
    await page.click(tid('run-submit'));
    await page.waitForURL(/\/runs\/[^/]+$/);
    expect(await waitForState(page, tid('run-state'), ['succeeded', 'failed', 'canceled'], 60_000)).toBe(
      'failed',
    );
    expect(await page.getAttribute(tid('node-flaky'), 'data-state')).toBe('failed');
    await page.waitForSelector(tid('attempt-flaky-1'));
    expect(await page.textContent(tid('attempt-flaky-1'))).toContain('3');
    // Why it failed is on the page in full (it was only a tooltip), and the run's reason wraps, never "…".
    expect(await page.textContent(`${tid('run-failure')} ${tid('failure-text')}`)).toBe('exited with code 3');
    const reason = page.locator(tid('run-reason'));
    expect(await reason.evaluate((el) => getComputedStyle(el).textOverflow)).not.toBe('ellipsis');
    expect(await reason.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
    await page.click(tid('attempt-flaky-1'));
    expect(await page.textContent(`${tid('log-failure')} ${tid('failure-text')}`)).toBe('exited with code 3');
    await screenshot(page, 'run-failed');
    await page.click(tid('run-retry'));
    expect(await waitForState(page, tid('run-state'), ['succeeded'], 60_000)).toBe('succeeded');
    expect(await page.getAttribute(tid('node-flaky'), 'data-state')).toBe('succeeded');
    await screenshot(page, 'run-retried');
  });

  it('a viewer sees no edit, run or admin actions', async () => {
    await api.call('POST', '/api/v1/users', { ...VIEWER, roles: [{ role: 'viewer', namespace: null }] });
    const viewer = await launch();
    try {
      const { page } = viewer;
      await signIn(page, server.url, VIEWER.username, VIEWER.password);
      if (page.url().includes('/account')) {
        await page.fill(tid('pw-current'), VIEWER.password);
        await page.fill(tid('pw-new'), `${VIEWER.password}x`);
        await page.fill(tid('pw-confirm'), `${VIEWER.password}x`);
        // The change (two scrypt hashes: slow on a busy machine) ends the old session and leaves /account.
        await page.click(tid('pw-submit'));
        await page.waitForURL((u) => !u.pathname.startsWith('/account'), { timeout: 30_000 });
      }
      await page.goto(`${server.url}/namespaces/default/dags/e2e-etl`);
      await page.waitForSelector(tid('dag-title'));
      expect(await page.locator(tid('dag-edit')).count()).toBe(0);
      expect(await page.locator(tid('dag-run')).count()).toBe(0);
      expect(await page.locator(tid('nav-new-dag')).count()).toBe(0);
      expect(await page.locator(tid('nav-admin')).count()).toBe(0);
      await screenshot(page, 'viewer-dag');
      await page.goto(`${server.url}/namespaces/default/dags/e2e-etl/edit`);
      await page.waitForSelector(tid('page-403'));
      await page.goto(runUrl);
      await page.waitForSelector(tid('run-state'));
      expect(await page.locator(tid('run-retry')).count()).toBe(0);
      expect(await page.locator(tid('run-cancel')).count()).toBe(0);
      await screenshot(page, 'viewer-run');
    } finally {
      await viewer.close();
    }
  });

  it('offers an editor of one namespace only that namespace for a new DAG', async () => {
    const teamEditor = { username: 'e2e-team-editor', password: `${VIEWER.password}-team` };
    await api.call('POST', '/api/v1/users', {
      ...teamEditor,
      roles: [{ role: 'editor', namespace: 'team-e2e' }],
    });
    const editor = await launch();
    try {
      const { page } = editor;
      await signIn(page, server.url, teamEditor.username, teamEditor.password);
      if (page.url().includes('/account')) {
        await page.fill(tid('pw-current'), teamEditor.password);
        await page.fill(tid('pw-new'), `${teamEditor.password}x`);
        await page.fill(tid('pw-confirm'), `${teamEditor.password}x`);
        await page.click(tid('pw-submit'));
        await page.waitForURL((u) => !u.pathname.startsWith('/account'));
      }
      await page.goto(`${server.url}/dags/new`);
      await page.waitForSelector(tid('dag-namespace-input'));
      const options = await page
        .locator(`${tid('dag-namespace-input')} option:not([disabled])`)
        .allTextContents();
      expect(options.map((o) => o.trim())).toEqual(['team-e2e']);
      expect(await page.inputValue(tid('dag-namespace-input'))).toBe('team-e2e');
      // The default namespace's DAGs are not theirs: the list shows none of them.
      await page.goto(`${server.url}/dags`);
      await page.waitForSelector(tid('dag-table'));
      expect(await page.locator(tid('dag-row-e2e-etl')).count()).toBe(0);
      await screenshot(page, 'namespace-editor-new-dag');
    } finally {
      await editor.close();
    }
  });

  it('renders a 1,000-task DAG and is interactive (timings printed)', async () => {
    const { page } = admin;
    await api.call('POST', '/api/v1/namespaces/default/dags', bigDag('e2e-big', 20, 50));
    for (const [label, path] of [
      ['detail', '/namespaces/default/dags/e2e-big'],
      ['editor', '/namespaces/default/dags/e2e-big/edit'],
    ] as const) {
      await page.goto(`${server.url}/dags`);
      await page.waitForSelector(tid('dag-table'));
      const t0 = Date.now();
      await page.evaluate((p) => {
        history.pushState({}, '', p);
        dispatchEvent(new PopStateEvent('popstate'));
      }, path);
      await page.waitForSelector('.vue-flow__node', { timeout: 30_000 });
      const rendered = Date.now() - t0;
      const count = await page.locator('.vue-flow__node').count();
      const t1 = Date.now();
      await page.click(`.vue-flow__node >> nth=0`);
      if (label === 'editor') await page.waitForSelector(tid('task-panel'));
      else
        await page.waitForFunction(() => document.querySelector('.side h2')?.textContent?.startsWith('t-'));
      const interactive = Date.now() - t1;
      console.log(
        `1,000-task DAG (${label}): ${count} nodes rendered in ${rendered} ms; first click answered in ${interactive} ms; total ${rendered + interactive} ms`,
      );
      expect(count).toBeGreaterThan(0);
      await screenshot(page, `big-dag-${label}`);
    }
  });

  it('marks a misspelled YAML field on its line in the editor', async () => {
    const { page } = admin;
    await page.click(tid('nav-new-dag'));
    await page.waitForSelector(tid('dag-settings'));
    await page.click(tid('editor-tab-yaml'));
    await page.click(tid('yaml-editor'));
    await page.keyboard.press('Control+A');
    await page.keyboard.insertText(
      [
        'apiVersion: kontroler.greedykomodo/v1alpha1',
        'kind: DAG',
        'metadata:',
        '  name: e2e-marker',
        'spec:',
        '  task:',
        '    - name: a',
        '      image: alpine:3.20',
        '      script: echo a',
        '      colour: red', // line 10: not a task field
      ].join('\n'),
    );
    await page.waitForSelector('.cm-lintRange-error', { timeout: 10_000 });
    const marked = await page.evaluate(() => {
      const range = document.querySelector('.cm-lintRange-error');
      const lines = [...document.querySelectorAll('.cm-content > .cm-line')];
      return { text: range?.textContent, line: lines.indexOf(range?.closest('.cm-line') as Element) + 1 };
    });
    expect(marked).toEqual({ text: 'colour', line: 10 });
    expect(await page.locator('.cm-gutter-lint .cm-lint-marker-error').count()).toBe(1);
    await screenshot(page, 'editor-yaml-marker');
  });

  it('previews the plan in the editor before saving: levels, the critical path highlighted, a condition’s skip greyed', async () => {
    const { page } = admin;
    // The editor may hold the previous test's unsaved text: leave it.
    const accept = (dialog: { accept(): Promise<void> }) => void dialog.accept();
    page.on('dialog', accept);
    await page.goto(`${server.url}/dags/new`);
    page.off('dialog', accept);
    await page.waitForSelector(tid('dag-settings'));
    await page.click(tid('editor-tab-yaml'));
    await page.click(tid('yaml-editor'));
    await page.keyboard.press('Control+A');
    // a → (b, c → d) → e: the critical path is the longer branch.
    await page.keyboard.insertText(
      [
        'apiVersion: kontroler.greedykomodo/v1alpha1',
        'kind: DAG',
        'metadata:',
        '  name: e2e-plan',
        'spec:',
        '  task:',
        '    - {name: a, image: "alpine:3.20", script: echo a}',
        '    - {name: b, image: "alpine:3.20", script: echo b, runAfter: [a]}',
        '    - {name: c, image: "alpine:3.20", script: echo c, runAfter: [a]}',
        '    - {name: d, image: "alpine:3.20", script: echo d, runAfter: [c]}',
        '    - {name: e, image: "alpine:3.20", script: echo e, runAfter: [b, d]}',
        `    - {name: f, image: "alpine:3.20", script: echo f, runAfter: [a], when: "run.name == 'other'"}`,
      ].join('\n'),
    );
    await page.waitForFunction(
      () => document.querySelector('[data-testid="plan-critical-path"]')?.textContent === 'a → c → d → e',
      undefined,
      { timeout: 15_000, polling: 100 },
    );
    expect(await page.locator(tid('plan-summary')).innerText()).toContain('4 level(s)');
    expect(await page.locator(tid('plan-level-1')).innerText()).toMatch(/b\s*c/);
    const critical = async (name: string) =>
      page.locator(tid(`plan-task-${name}`)).getAttribute('data-critical');
    expect(await critical('c')).toBe('true');
    expect(await critical('b')).toBe('false');
    // f's condition is false before the run: greyed out as skipped, and counted.
    expect(await page.locator(tid('plan-task-f')).getAttribute('data-outcome')).toBe('skip');
    expect(await page.locator(tid('plan-summary')).innerText()).toContain('1 skipped');
    // Highlighted, not just flagged: the critical chip is drawn differently from the others.
    const colours = await page.evaluate(() => {
      const bg = (n: string) =>
        getComputedStyle(document.querySelector(`[data-testid="plan-task-${n}"]`) as Element).backgroundColor;
      return { c: bg('c'), b: bg('b') };
    });
    expect(colours.c).not.toBe(colours.b);
    // Nothing was saved to get it.
    expect(await page.locator(tid('dirty-indicator')).count()).toBe(1);
    await screenshot(page, 'editor-plan-preview');
    // The canvas shows the same plan: the critical path's nodes highlighted.
    await page.click(tid('editor-tab-canvas'));
    await page.waitForSelector(`${tid('node-d')}[data-plan="run critical"]`, { timeout: 10_000 });
    expect(await page.locator(tid('node-b')).getAttribute('data-plan')).toBe('run');
    expect(await page.locator(tid('node-f')).getAttribute('data-plan')).toBe('skip');
    await screenshot(page, 'editor-plan-canvas');
  });

  it('ran every page above under the Content-Security-Policy without a violation', async () => {
    const response = await admin.page.goto(`${server.url}/dags`);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    await admin.page.waitForSelector(tid('dag-table'));
    // The editor test validated DAGs in the browser with core's validator: no eval was needed for it.
    expect(cspViolations).toEqual([]);
  });
});
