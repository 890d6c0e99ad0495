/**
 * The dependency graph as integer adjacency lists (index = document order), and the algorithms on it.
 * Everything is iterative: a 20,000-task chain must not overflow the stack.
 */
import { MinHeap } from './min-heap.js';

/** A task as far as ordering cares. */
export interface GraphTask {
  readonly name: string;
  readonly runAfter?: readonly string[] | undefined;
}

export interface Graph {
  /** Task names in document order (first occurrence of a duplicated name only). */
  readonly names: readonly string[];
  readonly index: ReadonlyMap<string, number>;
  /** Parent indices per task, deduplicated, in `runAfter` order. Unknown and self references are left out. */
  readonly parents: readonly (readonly number[])[];
  readonly children: readonly (readonly number[])[];
  /** `runAfter` entries left out because they named no task or the task itself (not counting repeats). */
  readonly unresolved: number;
}

const NO_EDGES: readonly number[] = Object.freeze([]);

/** Builds the graph. Duplicate names keep the first task; bad references are dropped (validation reports them). */
export function buildGraph(
  tasks: readonly { readonly name: string; readonly runAfter?: readonly unknown[] | undefined }[],
): Graph {
  const names: string[] = [];
  const index = new Map<string, number>();
  const runAfters: (readonly unknown[] | undefined)[] = [];
  // Indexed loops throughout: validation runs this once per document, mostly before the JIT has
  // optimised it, and there an iterator per array costs more than the work.
  for (let t = 0; t < tasks.length; t++) {
    const task = tasks[t] as (typeof tasks)[number];
    if (index.has(task.name)) continue;
    index.set(task.name, names.length);
    names.push(task.name);
    runAfters.push(task.runAfter);
  }
  // Arrays are made on the first edge; tasks without parents (or children) share one empty array.
  const parents = new Array<number[] | undefined>(names.length);
  const children = new Array<number[] | undefined>(names.length);
  // lastSeenBy[p] === i + 1 marks p as already a parent of i: dedupes without a Set per task.
  const lastSeenBy = new Int32Array(names.length);
  let unresolved = 0;
  for (let i = 0; i < names.length; i++) {
    const runAfter = runAfters[i];
    if (runAfter === undefined) continue;
    for (let k = 0; k < runAfter.length; k++) {
      // Non-string entries (a document that failed the shape check) find nothing and are skipped.
      const p = index.get(runAfter[k] as string);
      if (p === undefined || p === i) {
        unresolved++;
        continue;
      }
      if (lastSeenBy[p] === i + 1) continue;
      lastSeenBy[p] = i + 1;
      (parents[i] ??= []).push(p);
      (children[p] ??= []).push(i);
    }
  }
  for (let i = 0; i < names.length; i++) {
    parents[i] ??= NO_EDGES as number[];
    children[i] ??= NO_EDGES as number[];
  }
  return { names, index, parents: parents as number[][], children: children as number[][], unresolved };
}

/**
 * Kahn's algorithm, ready ties broken by document index. Returns the indices in order; fewer than
 * `names.length` means the rest sit on or behind a cycle.
 */
export function kahn(graph: Graph): number[] {
  const n = graph.names.length;
  const pending = new Int32Array(n);
  const ready = new MinHeap();
  for (let i = 0; i < n; i++) {
    pending[i] = (graph.parents[i] as readonly number[]).length;
    if (pending[i] === 0) ready.push(i);
  }
  const order: number[] = [];
  for (let next = ready.pop(); next !== undefined; next = ready.pop()) {
    order.push(next);
    const children = graph.children[next] as readonly number[];
    for (let k = 0; k < children.length; k++) {
      const child = children[k] as number;
      pending[child] = (pending[child] as number) - 1;
      if (pending[child] === 0) ready.push(child);
    }
  }
  return order;
}

