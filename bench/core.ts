/**
 * `npm run bench -- core`: what the heart of the engine costs.
 *
 * - validate + order a generated 10,000-task DAG (validateDag, topologicalOrder), each row in a FRESH plain
 *   `node` process importing the BUILT `@kontroler/core` (dist) the way a user's service does: no tsx, no
 *   source condition, no --expose-gc (bench/lib/validate-order-child.mjs). The first 7 calls and their median,
 *   against the target; 2 and 3 random upstreams per task, and 2 again on Node 24 LTS (scripts/fetch-node.sh's
 *   cached binary, the one CI runs the suites on); 20,000 tasks (MAX_TASKS) and, for the ordering on
 *   its own, 100,000 tasks to show the growth is linear. When the target is missed, a `--cpu-prof` profile of
 *   the 10,000-task calls is saved under bench/results/ and its top functions by self time printed;
 * - planner throughput, the issue's "planner: ≥ 500,000 transitions/s": the engine's planner (`RunPlanner`,
 *   which revisits only what changed since a run's last plan) driven through whole runs on an in-memory run
 *   state (bench/lib/planner-driver.ts: no store, no engine, one plan per outcome), attempt state changes
 *   (waiting→ready→running→succeeded: 3 per task) per second; `plan()`'s full pass beside it for reference;
 * - the same transitions through the whole engine (engine + MemoryStore, an instant runtime), against the
 *   same figure; when a row misses it, one more run of it is profiled in-process (node:inspector) and
 *   summarised the same way;
 * - heap per 10,000 active tasks (runs submitted and planned, nothing executed yet).
 * - one plan() over a 10,000-instance forEach (docs/flow/for-each.md): the expansion, and a pass with every
 *   instance open and parallelism 100 (the planner runs once per commit, so this is its per-commit cost).
 *
 * Options: `--no-profile` skips the profile even when the target is missed.
 */
import {
  compileDag,
  createEngine,
  MAX_TASKS,
  plan,
  RunPlanner,
  type AttemptRecord,
  type Runtime,
  type RunSnapshot,
  type TaskOutcome,
} from '@kontroler/core';
import { createMemoryStore } from '@kontroler/core/testing';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import { formatSummary, profileInProcess, summariseProfiles } from './lib/cpu-profile.js';
import { drivePlanner, type PlannerKind } from './lib/planner-driver.js';
import { median, printMachine, printTable, versus, type BenchRow } from './lib/report.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const coreDir = join(root, 'packages', 'core');
const CHILD = join(here, 'lib', 'validate-order-child.mjs');
/** The target for validate + order of 10,000 tasks: median of a fresh process's first 7 calls. */
const TARGET_MS = 10;

function fanOut(name: string, width: number) {
  return {
    name,
    tasks: [
      { name: 'root', image: 'alpine:3', command: ['true'] },
      ...Array.from({ length: width }, (_, i) => ({
        name: `w${i}`,
        image: 'alpine:3',
        command: ['true'],
        runAfter: ['root'],
      })),
      {
        name: 'sink',
        image: 'alpine:3',
        command: ['true'],
        runAfter: Array.from({ length: width }, (_, i) => `w${i}`),
      },
    ],
  };
}

const instant: Runtime = {
  name: 'instant',
  execute: async (): Promise<TaskOutcome> => ({ status: 'succeeded', exitCode: 0, reason: 'Completed' }),
};

/** Newest modification time (ms) of any file under `dir`, or 0 when there is none. */
function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) latest = Math.max(latest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return latest;
}

