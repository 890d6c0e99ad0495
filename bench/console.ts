/**
 * Console benchmark in real Chromium (`npm run bench -- console`): the console built as shipped, served by
 * the real server (`npm start` over embedded PostgreSQL), driven by playwright-core. Rows:
 *
 * - a 1,000-task DAG (20 levels × 50, two upstreams per task) opened on its detail page and in the
 *   editor: navigation → first node on screen, first node click → its panel, and the sum (target < 1 s);
 * - the run view of a run of that DAG with 1,000 live tasks while 100 events/s arrive (a started and a
 *   succeeded event per task): frames per second over the stream (target ≥ 30 fps, in the worst second
 *   too), the longest frame, and whether every event was shown by the end.
 *
 * The run is real (its one root task sleeps, so the engine leaves the other 999 waiting); its events come
 * from this script at an exact rate, through a small proxy in front of the server that answers
 * `/api/v1/events` and passes every other request through. Options (env): BENCH_REPEAT (opening the DAG,
 * default 5, median reported), BENCH_EVENT_SECONDS (default 10), BENCH_ONLY (`open` or `live`: one part),
 * BENCH_PROFILE=1 (Chromium CPU profile of each scenario, summarised, saved under bench/results/).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { launch, missingBrowser, signIn, tid } from '../apps/console/test/e2e/browser.js';
import { buildConsole, startServer, TestApi } from '../apps/console/test/e2e/server.js';
import { formatSummary, summariseProfiles } from './lib/cpu-profile.js';
import { median, printMachine, printTable, versus, type BenchRow } from './lib/report.js';

const here = dirname(fileURLToPath(import.meta.url));
const REPEAT = Number(process.env.BENCH_REPEAT ?? 5);
const EVENT_SECONDS = Number(process.env.BENCH_EVENT_SECONDS ?? 10);
const EVENTS_PER_SECOND = 100;
/** `open` or `live`: run only the DAG-opening rows or only the live run view. */
const ONLY = process.env.BENCH_ONLY ?? '';
const PROFILE = process.env.BENCH_PROFILE === '1';
const VITE = join(here, '..', 'node_modules', 'vite', 'bin', 'vite.js');
const PASSWORD = 'bench-password-1';
const LEVELS = 20;
const WIDTH = 50;

/** The 1,000-task DAG; with `gate`, every task also waits for one long root task. */
function bigDag(name: string, gate: boolean) {
  const tasks: { name: string; image: string; command: string[]; runAfter?: string[] }[] = [];
  if (gate) tasks.push({ name: 'gate', image: 'alpine:3.20', command: ['sleep', '3600'] });
  for (let l = 0; l < LEVELS; l++)
    for (let w = 0; w < WIDTH; w++) {
      const up = l === 0 ? [] : [`t-${l - 1}-${w}`, ...(w > 0 ? [`t-${l - 1}-${w - 1}`] : [])];
      const runAfter = gate && l === 0 ? ['gate'] : up;
      tasks.push({
        name: `t-${l}-${w}`,
        image: 'alpine:3.20',
        command: ['true'],
        ...(runAfter.length ? { runAfter } : {}),
      });
    }
  return { name, tasks };
}

/** The SSE answers the proxy holds open, and a way to push run events into them. */
interface EventFeed {
  url: string;
  push(event: string, data: unknown): void;
  subscribers(): number;
  close(): Promise<void>;
}

