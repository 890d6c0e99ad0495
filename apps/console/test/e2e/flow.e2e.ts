/**
 * Issue 16 in real Chromium against the real server (`scripts/start.mjs`: embedded PostgreSQL, the
 * process runtime): a DAG with outputs, a forEach over an upstream output, a `when` condition and an exit
 * handler is built in the editor (a bad condition is shown at its field first), drawn with its flow marks,
 * and run; the run view shows the fan-out's instances, the task skipped by its condition with the reason,
 * and the outputs of a task.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { missingBrowser, screenshot, tid, type Session, launchSignedIn } from './browser';
import { serverUnderTest, signInAdmin, TestApi, type RunningServer } from './server';

const skipReason = missingBrowser();
if (skipReason) console.log(`console e2e skipped: ${skipReason}`);

const ADMIN_PASSWORD = 'flow-Admin-password-1';
const DAG = 'e2e-flow';

/** Adds a task in the editor with a command (one argument per line). */
async function addTask(page: Page, name: string, command: string[]): Promise<void> {
  await page.click(tid('add-task'));
  await page.waitForSelector(tid('task-panel'));
  await page.fill(tid('task-name'), name);
  await page.fill(tid('task-command'), command.join('\n'));
}

/** Makes the selected task run after `parent`, with the panel's dependency picker. */
async function runAfter(page: Page, parent: string): Promise<void> {
  await page.selectOption(tid('task-add-dep'), parent);
  await page.click(`${tid('task-panel')} button:text-is("Add")`);
}

async function addOutputs(page: Page, names: string[]): Promise<void> {
  for (const [i, name] of names.entries()) {
    await page.click(tid('task-output-add'));
    await page.fill(tid(`task-output-name-${i}`), name);
  }
}

async function waitForAttr(page: Page, selector: string, attr: string, values: string[], timeout = 90_000) {
  const handle = await page.waitForFunction(
    ({ selector, attr, values }) => {
      const v = document.querySelector(selector)?.getAttribute(attr);
      return v && values.includes(v) ? v : null;
    },
    { selector, attr, values },
    { timeout, polling: 100 },
  );
  return (await handle.jsonValue()) as string;
}