/** Strongly connected components with more than one task (iterative Tarjan). */
function cyclicComponents(graph: Graph, candidates: readonly number[]): number[][] {
  const n = graph.names.length;
  const inScope = new Uint8Array(n);
  for (const c of candidates) inScope[c] = 1;
  const low = new Int32Array(n).fill(-1);
  const num = new Int32Array(n).fill(-1);
  const onStack = new Uint8Array(n);
  const stack: number[] = [];
  const components: number[][] = [];
  let counter = 0;
  for (const root of candidates) {
    if (num[root] !== -1) continue;
    // Frames of [node, next child position].
    const frames: [number, number][] = [[root, 0]];
    num[root] = low[root] = counter++;
    stack.push(root);
    onStack[root] = 1;
    while (frames.length > 0) {
      const frame = frames[frames.length - 1] as [number, number];
      const [v, pos] = frame;
      const kids = graph.children[v] as readonly number[];
      if (pos < kids.length) {
        frame[1] = pos + 1;
        const w = kids[pos] as number;
        if (inScope[w] === 0) continue;
        if (num[w] === -1) {
          num[w] = low[w] = counter++;
          stack.push(w);
          onStack[w] = 1;
          frames.push([w, 0]);
        } else if (onStack[w] === 1) {
          low[v] = Math.min(low[v] as number, num[w] as number);
        }
        continue;
      }
      frames.pop();
      const parentFrame = frames[frames.length - 1];
      if (parentFrame !== undefined) {
        const u = parentFrame[0];
        low[u] = Math.min(low[u] as number, low[v] as number);
      }
      if (low[v] === num[v]) {
        const component: number[] = [];
        let w: number;
        do {
          w = stack.pop() as number;
          onStack[w] = 0;
          component.push(w);
        } while (w !== v);
        if (component.length > 1) components.push(component.sort((a, b) => a - b));
      }
    }
  }
  return components.sort((a, b) => (a[0] as number) - (b[0] as number));
}

/** The shortest cycle through `start` inside `component` (BFS over children), first node repeated last. */
function shortestCycle(graph: Graph, start: number, component: readonly number[]): number[] {
  const members = new Set(component);
  const previous = new Map<number, number>();
  const queue: number[] = [start];
  for (let head = 0; head < queue.length; head++) {
    const v = queue[head] as number;
    for (const w of graph.children[v] as readonly number[]) {
      if (!members.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let at = v; at !== start; at = previous.get(at) as number) path.push(at);
        path.push(start);
        // `path` runs backwards from the closing edge; parents come first in a cycle report.
        return [start, ...path.slice(1, -1).reverse(), start];
      }
      if (!previous.has(w) && w !== start) {
        previous.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}

/** Most cycles reported for one graph: enough to show the problem, bounded so the search stays linear-ish. */
export const MAX_CYCLES_REPORTED = 100;

/** `cycle` (first repeated last) rotated to start at its smallest index, so equal cycles compare equal. */
function rotate(cycle: readonly number[]): number[] {
  const ring = cycle.slice(0, -1);
  let at = 0;
  for (let i = 1; i < ring.length; i++) if ((ring[i] as number) < (ring[at] as number)) at = i;
  const rotated = [...ring.slice(at), ...ring.slice(0, at)];
  return [...rotated, rotated[0] as number];
}

/**
 * Distinct cycles, each as task indices starting at its earliest task (parent before child) and ending
 * where it started. Per cyclic component, the shortest cycle through each task that no reported cycle
 * covers yet, so every task on a cycle appears in at least one report (up to MAX_CYCLES_REPORTED).
 * Only tasks Kahn could not order can be on a cycle.
 */
export function findCycles(graph: Graph, ordered: readonly number[]): number[][] {
  const done = new Uint8Array(graph.names.length);
  for (const i of ordered) done[i] = 1;
  const candidates: number[] = [];
  for (let i = 0; i < graph.names.length; i++) if (done[i] === 0) candidates.push(i);
  const cycles: number[][] = [];
  const seen = new Set<string>();
  for (const component of cyclicComponents(graph, candidates)) {
    const covered = new Set<number>();
    for (const start of component) {
      if (covered.has(start)) continue;
      if (cycles.length >= MAX_CYCLES_REPORTED) return cycles;
      const cycle = rotate(shortestCycle(graph, start, component));
      for (const node of cycle) covered.add(node);
      const key = cycle.join(',');
      if (seen.has(key)) continue;
      seen.add(key);
      cycles.push(cycle);
    }
  }
  return cycles;
}
