/**
 * `npm run bench -- core`: what the heart of the engine costs.
 *
 * - validate + order a generated 10,000-task DAG (validateDag, topologicalOrder);
 * - planner throughput through the real engine: MemoryStore, an instant runtime, attempt state changes
 *   (waiting→ready→running→succeeded: 3 per task) per second;
 * - heap per 10,000 active tasks (runs submitted and planned, nothing executed yet).
 */
import { createEngine, topologicalOrder, validateDag, type Runtime, type TaskOutcome } from '@kontroler/core';
import { createMemoryStore } from '@kontroler/core/testing';
import os from 'node:os';
import v8 from 'node:v8';
import vm from 'node:vm';
import { printMachine, printTable, type BenchRow } from './lib/report.js';

/** Deterministic pseudo-random numbers, so every run benchmarks the same DAG. */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function bigDag(tasks: number) {
  const random = lcg(42);
  return {
    name: 'big',
    tasks: Array.from({ length: tasks }, (_, i) => {
      const parents = new Set<string>();
      if (i > 0) for (let k = 0; k < 2; k++) parents.add(`t${Math.floor(random() * i)}`);
      return { name: `t${i}`, image: 'alpine:3', command: ['true'], runAfter: [...parents] };
    }),
  };
}

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

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function validateAndOrder(): BenchRow[] {
  const doc = bigDag(10_000);
  const once = (): number => {
    const started = performance.now();
    const result = validateDag(doc);
    if (!result.ok) throw new Error(`generated DAG is invalid: ${result.errors[0]?.message}`);
    topologicalOrder(result.dag);
    return performance.now() - started;
  };
  // First seven calls of a fresh process, as always measured: they include the JIT warming up and the
  // heap growing, which is what a freshly started API server pays.
  const cold = Array.from({ length: 7 }, once);
  // The same after those: what a running server pays for each further document.
  const warm = Array.from({ length: 7 }, once);
  return [
    {
      name: 'validate + order 10,000 tasks',
      value: `${median(cold).toFixed(1)} ms`,
      target: '< 20 ms',
      note: `median of the first 7 calls (first ${cold[0]?.toFixed(1)} ms)`,
    },
    {
      name: '  same, warmed up',
      value: `${median(warm).toFixed(1)} ms`,
      target: '< 20 ms',
      note: 'median of the next 7 calls',
    },
  ];
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
    name: `planner throughput (${runs} runs × ${width + 2} tasks, concurrency ${concurrency})`,
    value: `${Math.round(perSecond).toLocaleString('en-US')} transitions/s`,
    target: '≥ 100,000',
    note: `${tasks.toLocaleString('en-US')} tasks in ${seconds.toFixed(2)} s wall, ${cpuSeconds.toFixed(2)} s CPU (${Math.round(perCpuSecond).toLocaleString('en-US')}/CPU-s)`,
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

const rows: BenchRow[] = [...validateAndOrder()];
await throughput(50, 48, 256); // warm-up
rows.push(await throughput(400, 48, 256));
rows.push(await throughput(2000, 8, 256));
rows.push(await memoryPerActiveTasks());
printTable('core', rows);
printMachine({
  load: os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' '),
});
