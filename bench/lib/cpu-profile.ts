/** Reading a V8 `.cpuprofile` (as `node --cpu-prof` writes it): where the time went, by self time. */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join, relative } from 'node:path';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
  };
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  /** Microseconds since the previous sample. */
  readonly timeDeltas: readonly number[];
}

/** One function's share of the profiled time. */
export interface HotFunction {
  /** `name file:line`, the file shortened to its package path. */
  readonly where: string;
  readonly selfMs: number;
  /** Share of the time counted (the `within` subtree plus garbage collection). */
  readonly share: number;
}

export interface ProfileSummary {
  /**
   * Milliseconds counted: samples inside the `within` function's subtree plus the garbage collector, or
   * every sample but idle time when there is no `within`.
   */
  readonly countedMs: number;
  readonly top: readonly HotFunction[];
}

function label(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.replace(/^.*\/(packages|node_modules|bench)\//, '$1/');
  // Code transformed on the fly (tsx) reports every function at line 0: the name and file are all there is.
  const line = lineNumber > 0 ? `:${lineNumber + 1}` : '';
  return `${functionName || '(anonymous)'}${file ? ` ${file}${line}` : ''}`;
}

/**
 * Self time per function over every `.cpuprofile` in `dir`, counting only samples taken inside a function
 * named `within` (the timed call, so setting up the input is left out) and garbage collection (which V8
 * reports at the root, whoever caused it). Without `within`, every sample but `(idle)` counts.
 */
export function summariseProfiles(dir: string, within?: string, top = 15): ProfileSummary {
  const self = new Map<string, number>();
  let counted = 0;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const parentOf = new Map<number, number>();
    for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
    const inside = new Map<number, boolean>();
    const isInside = (id: number): boolean => {
      // Iterative walk to the root, memoised: profiles of deep call trees must not overflow the stack.
      const path: number[] = [];
      let current: number | undefined = id;
      let found = false;
      while (current !== undefined) {
        const known = inside.get(current);
        if (known !== undefined) {
          found = known;
          break;
        }
        path.push(current);
        if (byId.get(current)?.callFrame.functionName === within) {
          found = true;
          break;
        }
        current = parentOf.get(current);
      }
      for (const p of path) inside.set(p, found);
      return found;
    };
    profile.samples.forEach((id, i) => {
      const node = byId.get(id);
      if (node === undefined) return;
      const fn = node.callFrame.functionName;
      if (within === undefined ? fn === '(idle)' : fn !== '(garbage collector)' && !isInside(id)) return;
      const ms = (profile.timeDeltas[i] ?? 0) / 1000;
      counted += ms;
      const key = label(node);
      self.set(key, (self.get(key) ?? 0) + ms);
    });
  }
  const ranked = [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([where, selfMs]) => ({ where, selfMs, share: counted > 0 ? selfMs / counted : 0 }));
  return { countedMs: counted, top: ranked };
}

/** The summary as text lines, for the terminal and the file saved next to the profiles. */
export function formatSummary(summary: ProfileSummary): string[] {
  return [
    `${summary.countedMs.toFixed(1)} ms sampled, top functions by self time:`,
    ...summary.top.map(
      (f) =>
        `  ${f.selfMs.toFixed(1).padStart(8)} ms  ${(100 * f.share).toFixed(1).padStart(5)}%  ${f.where}`,
    ),
  ];
}

/**
 * Runs `work` under the V8 sampling profiler of this very process (node:inspector), saves the profile and
 * its summary in a new directory `bench/results/<name>-<time>/` under `root`, and returns the summary lines
 * headed by `title(result)`.
 */
export async function profileInProcess<T>(
  root: string,
  name: string,
  work: () => Promise<T>,
  title: (result: T) => string,
): Promise<string[]> {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const dir = join(root, 'bench', 'results', `${name}-${stamp}`);
  mkdirSync(dir, { recursive: true });
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 200 });
    await session.post('Profiler.start');
    const result = await work();
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(join(dir, `${name}.cpuprofile`), JSON.stringify(profile));
    const lines = [title(result), ...formatSummary(summariseProfiles(dir))];
    writeFileSync(join(dir, 'summary.txt'), `${lines.join('\n')}\n`);
    return [...lines, `saved in ${relative(root, dir)}/ (summary.txt, .cpuprofile for Chrome DevTools)`];
  } finally {
    session.disconnect();
  }
}
