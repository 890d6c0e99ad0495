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
 * `/api/v1/events` and passes every other request through.
 *
 * Where a target is missed, the scenario is run once more under Chromium's CPU profiler and a performance
 * trace, on the same console built without minifying (readable function names; the proxy serves it): the
 * row's note names the top 5 functions by self time, and the full summary (functions, and the main
 * thread's time by kind of work: script, style, layout, paint) is printed below the table and saved under
 * bench/results/. The measured figures never come from a profiled run.
 *
 * Options (env): BENCH_REPEAT (opening the DAG, default 5, median reported), BENCH_EVENT_SECONDS (default
 * 10), BENCH_ONLY (`open` or `live`: one part), BENCH_PROFILE=1 (profile every scenario, met or not),
 * BENCH_COMPARE=<dir>[,<dir>…] (other builds of the console, e.g. the main branch's built with `vite build
 * --outDir <dir>`, measured in turn with this one: on a shared machine only figures taken in the same
 * minute compare); `--no-profile` skips the profiles.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { launch, missingBrowser, signIn, tid } from '../apps/console/test/e2e/browser.js';
import { buildConsole, startServer, TestApi } from '../apps/console/test/e2e/server.js';
import { formatTrace, startTrace, summariseTrace } from './lib/chromium-trace.js';
import { formatSummary, summariseProfiles, type HotFunction } from './lib/cpu-profile.js';
import { median, printMachine, printTable, versus, type BenchRow } from './lib/report.js';

const here = dirname(fileURLToPath(import.meta.url));
const REPEAT = Number(process.env.BENCH_REPEAT ?? 5);
const EVENT_SECONDS = Number(process.env.BENCH_EVENT_SECONDS ?? 10);
const EVENTS_PER_SECOND = 100;
/** `open` or `live`: run only the DAG-opening rows or only the live run view. */
const ONLY = process.env.BENCH_ONLY ?? '';
/** Profile every scenario, whether its target is met or not. */
const PROFILE_ALL = process.env.BENCH_PROFILE === '1';
const NO_PROFILE = process.argv.includes('--no-profile');
/** Other builds of the console (directories `vite build` wrote) measured in turn with this one. */
const COMPARE = (process.env.BENCH_COMPARE ?? '').split(',').filter(Boolean);
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
  /** Serves the console's files from `dir` from now on, instead of the server's (null: the server's again). */
  serveConsoleFrom(dir: string | null): void;
  close(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

/**
 * A proxy to `target` that answers `/api/v1/events` itself, with the events the script pushes, and can
 * serve another build of the console (the unminified one profiles are read from) in the server's place.
 */
async function eventProxy(target: string): Promise<EventFeed> {
  const streams = new Set<ServerResponse>();
  let nextId = 1;
  let consoleDir: string | null = null;
  const upstream = new URL(target);
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.url?.startsWith('/api/v1/events')) {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
      res.write('retry: 1000\n\n');
      streams.add(res);
      req.on('close', () => streams.delete(res));
      return;
    }
    if (consoleDir && req.method === 'GET' && !req.url?.startsWith('/api/')) {
      // A file of the build, or index.html for the single-page app's routes (as the server does).
      const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
      const file = join(consoleDir, path);
      const found = file.startsWith(consoleDir) && extname(path) !== '' && existsSync(file);
      res.writeHead(200, {
        'Content-Type': CONTENT_TYPES[found ? extname(path) : '.html'] ?? 'application/octet-stream',
        'Cache-Control': 'no-cache',
      });
      res.end(readFileSync(found ? file : join(consoleDir, 'index.html')));
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
    serveConsoleFrom(dir) {
      consoleDir = dir;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of streams) res.end();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** What a profiled run of a scenario says: the top functions, and the summary's lines. */
interface Profiled {
  readonly top: readonly HotFunction[];
  readonly lines: readonly string[];
}

/** Runs `work` under the profiler (a scenario calls it around the part it measures). */
type Profile = <T>(work: () => Promise<T>) => Promise<T>;

/**
 * Runs `scenario`, with Chromium's CPU profile and performance trace of the part it hands to its
 * `profile` argument, saved under bench/results/ and summarised: functions by self time, and the main
 * thread's time by kind of work.
 */
async function profiled(
  page: Page,
  name: string,
  scenario: (profile: Profile) => Promise<unknown>,
): Promise<Profiled> {
  let result: Profiled | null = null;
  await scenario(async (work) => {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
    await cdp.send('Profiler.start');
    const stopTrace = await startTrace(cdp);
    const answer = await work();
    const { profile } = await cdp.send('Profiler.stop');
    const trace = formatTrace(summariseTrace(await stopTrace()));
    await cdp.detach();
    const dir = join(here, 'results', `console-${name}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${name}.cpuprofile`), JSON.stringify(profile));
    const summary = summariseProfiles(dir);
    const lines = [...formatSummary(summary), ...trace, `saved in bench/results/${dir.split('/').pop()}/`];
    writeFileSync(join(dir, 'summary.txt'), `${lines.join('\n')}\n`);
    result = { top: summary.top, lines };
    return answer;
  });
  if (!result) throw new Error(`the ${name} scenario profiled nothing`);
  return result;
}

/** The note of a missed row: the top 5 functions by self time of its profiled run. */
function topFive(p: Profiled): string {
  const named = p.top.filter((f) => !f.where.startsWith('(idle)')).slice(0, 5);
  const short = (where: string) => where.replace(/ https?:\/\/[^ ]*\/assets\/([^ ]*?)-[\w-]{8}\.js/, ' $1');
  return `profile, top self time: ${named.map((f) => `${short(f.where)} ${(100 * f.share).toFixed(0)}%`).join(', ')}`;
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

/**
 * Opens a run's page, then sends its events at EVENTS_PER_SECOND, as the engine would, inside `around`
 * (a profiler, which so sees the stream only): what the page made of them.
 */
async function liveStream(
  page: Page,
  api: TestApi,
  feed: EventFeed,
  runId: string,
  around: (work: () => Promise<number[]>) => Promise<number[]> = (work) => work(),
) {
  await page.goto(`${feed.url}/namespaces/default/runs/${runId}`);
  await page.waitForSelector('.vue-flow__node', { timeout: 60_000 });
  const deadline = Date.now() + 30_000;
  while (feed.subscribers() === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const detail = await api.call<{
    run: Record<string, unknown>;
    attempts: { id: string; taskName: string; attempt: number }[];
  }>('GET', `/api/v1/namespaces/default/runs/${runId}`);
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
  const frames = await around(() => framesDuring(page, stream));
  async function stream(): Promise<void> {
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
    // Polled from here, every 100 ms: page.waitForFunction polls a string with eval(), which the console's
    // Content-Security-Policy forbids (only its first check would count), and a starved page paints seldom.
    const check = `document.querySelector('[data-testid="attempt-${last}-1"]')?.textContent?.includes('succeeded') === true`;
    let shown = false;
    while (!shown && Date.now() - sentAll < 60_000) {
      shown = await page.evaluate<boolean>(check);
      if (!shown) await new Promise((r) => setTimeout(r, 100));
    }
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
  }
  return { frames, total, lagMs };
}

/** Starts a run of the gated DAG: its root sleeps, so its other 1,000 tasks wait for the events. */
async function startLiveRun(api: TestApi): Promise<string> {
  const run = await api.call<{ id: string }>('POST', '/api/v1/namespaces/default/dags/bench-live/runs', {});
  return run.id;
}

/** Builds the console without minifying into a temporary directory, for profiles with readable names. */
function buildReadable(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kontroler-bench-console-'));
  const built = spawnSync(
    process.execPath,
    [VITE, 'build', '--minify', 'false', '--outDir', dir, '--emptyOutDir'],
    { cwd: join(here, '..', 'apps', 'console'), stdio: ['ignore', 'ignore', 'inherit'] },
  );
  if (built.status !== 0) throw new Error('the unminified console build failed');
  return dir;
}

const missed = (row: BenchRow) => row.ratio?.includes('missed') === true;

/** A console build the bench measures: the shipped one (served by the server) or BENCH_COMPARE's. */
interface Build {
  /** Appended to row names: empty for the shipped build. */
  readonly suffix: string;
  readonly dir: string | null;
}

/** Serves `build` and opens the DAG list on it, so the next scenario loads that build's code. */
async function switchTo(page: Page, feed: EventFeed, build: Build): Promise<void> {
  feed.serveConsoleFrom(build.dir);
  await page.goto(`${feed.url}/dags`);
  await page.waitForSelector(tid('dag-table'));
}

async function main(): Promise<void> {
  const missing = missingBrowser();
  if (missing) throw new Error(missing);
  console.log('building the console and starting the server…');
  buildConsole();
  const server = await startServer();
  const feed = await eventProxy(server.url);
  const session = await launch();
  const rows: BenchRow[] = [];
  const profiles: { title: string; lines: readonly string[] }[] = [];
  const runs: string[] = [];
  let readable: string | null = null;
  const api = new TestApi(server.url);
  const builds: Build[] = [
    { suffix: '', dir: null },
    ...COMPARE.map((dir) => ({ suffix: ` [${dir.split('/').pop()}]`, dir: resolve(dir) })),
  ];
  try {
    const { page } = session;
    // Set up: the one-time password changed, the DAGs saved.
    await api.login('admin', server.adminPassword);
    await api.call('POST', '/api/v1/me/password', {
      currentPassword: server.adminPassword,
      newPassword: PASSWORD,
    });
    await api.login('admin', PASSWORD);
    await api.call('POST', '/api/v1/namespaces/default/dags', bigDag('bench-big', false));
    await api.call('POST', '/api/v1/namespaces/default/dags', bigDag('bench-live', true));
    await signIn(page, feed.url, 'admin', PASSWORD);
    await page.waitForSelector(tid('dag-table'));

    /** Scenarios to profile afterwards: the rows whose target was missed (or all, with BENCH_PROFILE=1). */
    const toProfile: {
      name: string;
      row: number;
      build: number;
      scenario: (profile: Profile) => Promise<unknown>;
    }[] = [];
    const scenarios =
      ONLY === 'live'
        ? []
        : ([
            ['DAG page', '/namespaces/default/dags/bench-big', false],
            ['editor', '/namespaces/default/dags/bench-big/edit', true],
          ] as const);
    for (const [label, path, editor] of scenarios) {
      // With a build to compare, the builds take turns, twice each: both see the same machine load.
      const samples = builds.map(() => [] as { firstNode: number; click: number; total: number }[]);
      for (let round = 0; round < (builds.length > 1 ? 2 : 1); round++)
        for (const [b, build] of builds.entries()) {
          if (builds.length > 1) await switchTo(page, feed, build);
          await openDag(page, feed.url, path, editor); // warm-up: the route's code chunk is loaded once
          for (let i = 0; i < REPEAT; i++) samples[b]!.push(await openDag(page, feed.url, path, editor));
        }
      for (const [b, build] of builds.entries()) {
        const mine = samples[b]!;
        const first = median(mine.map((s) => s.firstNode));
        const click = median(mine.map((s) => s.click));
        const total = median(mine.map((s) => s.total));
        console.log(`${label}${build.suffix}: ${JSON.stringify(mine)}`);
        rows.push(
          {
            name: `1,000-task DAG, ${label}: first node${build.suffix}`,
            value: `${first} ms`,
            note: `median of ${mine.length}`,
          },
          { name: `1,000-task DAG, ${label}: first click answered${build.suffix}`, value: `${click} ms` },
          {
            name: `1,000-task DAG, ${label}: open + interactive${build.suffix}`,
            value: `${total} ms`,
            target: '< 1000 ms',
            ratio: versus(total, 1000, 'ms'),
          },
        );
        toProfile.push({
          name: `open-${editor ? 'editor' : 'dag'}`,
          row: rows.length - 1,
          build: b,
          scenario: async (profile) => {
            await openDag(page, feed.url, path, editor); // the unminified build's chunks, loaded once
            await profile(() => openDag(page, feed.url, path, editor));
          },
        });
      }
    }

    // The run view with 1,000 live tasks: a new run for each build (a stream leaves every task finished).
    for (const [b, build] of ONLY === 'open' ? [] : builds.entries()) {
      feed.serveConsoleFrom(build.dir);
      runs.push(await startLiveRun(api));
      const { frames, total, lagMs } = await liveStream(page, api, feed, runs[runs.length - 1]!);
      const elapsed = frames.reduce((a, b) => a + b, 0);
      const fps = (frames.length * 1000) / elapsed;
      const worst = worstSecondFps(frames);
      const longest = Math.max(...frames);
      rows.push(
        {
          name: `run view, 1,000 live tasks, ${EVENTS_PER_SECOND} events/s: mean${build.suffix}`,
          value: `${fps.toFixed(1)} fps`,
          target: '≥ 30 fps',
          ratio: versus(fps, 30, 'fps', false),
          note: `${total} events over ${(elapsed / 1000).toFixed(1)} s`,
        },
        {
          name: `run view, 1,000 live tasks, ${EVENTS_PER_SECOND} events/s: worst second${build.suffix}`,
          value: `${worst.toFixed(1)} fps`,
          target: '≥ 30 fps',
          ratio: versus(worst, 30, 'fps', false),
        },
        { name: `run view: longest frame${build.suffix}`, value: `${longest.toFixed(0)} ms` },
        {
          name: `run view: last event shown${build.suffix}`,
          value: Number.isNaN(lagMs) ? 'not within 60 s' : `${lagMs} ms after it was sent`,
        },
      );
      const row = rows.length - 3;
      toProfile.push({
        name: 'live-run',
        build: b,
        // The worst second's row when only it misses; the mean's otherwise.
        row: missed(rows[row - 1]!) || !missed(rows[row]!) ? row - 1 : row,
        scenario: async (profile) => {
          runs.push(await startLiveRun(api));
          await liveStream(page, api, feed, runs[runs.length - 1]!, profile);
        },
      });
    }

    // This build's missed rows (every row with BENCH_PROFILE=1, the compared builds' too, as they are).
    const wanted = NO_PROFILE
      ? []
      : toProfile.filter((p) => PROFILE_ALL || (p.build === 0 && missed(rows[p.row]!)));
    if (wanted.length > 0) {
      console.log('profiling (the console built without minifying)…');
      readable = buildReadable();
      for (const p of wanted) {
        await switchTo(page, feed, p.build === 0 ? { suffix: '', dir: readable } : builds[p.build]!);
        const result = await profiled(page, `${p.name}${p.build === 0 ? '' : `-${p.build}`}`, p.scenario);
        const row = rows[p.row]!;
        if (missed(row))
          rows[p.row] = { ...row, note: [row.note, topFive(result)].filter(Boolean).join('; ') };
        profiles.push({ title: `${row.name} (${row.value}), profiled once more:`, lines: result.lines });
      }
    }
  } finally {
    for (const id of runs)
      await api.call('POST', `/api/v1/namespaces/default/runs/${id}/cancel`).catch(() => undefined);
    await session.close();
    await feed.close();
    await server.stop();
    if (readable) rmSync(readable, { recursive: true, force: true });
    // Printed on a failure too: the rows measured so far.
    printTable('console in Chromium (the built console, the real server)', rows);
    for (const p of profiles) console.log(`\n${p.title}\n${p.lines.join('\n')}`);
    printMachine({ chromium: '/usr/bin/chromium, headless, 1280×800' });
  }
}

await main();