/** A proxy to `target` that answers `/api/v1/events` itself, with the events the script pushes. */
async function eventProxy(target: string): Promise<EventFeed> {
  const streams = new Set<ServerResponse>();
  let nextId = 1;
  const upstream = new URL(target);
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.url?.startsWith('/api/v1/events')) {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
      res.write('retry: 1000\n\n');
      streams.add(res);
      req.on('close', () => streams.delete(res));
      return;
    }
    const forward = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        path: req.url,
        method: req.method,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    push(event, data) {
      const text = `id: ${nextId++}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
      for (const res of streams) res.write(text);
    },
    subscribers: () => streams.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of streams) res.end();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Chromium's own CPU profile of `work`, saved and summarised when BENCH_PROFILE=1. */
async function profiled<T>(page: Page, name: string, work: () => Promise<T>): Promise<T> {
  if (!PROFILE) return work();
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  await cdp.send('Profiler.start');
  const result = await work();
  const { profile } = await cdp.send('Profiler.stop');
  const dir = join(here, 'results', `console-${name}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.cpuprofile`), JSON.stringify(profile));
  const lines = formatSummary(summariseProfiles(dir));
  writeFileSync(join(dir, 'summary.txt'), `${lines.join('\n')}\n`);
  console.log(`\nprofile of ${name} (${dir}):\n${lines.join('\n')}`);
  await cdp.detach();
  return result;
}

/** Opens `path` from the DAG list the way a click does (no reload); times first node and first click. */
async function openDag(page: Page, baseUrl: string, path: string, editor: boolean) {
  await page.goto(`${baseUrl}/dags`);
  await page.waitForSelector(tid('dag-table'));
  const started = Date.now();
  // Strings, not functions, for code that runs in the page (see framesDuring).
  await page.evaluate(
    `history.pushState({}, '', ${JSON.stringify(path)}); dispatchEvent(new PopStateEvent('popstate'))`,
  );
  await page.waitForSelector('.vue-flow__node', { timeout: 60_000 });
  const firstNode = Date.now() - started;
  const clicked = Date.now();
  await page.click('.vue-flow__node >> nth=0');
  if (editor) await page.waitForSelector(tid('task-panel'));
  else await page.waitForFunction(`document.querySelector('.side h2')?.textContent?.startsWith('t-')`);
  const click = Date.now() - clicked;
  return { firstNode, click, total: firstNode + click };
}

/** Frame timings while `work` runs: every requestAnimationFrame interval, in ms. */
async function framesDuring(page: Page, work: () => Promise<void>): Promise<number[]> {
  // A string, not a function: the bench runs through tsx, whose helpers a function would drag along.
  await page.evaluate(`(() => {
    window.__frames = [];
    window.__stop = false;
    let last = performance.now();
    const tick = (now) => {
      window.__frames.push(now - last);
      last = now;
      if (!window.__stop) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  })()`);
  await work();
  return page.evaluate<number[]>(`(() => {
    window.__stop = true;
    return window.__frames.slice(1);
  })()`);
}

/** Frames per second in the worst whole second of a list of frame intervals. */
function worstSecondFps(frames: readonly number[]): number {
  let worst = Infinity;
  let start = 0;
  let elapsed = 0;
  for (let i = 0; i < frames.length; i++) {
    elapsed += frames[i]!;
    while (elapsed > 1000 && start < i) {
      worst = Math.min(worst, ((i - start) * 1000) / (elapsed - frames[i]!));
      elapsed -= frames[start++]!;
    }
  }
  return Number.isFinite(worst) ? worst : (frames.length * 1000) / elapsed;
}

async function main(): Promise<void> {
  const missing = missingBrowser();
  if (missing) throw new Error(missing);
  console.log('building the console and starting the server…');
  if (PROFILE) {
    // Readable function names in the profile: the same build, not minified.
    const built = spawnSync(process.execPath, [VITE, 'build', '--minify', 'false'], {
      cwd: join(here, '..', 'apps', 'console'),
      stdio: 'inherit',
    });
    if (built.status !== 0) throw new Error('the console build failed');
  } else buildConsole();
  const server = await startServer();
  const feed = await eventProxy(server.url);
  const session = await launch();
  const rows: BenchRow[] = [];
  try {
    const { page } = session;
    // Set up: the one-time password changed, the DAGs saved, a run of the gated one started.
    const api = new TestApi(server.url);
    await api.login('admin', server.adminPassword);
    await api.call('POST', '/api/v1/me/password', {
      currentPassword: server.adminPassword,
      newPassword: PASSWORD,
    });
    await api.login('admin', PASSWORD);
    await api.call('POST', '/api/v1/namespaces/default/dags', bigDag('bench-big', false));
    await api.call('POST', '/api/v1/namespaces/default/dags', bigDag('bench-live', true));
    const run = await api.call<{ id: string; namespace: string }>(
      'POST',
      '/api/v1/namespaces/default/dags/bench-live/runs',
      {},
    );
    await signIn(page, feed.url, 'admin', PASSWORD);
    await page.waitForSelector(tid('dag-table'));

    for (const [label, path, editor] of ONLY === 'live'
      ? []
      : ([
          ['DAG page', '/namespaces/default/dags/bench-big', false],
          ['editor', '/namespaces/default/dags/bench-big/edit', true],
        ] as const)) {
      await openDag(page, feed.url, path, editor); // warm-up: the route's code chunk is loaded once
      const samples: { firstNode: number; click: number; total: number }[] = [];
      for (let i = 0; i < REPEAT; i++) {
        samples.push(
          await (i === 0
            ? profiled(page, `open-${editor ? 'editor' : 'dag'}`, () => openDag(page, feed.url, path, editor))
            : openDag(page, feed.url, path, editor)),
        );
      }
      const first = median(samples.map((s) => s.firstNode));
      const click = median(samples.map((s) => s.click));
      const total = median(samples.map((s) => s.total));
      console.log(`${label}: ${JSON.stringify(samples)}`);
      rows.push(
        { name: `1,000-task DAG, ${label}: first node`, value: `${first} ms`, note: `median of ${REPEAT}` },
        { name: `1,000-task DAG, ${label}: first click answered`, value: `${click} ms` },
        {
          name: `1,000-task DAG, ${label}: open + interactive`,
          value: `${total} ms`,
          target: '< 1000 ms',
          ratio: versus(total, 1000, 'ms'),
        },
      );
    }

    // The run view with 1,000 live tasks.
    if (ONLY === 'open') return;
    await page.goto(`${feed.url}/namespaces/default/runs/${run.id}`);
    await page.waitForSelector('.vue-flow__node', { timeout: 60_000 });
    const deadline = Date.now() + 30_000;
    while (feed.subscribers() === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const detail = await api.call<{
      run: Record<string, unknown>;
      attempts: { id: string; taskName: string; attempt: number }[];
    }>('GET', `/api/v1/namespaces/default/runs/${run.id}`);
    const names: string[] = [];
    for (let l = 0; l < LEVELS; l++) for (let w = 0; w < WIDTH; w++) names.push(`t-${l}-${w}`);
    const total = Math.min(EVENT_SECONDS * EVENTS_PER_SECOND, names.length * 2);
    const at = new Date().toISOString();
    // The engine made an attempt (waiting) for every task: the events move those, as the engine's would.
    const real = new Map(detail.attempts.map((a) => [a.taskName, a]));
    const attempt = (name: string, state: string) => ({
      id: real.get(name)?.id ?? `bench-${name}`,
      taskName: name,
      attempt: real.get(name)?.attempt ?? 1,
      state,
      exitCode: state === 'succeeded' ? 0 : null,
      reason: null,
      message: null,
      failureKind: null,
      createdAt: at,
      startedAt: at,
      finishedAt: state === 'succeeded' ? at : null,
      durationMs: state === 'succeeded' ? 5 : null,
    });
    let lagMs = 0;
    const frames = await profiled(page, 'live-run', () =>
      framesDuring(page, async () => {
        const started = Date.now();
        for (let sent = 0; sent < total;) {
          // Events leave on a fixed schedule (no drift): as many as are due by now.
          const due = Math.min(total, Math.floor(((Date.now() - started) * EVENTS_PER_SECOND) / 1000) + 1);
          for (; sent < due; sent++) {
            // Tasks start in order, each finishing half a stream later: about half of them run at any time.
            const half = Math.ceil(total / 2);
            const index = sent < half ? sent : sent - half;
            const state = sent < half ? 'running' : 'succeeded';
            const name = names[index % names.length]!;
            feed.push(state === 'running' ? 'task.started' : 'task.succeeded', {
              run: detail.run,
              attempt: attempt(name, state),
            });
          }
          await new Promise((r) => setTimeout(r, 5));
        }
        // The last event must be on screen: its task's row in the attempts table says so.
        const sentAll = Date.now();
        const half = Math.ceil(total / 2);
        const last = names[(total - half - 1) % names.length]!;
        const shown = await page
          .waitForFunction(
            `document.querySelector('[data-testid="attempt-${last}-1"]')?.textContent?.includes('succeeded')`,
            undefined,
            // A timer, not animation frames: a starved page may paint seldom, and this only reads the DOM.
            { timeout: 60_000, polling: 100 },
          )
          .then(
            () => true,
            () => false,
          );
        lagMs = shown ? Date.now() - sentAll : Number.NaN;
        if (!shown) {
          // What the page shows instead, for whoever reads the table.
          const seen = await page.evaluate<string>(
            `JSON.stringify({ rows: document.querySelectorAll('[data-testid^="attempt-t-"]').length, ` +
              `row: document.querySelector('[data-testid="attempt-${last}-1"]')?.textContent?.trim() ?? null, ` +
              `live: document.querySelector('[data-testid="run-live"]')?.textContent?.trim() ?? null })`,
          );
          console.log(`the last event was not shown; the page has ${seen}`);
        }
      }),
    );
    const elapsed = frames.reduce((a, b) => a + b, 0);
    const fps = (frames.length * 1000) / elapsed;
    const worst = worstSecondFps(frames);
    const longest = Math.max(...frames);
    rows.push(
      {
        name: `run view, 1,000 live tasks, ${EVENTS_PER_SECOND} events/s: mean`,
        value: `${fps.toFixed(1)} fps`,
        target: '≥ 30 fps',
        ratio: versus(fps, 30, 'fps', false),
        note: `${total} events over ${(elapsed / 1000).toFixed(1)} s`,
      },
      {
        name: `run view, 1,000 live tasks, ${EVENTS_PER_SECOND} events/s: worst second`,
        value: `${worst.toFixed(1)} fps`,
        target: '≥ 30 fps',
        ratio: versus(worst, 30, 'fps', false),
      },
      { name: `run view: longest frame`, value: `${longest.toFixed(0)} ms` },
      {
        name: `run view: last event shown`,
        value: Number.isNaN(lagMs) ? 'not within 60 s' : `${lagMs} ms after it was sent`,
      },
    );
    await api.call('POST', `/api/v1/namespaces/default/runs/${run.id}/cancel`).catch(() => undefined);
  } finally {
    await session.close();
    await feed.close();
    await server.stop();
    // Printed on a failure too: the rows measured so far.
    printTable('console in Chromium (the built console, the real server)', rows);
    printMachine({ chromium: '/usr/bin/chromium, headless, 1280×800' });
  }
}

await main();
