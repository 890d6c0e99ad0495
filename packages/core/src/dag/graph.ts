/**
 * The dependency graph in compressed sparse rows (index = document order), and the algorithms on it.
 * Everything is iterative: a 20,000-task chain must not overflow the stack. Four typed arrays instead of an
 * array per task: validating a 10,000-task DAG built 20,000 small arrays here, and collecting them was a
 * good part of its time.
 */

/** A task as far as ordering cares. */
export interface GraphTask {
  readonly name: string;
  readonly runAfter?: readonly string[] | undefined;
}

export interface Graph {
  /** Task names in document order (first occurrence of a duplicated name only). */
  readonly names: readonly string[];
  readonly index: ReadonlyMap<string, number>;
  /**
   * Parents of task `i`: `parentList[parentStart[i]]` up to (not including) `parentList[parentStart[i + 1]]`,
   * deduplicated, in `runAfter` order. Unknown and self references are left out.
   */
  readonly parentStart: Int32Array;
  readonly parentList: Int32Array;
  /** Children of task `i`, the same way, in document order. */
  readonly childStart: Int32Array;
  readonly childList: Int32Array;
  /** `runAfter` entries left out because they named no task or the task itself (not counting repeats). */
  readonly unresolved: number;
  /**
   * Every edge runs from an earlier task to a later one. Document order is then a topological order, and
   * the one Kahn's algorithm gives (the smallest unordered index always has all its parents ordered).
   */
  readonly forward: boolean;
}

type GraphInput = readonly { readonly name: string; readonly runAfter?: readonly unknown[] | undefined }[];

/** Task names and their graph indices, and how many `runAfter` entries there are in all. */
interface Names {
  names: string[];
  index: Map<string, number>;
  /** Graph index → position in the input, when a name repeats (otherwise the two are equal). */
  positions: Int32Array | undefined;
  entries: number;
}

// buildGraph runs as a few small functions, one loop each: validation calls it once per document, mostly
// before the JIT has optimised it, and a large function optimised on the stack (OSR) inside its first loop
// dropped back to the interpreter at each later loop it had no type feedback for yet.

function nameTasks(tasks: GraphInput): Names {
  const names = new Array<string>(tasks.length);
  const index = new Map<string, number>();
  let entries = 0;
  // Backwards, so that the first task of a name writes last and wins: one map operation per task
  // instead of a lookup and an insert.
  for (let t = tasks.length - 1; t >= 0; t--) {
    const task = tasks[t] as GraphInput[number];
    names[t] = task.name;
    index.set(task.name, t);
    const runAfter = task.runAfter;
    if (runAfter !== undefined) entries += runAfter.length;
  }
  if (index.size === tasks.length) return { names, index, positions: undefined, entries };
  // Some name repeats: number the first task of each name in document order.
  const unique: string[] = [];
  const positions = new Int32Array(tasks.length);
  index.clear();
  for (let t = 0; t < tasks.length; t++) {
    const name = (tasks[t] as GraphInput[number]).name;
    if (index.has(name)) continue;
    positions[unique.length] = t;
    index.set(name, unique.length);
    unique.push(name);
  }
  return { names: unique, index, positions, entries };
}

/** What linking the parents found besides the edges. */
interface Links {
  edges: number;
  unresolved: number;
  forward: boolean;
}

/** Fills `parentStart`/`parentList` and counts children per task into `childStart[p + 1]`. */
function linkParents(
  tasks: GraphInput,
  { names, index, positions }: Names,
  parentStart: Int32Array,
  parentList: Int32Array,
  childStart: Int32Array,
): Links {
  const n = names.length;
  // lastSeenBy[p] === i + 1 marks p as already a parent of i: dedupes without a Set per task.
  const lastSeenBy = new Int32Array(n);
  let unresolved = 0;
  let forward = true;
  let edges = 0;
  for (let i = 0; i < n; i++) {
    parentStart[i] = edges;
    const runAfter = (tasks[positions === undefined ? i : (positions[i] as number)] as GraphInput[number])
      .runAfter;
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
      parentList[edges++] = p;
      childStart[p + 1] = (childStart[p + 1] as number) + 1;
      if (p > i) forward = false;
    }
  }
  parentStart[n] = edges;
  return { edges, unresolved, forward };
}