/** Builds `@kontroler/core` when dist is missing or older than its sources: the rows measure the built package. */
function ensureBuilt(): void {
  const dist = join(coreDir, 'dist');
  let built: number;
  try {
    built = newest(dist);
  } catch {
    built = 0; // no dist yet
  }
  if (built >= newest(join(coreDir, 'src'))) return;
  console.log('@kontroler/core dist is missing or stale: npm run build -w @kontroler/core');
  const result = spawnSync('npm', ['run', 'build', '-w', '@kontroler/core'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('building @kontroler/core failed');
}

interface ChildResult {
  readonly tasks: number;
  readonly upstreams: number;
  readonly calls: number[];
  readonly ordered?: number;
  readonly rejected?: string;
}

/** One fresh plain-node process (flags only as given: no tsx, no --expose-gc, no NODE_OPTIONS). */
function fresh(args: string[], nodeFlags: string[] = [], node = process.execPath): ChildResult {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const result = spawnSync(node, [...nodeFlags, CHILD, ...args], {
    cwd: root,
    env,
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  const line = result.stdout.trim().split('\n').at(-1) ?? '';
  if (result.status !== 0 || !line.startsWith('{')) {
    throw new Error(`validate-order process failed (${result.status}): ${result.stderr}${result.stdout}`);
  }
  return JSON.parse(line) as ChildResult;
}

/**
 * The 2-upstream row again on Node 24 LTS, which users run (its Maglev compiler makes a cold process's first
 * calls faster). The binary is the one CI runs the suites on: scripts/fetch-node.sh's npm package, cached by
 * version (fetched on first use).
 */
function node24Row(): BenchRow {
  const name = '  same on Node 24 LTS, 2 upstreams';
  const fetched = spawnSync('bash', [join(root, 'scripts', 'fetch-node.sh')], {
    cwd: root,
    encoding: 'utf8',
  });
  const bin = fetched.stdout.trim().split('\n').at(-1) ?? '';
  if (fetched.status !== 0 || bin === '') {
    return { name, value: 'not measured', note: `scripts/fetch-node.sh failed: ${fetched.stderr.trim()}` };
  }
  const node = join(bin, 'node');
  const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
  const run = fresh(['--tasks=10000', '--upstreams=2'], [], node);
  const m = median(run.calls);
  return {
    name,
    value: ms(m),
    target: `< ${TARGET_MS} ms`,
    ratio: versus(m, TARGET_MS, 'ms'),
    note: `${version}, fresh node, built package; first 7 calls: ${list(run.calls)} ms`,
  };
}

/** The growth ratio against the size ratio: linear is within 1.5× of it; more is called out. */
function growth(ratio: number, sizes: number): string {
  const shown = `${ratio.toFixed(2)}× 10,000`;
  return ratio <= 1.5 * sizes ? shown : `${shown} (superlinear: ${(ratio / sizes).toFixed(1)}× linear)`;
}

const ms = (n: number): string => `${n.toFixed(n < 1 ? 2 : 1)} ms`;
const list = (calls: readonly number[]): string => calls.map((c) => c.toFixed(1)).join(', ');

/** Profiles the 10,000-task calls in another fresh process and saves the profiles and their summary. */
function profile(upstreams: number): string[] {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const dir = join(root, 'bench', 'results', `core-validate-profile-${stamp}`);
  mkdirSync(dir, { recursive: true });
  // Only the timed function counts: the profile also sees the document being generated before each call.
  fresh(
    ['--tasks=10000', `--upstreams=${upstreams}`],
    ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-interval=200'],
  );
  const lines = [
    `validate + order 10,000 tasks (${upstreams} upstreams), first 7 calls of a fresh process, --cpu-prof:`,
    ...formatSummary(summariseProfiles(dir, 'once')),
  ];
  writeFileSync(join(dir, 'summary.txt'), `${lines.join('\n')}\n`);
  return [...lines, `saved in ${relative(root, dir)}/ (summary.txt, .cpuprofile for Chrome DevTools)`];
}

function validateAndOrder(): { rows: BenchRow[]; profileLines: string[] } {
  ensureBuilt();
  const rows: BenchRow[] = [];
  const medians = new Map<string, number>();
  let missed = 0;
  let worstUpstreams = 2;
  for (const upstreams of [2, 3]) {
    const run = fresh(['--tasks=10000', `--upstreams=${upstreams}`]);
    if (run.ordered !== 10_000) throw new Error(`10,000-task DAG not ordered: ${JSON.stringify(run)}`);
    const m = median(run.calls);
    medians.set(`10000/${upstreams}`, m);
    if (m >= TARGET_MS && m > missed) {
      missed = m;
      worstUpstreams = upstreams;
    }
    rows.push({
      name: `validate + order 10,000 tasks, ${upstreams} upstreams`,
      value: ms(m),
      target: `< ${TARGET_MS} ms`,
      ratio: versus(m, TARGET_MS, 'ms'),
      note: `fresh node, built package; median of the first 7 calls: ${list(run.calls)} ms`,
    });
  }
  rows.push(node24Row());
  // Growth: the largest document validateDag accepts is MAX_TASKS; beyond it the size cap rejects it at once.
  const capped = fresh([`--tasks=${MAX_TASKS}`, '--upstreams=2']);
  const cappedMedian = median(capped.calls);
  const base = medians.get('10000/2') ?? Number.NaN;
  rows.push({
    name: `  same, ${MAX_TASKS.toLocaleString('en-US')} tasks (MAX_TASKS), 2 upstreams`,
    value: ms(cappedMedian),
    target: `≈ ${(MAX_TASKS / 10_000).toFixed(1)}× 10,000`,
    ratio: growth(cappedMedian / base, MAX_TASKS / 10_000),
    note: `first 7 calls: ${list(capped.calls)} ms`,
  });
  const huge = fresh(['--tasks=100000', '--upstreams=2']);
  rows.push({
    name: '  same, 100,000 tasks, 2 upstreams',
    value: huge.rejected === undefined ? ms(median(huge.calls)) : `rejected in ${ms(median(huge.calls))}`,
    target: 'linear',
    note:
      huge.rejected === undefined
        ? `first 7 calls: ${list(huge.calls)} ms`
        : `validateDag answers ${huge.rejected}: at most ${MAX_TASKS.toLocaleString('en-US')} tasks`,
  });
  // topologicalOrder on the plain document has no size cap: it shows the graph algorithms grow linearly.
  const order10k = median(fresh(['--tasks=10000', '--upstreams=2', '--mode=order']).calls);
  const order100k = fresh(['--tasks=100000', '--upstreams=2', '--mode=order']);
  const order100kMedian = median(order100k.calls);
  rows.push(
    {
      name: '  order only (plain document), 10,000 tasks',
      value: ms(order10k),
      note: 'topologicalOrder({tasks}) without validation, fresh node, median of the first 7 calls',
    },
    {
      name: '  order only (plain document), 100,000 tasks',
      value: ms(order100kMedian),
      target: '≈ 10× 10,000',
      ratio: growth(order100kMedian / order10k, 10),
      note: `first 7 calls: ${list(order100k.calls)} ms`,
    },
  );
  const profileLines = missed > 0 && !process.argv.includes('--no-profile') ? profile(worstUpstreams) : [];
  return { rows, profileLines };
}

/** The planner target, attempt state changes per second. */
const PLANNER_TARGET = 500_000;

const rate = (n: number): string => Math.round(n).toLocaleString('en-US');

/**
 * The pure planner alone: `plan()` on an in-memory run state, one plan per outcome (planner-driver.ts). A
 * drive takes a fraction of a second, so the row is the median of 5 (by wall-clock rate).
 */
function purePlanner(runs: number, width: number, kind: PlannerKind): BenchRow {
  const drives = Array.from({ length: 5 }, () => drivePlanner(fanOut('wide', width), runs, kind)).sort(
    (a, b) => a.transitions / a.seconds - b.transitions / b.seconds,
  );
  const drive = drives[2] as (typeof drives)[number];
  const perSecond = drive.transitions / drive.seconds;
  return {
    name:
      kind === 'incremental'
        ? `planner: RunPlanner alone, as the engine plans (${runs} runs × ${width + 2} tasks, in-memory state)`
        : `planner: plan() alone, a full pass per call (${runs} runs × ${width + 2} tasks), for reference`,
    value: `${rate(perSecond)} transitions/s`,
    ...(kind === 'incremental'
      ? { target: '≥ 500,000/s', ratio: versus(perSecond, PLANNER_TARGET, 'transitions/s', false) }
      : {}),
    note: `median of 5 drives; ${rate(drive.plans)} plans in ${drive.seconds.toFixed(2)} s wall, ${drive.cpuSeconds.toFixed(2)} s CPU (${rate(drive.transitions / drive.cpuSeconds)}/CPU-s)`,
  };
}

async function throughput(runs: number, width: number, concurrency: number): Promise<BenchRow> {
  const store = createMemoryStore();
  const engine = createEngine({
    store,
    runtimes: [instant],
    concurrency,
    scheduler: false,
    pollIntervalMs: 50,
  });
  await engine.registerDag(fanOut('wide', width));
  await engine.start();
  let finished = 0;
  const done = new Promise<void>((resolve) =>
    engine.events.on('run.finished', () => {
      if (++finished === runs) resolve();
    }),
  );
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  for (let i = 0; i < runs; i++) await engine.submit('wide');
  await done;
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  await engine.stop();
  const tasks = runs * (width + 2);
  const perSecond = (3 * tasks) / seconds;
  const perCpuSecond = (3 * tasks) / cpuSeconds;
  return {
    name: `engine + MemoryStore (${runs} runs × ${width + 2} tasks, concurrency ${concurrency})`,
    value: `${rate(perSecond)} transitions/s`,
    target: '≥ 500,000/s',
    ratio: versus(perSecond, PLANNER_TARGET, 'transitions/s', false),
    note: `${rate(tasks)} tasks in ${seconds.toFixed(2)} s wall, ${cpuSeconds.toFixed(2)} s CPU (${rate(perCpuSecond)}/CPU-s)`,
  };
}

/** A full GC before reading the heap; without --expose-gc (tsx may drop it) the flag is set at run time. */
function collector(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed !== undefined) return exposed;
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}
const gc = collector();

function heapUsed(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

async function memoryPerActiveTasks(): Promise<BenchRow> {
  const store = createMemoryStore();
  // Not started: runs are created and planned (roots ready) but nothing is claimed, so all stay active.
  const engine = createEngine({ store, runtimes: [instant], scheduler: false });
  await engine.registerDag(fanOut('held', 98));
  const before = heapUsed();
  for (let i = 0; i < 100; i++) await engine.submit('held');
  const after = heapUsed();
  await engine.stop();
  return {
    name: 'heap per 10,000 active tasks',
    value: `${((after - before) / 2 ** 20).toFixed(1)} MiB`,
    note: '100 runs × 100 tasks, MemoryStore + engine caches',
  };
}

/** plan() on a fan-out to 10,000 instances: the expansion pass, and a pass with all instances open. */
function fanOutPlanner(): BenchRow[] {
  const width = 10_000;
  const dag = compileDag({
    name: 'fan',
    tasks: [
      { name: 'list', image: 'alpine:3', command: ['true'], outputs: [{ name: 'items' }] },
      {
        name: 'each',
        image: 'alpine:3',
        command: ['true'],
        runAfter: ['list'],
        forEach: { from: '{{ tasks.list.outputs.items }}', parallelism: 100 },
        when: 'int(item) % 2 == 0',
      },
      { name: 'sink', image: 'alpine:3', command: ['true'], runAfter: ['each'] },
    ],
  });
  const row = (
    taskName: string,
    state: AttemptRecord['state'],
    extra: Partial<AttemptRecord> = {},
  ): AttemptRecord => ({
    id: `${taskName}#1`,
    runId: 'r',
    taskName,
    attempt: 1,
    round: 1,
    state,
    exitCode: null,
    reason: null,
    message: null,
    createdAt: 0,
    availableAt: null,
    startedAt: null,
    finishedAt: null,
    leaseOwner: null,
    leaseExpiresAt: null,
    runtime: null,
    nonRetryable: false,
    retryAfterMs: null,
    failureKind: null,
    ...extra,
  });
  const run = {
    id: 'r',
    dagName: 'fan',
    namespace: 'default',
    dagVersion: 1,
    state: 'running' as const,
    parameters: {},
    trigger: 'manual' as const,
    revision: 1,
    round: 1,
    cancelRequested: false,
    createdAt: 0,
    startedAt: 0,
    finishedAt: null,
    reason: null,
    idempotencyKey: null,
    scheduledFor: null,
    labels: {},
    priority: 0,
  };
  const items = Array.from({ length: width }, (_, i) => i);
  const base = [
    row('list', 'succeeded', { outputs: { items } }),
    row('each', 'waiting'),
    row('sink', 'waiting'),
  ];
  const expand: RunSnapshot = { run, attempts: base };
  // Mid-run: the first half done, 100 running, the rest waiting behind the parallelism limit.
  const open: RunSnapshot = {
    run,
    attempts: [
      ...base,
      ...items.map((i) =>
        row(`each[${i}]`, i < width / 2 ? 'succeeded' : i < width / 2 + 100 ? 'running' : 'waiting'),
      ),
    ],
  };
  const time = (snapshot: RunSnapshot): number => {
    const samples: number[] = [];
    for (let i = 0; i < 15; i++) {
      const t = performance.now();
      plan(dag, snapshot, 1);
      samples.push(performance.now() - t);
    }
    return median(samples);
  };
  // What the engine pays per commit: RunPlanner on a run it planned before, one running instance having
  // finished since (a new attempts list with one new record, as a commit leaves it).
  const incremental = (): number => {
    const planner = new RunPlanner();
    planner.plan(dag, open, 1);
    const first = base.length + width / 2;
    let attempts: readonly AttemptRecord[] = open.attempts;
    const samples: number[] = [];
    for (let i = 0; i < 15; i++) {
      const k = first + i;
      const next = attempts.slice();
      next[k] = { ...(attempts[k] as AttemptRecord), state: 'succeeded', exitCode: 0, finishedAt: 2 };
      attempts = next;
      const snapshot: RunSnapshot = { run, attempts };
      const t = performance.now();
      planner.plan(dag, snapshot, 2);
      samples.push(performance.now() - t);
    }
    return median(samples);
  };
  return [
    {
      name: 'plan(): expand a forEach to 10,000 instances',
      value: `${time(expand).toFixed(1)} ms`,
      note: 'median of 15',
    },
    {
      name: 'plan(): 10,000-instance forEach mid-run (parallelism 100)',
      value: `${time(open).toFixed(1)} ms`,
      note: 'median of 15; a full pass, for reference',
    },
    {
      name: '  RunPlanner: a commit in the same forEach (one instance finished)',
      value: `${incremental().toFixed(2)} ms`,
      note: 'median of 15; what the engine plans per commit (instances kept grouped between plans)',
    },
  ];
}

const loadAtStart = os
  .loadavg()
  .map((l) => l.toFixed(1))
  .join(' / ');
/** Profiles one more pure planner drive in this process (sources through tsx). */
function profilePurePlanner(): Promise<string[]> {
  return profileInProcess(
    root,
    'core-pure-planner-profile',
    async () => purePlanner(2000, 48, 'incremental'),
    (row) => `${row.name}, profiled (${row.value} while profiled):`,
  );
}

/** Profiles one more engine run in this process (sources through tsx, so the names are the sources'). */
function profilePlanner(): Promise<string[]> {
  return profileInProcess(
    root,
    'core-planner-profile',
    () => throughput(400, 48, 256),
    (row) => `${row.name}, profiled (${row.value} while profiled):`,
  );
}

const validation = validateAndOrder();
const rows: BenchRow[] = [...validation.rows];
await throughput(50, 48, 256); // warm-up
purePlanner(100, 48, 'incremental'); // warm-up (5 drives)
purePlanner(100, 48, 'full');
const pure = [
  purePlanner(2000, 48, 'incremental'),
  purePlanner(10_000, 8, 'incremental'),
  purePlanner(2000, 48, 'full'),
  purePlanner(10_000, 8, 'full'),
];
const planner = [await throughput(400, 48, 256), await throughput(2000, 8, 256)];
rows.push(...pure, ...planner);
rows.push(await memoryPerActiveTasks());
rows.push(...fanOutPlanner());
const missed = (row: BenchRow): boolean => row.ratio?.includes('missed') === true;
const profiling = !process.argv.includes('--no-profile');
const plannerProfile = [
  ...(profiling && pure.some(missed) ? await profilePurePlanner() : []),
  ...(profiling && planner.some(missed) ? await profilePlanner() : []),
];
printTable('core', rows);
for (const lines of [validation.profileLines, plannerProfile]) {
  if (lines.length > 0) console.log(`\n${lines.join('\n')}`);
}
printMachine({ 'load start': `${loadAtStart} (1/5/15-min load average, at the start)` });