describe.skipIf(skipReason !== null)('data and control flow in Chromium', () => {
  let server: RunningServer;
  let admin: Session;
  let api: TestApi;

  beforeAll(async () => {
    server = await serverUnderTest();
    api = new TestApi(server.url);
    const password = await signInAdmin(api, server, ADMIN_PASSWORD);
    admin = await launchSignedIn(server.url, 'admin', password);
    // Building the console and starting the server take minutes on a busy machine.
  }, 600_000);

  afterAll(async () => {
    await admin?.close();
    await server?.stop();
  });

  it('builds the DAG with when, forEach, outputs and an exit handler in the editor', async () => {
    const { page } = admin;
    await page.goto(`${server.url}/dags/new`);
    await page.waitForSelector(tid('dag-settings'));
    await page.fill(tid('dag-name'), DAG);
    await page.fill(tid('dag-deadline'), '600');

    await addTask(page, 'list', [
      'sh',
      '-c',
      'echo \'["a","b","c"]\' > "$KONTROLER_OUTPUTS_DIR/files"; echo 3 > "$KONTROLER_OUTPUTS_DIR/count"',
    ]);
    await addOutputs(page, ['files', 'count']);

    await addTask(page, 'process', ['sh', '-c', 'echo "seen {{ item }}" > "$KONTROLER_OUTPUTS_DIR/seen"']);
    await runAfter(page, 'list');
    await addOutputs(page, ['seen']);
    await page.selectOption(tid('task-foreach-mode'), 'from');
    // The only upstream output list is offered first.
    expect(await page.inputValue(tid('task-foreach-from'))).toBe('{{ tasks.list.outputs.files }}');
    await page.fill(tid('task-foreach-parallelism'), '2');

    await addTask(page, 'publish', ['sh', '-c', 'echo publishing']);
    await runAfter(page, 'list');
    // A condition naming an output nobody declares is refused at its field, before saving.
    await page.fill(tid('task-when'), 'tasks.list.outputs.rows > 5');
    await page.waitForSelector(tid('task-when-error'));
    expect(await page.textContent(tid('task-when-error'))).toContain('rows');
    expect(await page.isDisabled(tid('save-dag'))).toBe(true);
    await screenshot(page, 'flow-when-error');
    await page.fill(tid('task-when'), 'tasks.list.outputs.count > 5');
    await page.waitForSelector(tid('task-when-error'), { state: 'detached' });

    await addTask(page, 'notify', ['sh', '-c', 'echo run {{ run.status }}']);
    await page.check(tid('task-exit'));

    await page.click(tid('auto-layout'));
    expect(await page.textContent(tid('validation-status'))).toContain('Valid');
    await page.waitForSelector(tid('node-when-publish'));
    expect(await page.textContent(tid('node-foreach-process'))).toBe(
      '× tasks.list.outputs.files · 2 at a time',
    );
    expect(await page.locator(tid('node-exit-notify')).count()).toBe(1);
    await screenshot(page, 'flow-editor');

    await page.click(tid('save-dag'));
    await page.waitForURL(new RegExp(`/namespaces/default/dags/${DAG}$`));
    await page.waitForSelector(tid('graph-dag-detail'));
    expect(await page.locator('.vue-flow__node').count()).toBe(4);
    expect(await page.getAttribute(tid('node-when-publish'), 'title')).toBe(
      'when: tasks.list.outputs.count > 5',
    );
    const saved = await api.call<{ version: { spec: Record<string, unknown> } }>(
      'GET',
      `/api/v1/namespaces/default/dags/${DAG}`,
    );
    expect(saved.version.spec).toMatchObject({
      activeDeadlineSeconds: 600,
      tasks: [
        { name: 'list', outputs: [{ name: 'files' }, { name: 'count' }] },
        {
          name: 'process',
          runAfter: ['list'],
          forEach: { from: '{{ tasks.list.outputs.files }}', parallelism: 2 },
          outputs: [{ name: 'seen' }],
        },
        { name: 'publish', runAfter: ['list'], when: 'tasks.list.outputs.count > 5' },
      ],
      onExit: [{ name: 'notify' }],
    });
    await screenshot(page, 'flow-saved');
  });

  it('runs it: instances of the fan-out, the skipped task with its reason, the outputs', async () => {
    const { page } = admin;
    await page.click(tid('dag-run'));
    await page.click(tid('run-submit'));
    await page.waitForURL(/\/runs\/[^/]+$/);
    expect(await waitForAttr(page, tid('run-state'), 'data-state', ['succeeded', 'failed', 'canceled'])).toBe(
      'succeeded',
    );
    const runId = page.url().split('/').pop()!;

    // The condition was false: greyed, with the reason on the node.
    await waitForAttr(page, tid('node-publish'), 'data-state', ['skipped']);
    expect(await page.textContent(tid('node-skip-publish'))).toBe('skipped: its when condition is false');
    // The fan-out made one instance per item of list's output.
    expect(await page.textContent(tid('node-foreach-process'))).toBe('× 3 instances · 2 at a time');
    expect(await waitForAttr(page, tid('node-notify'), 'data-state', ['succeeded'])).toBe('succeeded');
    await screenshot(page, 'flow-run');

    await page.click(tid('node-publish'));
    await page.waitForSelector(tid('task-skip-reason'));
    expect((await page.textContent(tid('task-skip-reason')))?.replace(/\s+/g, ' ').trim()).toBe(
      'Skipped: its when condition is false — tasks.list.outputs.count > 5',
    );

    await page.click(tid('node-process'));
    await page.waitForSelector(tid('task-instances'));
    for (const i of [0, 1, 2])
      expect(await page.getAttribute(tid(`instance-${i}`), 'data-state')).toBe('succeeded');
    await page.click(tid('instance-1'));
    expect(await page.textContent(tid('task-detail-name'))).toBe('process[1]');
    expect(await page.textContent(tid('task-detail-parent'))).toBe('process');
    await screenshot(page, 'flow-instances');

    // Outputs: shown as the API returns them (attempts[].outputs); a server without them says none came.
    const detail = await api.call<{
      attempts: Array<{ taskName: string; outputs?: Record<string, unknown> }>;
    }>('GET', `/api/v1/namespaces/default/runs/${runId}`);
    const listOutputs = detail.attempts.find((a) => a.taskName === 'list')?.outputs;
    await page.click(tid('node-list'));
    await page.waitForSelector(tid('task-detail'));
    expect(await page.textContent(tid('task-detail-name'))).toBe('list');
    if (listOutputs) {
      expect(listOutputs).toEqual({ files: ['a', 'b', 'c'], count: 3 });
      expect(await page.textContent(tid('output-value-files'))).toBe('[\n  "a",\n  "b",\n  "c"\n]');
      expect(await page.textContent(tid('output-value-count'))).toBe('3');
      await page.click(tid('node-process'));
      await page.click(tid('instance-2'));
      expect(await page.textContent(tid('task-detail-item'))).toBe('"c"');
      expect(await page.textContent(tid('output-value-seen'))).toBe('"seen c"');
    } else {
      console.log('this server sends no attempts[].outputs: the console says so');
      expect(await page.textContent(tid('task-no-outputs'))).toBe(
        'No outputs recorded (declares files, count).',
      );
    }
    await screenshot(page, 'flow-outputs');
  });
});