/** The children lists from the parents lists (`childStart` holding the counts, turned into offsets here). */
function linkChildren(parentStart: Int32Array, parentList: Int32Array, childStart: Int32Array): Int32Array {
  const n = parentStart.length - 1;
  for (let i = 0; i < n; i++) childStart[i + 1] = (childStart[i + 1] as number) + (childStart[i] as number);
  // Walking tasks in document order: each child list comes out sorted.
  const childList = new Int32Array(childStart[n] as number);
  const fill = childStart.slice(0, n);
  for (let i = 0; i < n; i++) {
    for (let e = parentStart[i] as number; e < (parentStart[i + 1] as number); e++) {
      const p = parentList[e] as number;
      childList[fill[p] as number] = i;
      fill[p] = (fill[p] as number) + 1;
    }
  }
  return childList;
}

/** Builds the graph. Duplicate names keep the first task; bad references are dropped (validation reports them). */
export function buildGraph(tasks: GraphInput): Graph {
  const named = nameTasks(tasks);
  const n = named.names.length;
  const parentStart = new Int32Array(n + 1);
  const parentList = new Int32Array(named.entries);
  const childStart = new Int32Array(n + 1);
  const { unresolved, forward } = linkParents(tasks, named, parentStart, parentList, childStart);
  const childList = linkChildren(parentStart, parentList, childStart);
  const { names, index } = named;
  return { names, index, parentStart, parentList, childStart, childList, unresolved, forward };
}

/** The number of parents of task `i`. */
export function parentCount(graph: Graph, i: number): number {
  return (graph.parentStart[i + 1] as number) - (graph.parentStart[i] as number);
}

/**
 * Kahn's algorithm, ready ties broken by document index. Returns the indices in order; fewer than
 * `names.length` means the rest sit on or behind a cycle.
 */
export function kahn(graph: Graph): number[] {
  const n = graph.names.length;
  const order = new Array<number>();
  if (graph.forward) {
    for (let i = 0; i < n; i++) order.push(i);
    return order;
  }
  const { parentStart, childStart, childList } = graph;
  const pending = new Int32Array(n);
  // The ready set: a binary min-heap of indices in a typed array (each index enters it at most once).
  const heap = new Int32Array(n);
  let size = 0;
  for (let i = 0; i < n; i++) {
    pending[i] = (parentStart[i + 1] as number) - (parentStart[i] as number);
    // Pushed in increasing order: appending keeps the heap property.
    if (pending[i] === 0) heap[size++] = i;
  }
  while (size > 0) {
    const next = heap[0] as number;
    size--;
    siftDown(heap, size, heap[size] as number);
    order.push(next);
    for (let e = childStart[next] as number; e < (childStart[next + 1] as number); e++) {
      const child = childList[e] as number;
      pending[child] = (pending[child] as number) - 1;
      if (pending[child] === 0) siftUp(heap, size++, child);
    }
  }
  return order;
}

/** Puts `value` into the hole at `at` and moves it up to its place. */
function siftUp(heap: Int32Array, at: number, value: number): void {
  let i = at;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    const p = heap[parent] as number;
    if (p <= value) break;
    heap[i] = p;
    i = parent;
  }
  heap[i] = value;
}

/** Puts `value` into the hole at the root of a heap of `size` items and moves it down to its place. */
function siftDown(heap: Int32Array, size: number, value: number): void {
  let i = 0;
  for (;;) {
    const left = 2 * i + 1;
    if (left >= size) break;
    const right = left + 1;
    let child = left;
    if (right < size && (heap[right] as number) < (heap[left] as number)) child = right;
    if ((heap[child] as number) >= value) break;
    heap[i] = heap[child] as number;
    i = child;
  }
  heap[i] = value;
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
      const first = graph.childStart[v] as number;
      if (first + pos < (graph.childStart[v + 1] as number)) {
        frame[1] = pos + 1;
        const w = graph.childList[first + pos] as number;
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
    for (let e = graph.childStart[v] as number; e < (graph.childStart[v + 1] as number); e++) {
      const w = graph.childList[e] as number;
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
