/**
 * A Chromium performance trace (what DevTools' Performance panel records) of a page, summarised as the
 * renderer main thread's time per kind of work: script, style, layout, paint… The V8 CPU profile names
 * JavaScript functions but files all of the browser's own work under "(program)"; this says what it is.
 */
import type { CDPSession } from 'playwright-core';

/** One trace event, as Chromium's `Tracing.dataCollected` reports it (times in microseconds). */
interface TraceEvent {
  readonly name: string;
  readonly ph: string;
  readonly ts: number;
  readonly dur?: number;
  /** Thread (CPU) time, where Chromium measured it: unlike `dur`, not stretched by a busy machine. */
  readonly tdur?: number;
  readonly pid: number;
  readonly tid: number;
  readonly args?: { readonly name?: string };
}

/** The categories of DevTools' Performance panel, without the screenshots. */
const CATEGORIES = ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8.execute', 'blink'];

/** Starts a trace on `cdp`; the returned function stops it and resolves with its events. */
export async function startTrace(cdp: CDPSession): Promise<() => Promise<TraceEvent[]>> {
  const events: TraceEvent[] = [];
  cdp.on('Tracing.dataCollected', (e) => {
    for (const event of e.value) events.push(event as unknown as TraceEvent);
  });
  await cdp.send('Tracing.start', {
    traceConfig: { includedCategories: CATEGORIES, recordMode: 'recordAsMuchAsPossible' },
    transferMode: 'ReportEvents',
  });
  return async () => {
    const complete = new Promise<void>((resolve) => cdp.once('Tracing.tracingComplete', () => resolve()));
    await cdp.send('Tracing.end');
    await complete;
    return events;
  };
}

/** Kinds of work on the page's main thread: self time (children excluded) per trace event name. */
export interface TraceSummary {
  /** Milliseconds the main thread was busy (top-level tasks), by the clock. */
  readonly busyMs: number;
  /** CPU milliseconds of those tasks: what the work cost, however loaded the machine was. */
  readonly cpuMs: number;
  readonly wallMs: number;
  /** Self CPU time per kind of work (self wall time where Chromium gave no CPU time). */
  readonly top: readonly { readonly name: string; readonly selfMs: number }[];
  /**
   * The longest top-level tasks (what a dropped frame waited for), longest first: when each started
   * (ms after the first event), its wall and CPU time, and its main kinds of work.
   */
  readonly longest: readonly LongTask[];
}

/** One top-level task of the main thread. */
export interface LongTask {
  readonly atMs: number;
  readonly durMs: number;
  readonly cpuMs: number;
  /** Self CPU time per kind of work inside it, largest first (three at most). */
  readonly kinds: readonly { readonly name: string; readonly selfMs: number }[];
}

/**
 * Self time per event name on the renderer's main thread (`CrRendererMain`; the busiest one if there
 * are several renderers). Complete events (`X`) nest by time; a parent's self time is its duration
 * less its children's.
 */
export function summariseTrace(events: readonly TraceEvent[], top = 10): TraceSummary {
  const mains = events
    .filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain')
    .map((e) => `${e.pid}:${e.tid}`);
  const byThread = new Map<string, TraceEvent[]>();
  for (const e of events) {
    if (e.ph !== 'X' || e.dur === undefined) continue;
    const key = `${e.pid}:${e.tid}`;
    if (!mains.includes(key)) continue;
    const list = byThread.get(key);
    if (list) list.push(e);
    else byThread.set(key, [e]);
  }
  let best: { self: Map<string, number>; busy: number; cpu: number; wall: number; tasks: LongTask[] } = {
    self: new Map(),
    busy: 0,
    cpu: 0,
    wall: 0,
    tasks: [],
  };
  for (const list of byThread.values()) {
    // Parents first: earlier start, then longer duration.
    list.sort((a, b) => a.ts - b.ts || b.dur! - a.dur!);
    const self = new Map<string, number>();
    const stack: { start: number; end: number; name: string; child: number; dur: number; cost: number }[] =
      [];
    const tasks: LongTask[] = [];
    const first = list[0]?.ts ?? 0;
    let taskSelf = new Map<string, number>();
    let busy = 0;
    let cpu = 0;
    const close = (until: number) => {
      while (stack.length > 0 && stack[stack.length - 1]!.end <= until) {
        const done = stack.pop()!;
        const own = Math.max(0, done.cost - done.child);
        self.set(done.name, (self.get(done.name) ?? 0) + own);
        taskSelf.set(done.name, (taskSelf.get(done.name) ?? 0) + own);
        if (stack.length > 0) stack[stack.length - 1]!.child += done.cost;
        else {
          busy += done.dur;
          cpu += done.cost;
          tasks.push({
            atMs: (done.start - first) / 1000,
            durMs: done.dur / 1000,
            cpuMs: done.cost / 1000,
            kinds: [...taskSelf]
              .sort((a, b) => b[1] - a[1])
              .slice(0, 3)
              .map(([name, us]) => ({ name, selfMs: us / 1000 })),
          });
          taskSelf = new Map();
        }
      }
    };
    for (const e of list) {
      close(e.ts);
      stack.push({
        start: e.ts,
        end: e.ts + e.dur!,
        name: e.name,
        child: 0,
        dur: e.dur!,
        cost: e.tdur ?? e.dur!,
      });
    }
    close(Infinity);
    let last = 0;
    for (const e of list) last = Math.max(last, e.ts + e.dur!);
    const wall = list.length > 0 ? last - list[0]!.ts : 0;
    if (busy > best.busy) best = { self, busy, cpu, wall, tasks };
  }
  return {
    busyMs: best.busy / 1000,
    cpuMs: best.cpu / 1000,
    wallMs: best.wall / 1000,
    top: [...best.self]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, selfMs: us / 1000 })),
    longest: best.tasks.sort((a, b) => b.durMs - a.durMs).slice(0, 5),
  };
}

/** The summary as text lines. */
export function formatTrace(summary: TraceSummary): string[] {
  return [
    `main thread busy ${summary.busyMs.toFixed(0)} ms of ${summary.wallMs.toFixed(0)} ms (${summary.cpuMs.toFixed(0)} ms of CPU), ` +
      'by kind of work (self CPU time):',
    ...summary.top.map((t) => `  ${t.selfMs.toFixed(1).padStart(8)} ms  ${t.name}`),
    'longest tasks (start after the trace began, wall, CPU, main kinds of work):',
    ...summary.longest.map(
      (t) =>
        `  at ${t.atMs.toFixed(0).padStart(6)} ms  ${t.durMs.toFixed(0).padStart(5)} ms  ${t.cpuMs.toFixed(0).padStart(5)} ms CPU  ` +
        t.kinds.map((k) => `${k.name} ${k.selfMs.toFixed(0)}`).join(', '),
    ),
  ];
}
