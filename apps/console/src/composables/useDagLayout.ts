import { Graph, layout } from '@dagrejs/dagre';

export interface XY {
  x: number;
  y: number;
}

/** Size of a task node on the canvas; the node component renders at this size. */
export const NODE_WIDTH = 220;
export const NODE_HEIGHT = 84;

/** Above this many nodes dagre is too slow for a browser (seconds at 400); a linear layering takes over. */
export const DAGRE_MAX_NODES = 120;

const NODESEP = 36;
const RANKSEP = 56;

/**
 * Lays a DAG out top to bottom. Pure: the same nodes and edges give the same positions. Small graphs
 * use dagre (fewest crossings); large ones use `layeredLayout`, linear in the graph's size. Returns
 * top-left corners (what Vue Flow positions by), keyed by node id.
 */
export function layoutDag(
  nodeIds: readonly string[],
  edges: readonly { source: string; target: string }[],
  direction: 'TB' | 'LR' = 'TB',
): Record<string, XY> {
  if (nodeIds.length > DAGRE_MAX_NODES) return layeredLayout(nodeIds, edges, direction);
  const g = new Graph({ multigraph: false });
  g.setGraph({ rankdir: direction, nodesep: NODESEP, ranksep: RANKSEP, marginx: 16, marginy: 16 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const id of nodeIds) g.setNode(id, { width: NODE_WIDTH, height: NODE_HEIGHT });
  for (const e of edges)
    if (g.hasNode(e.source) && g.hasNode(e.target) && e.source !== e.target) g.setEdge(e.source, e.target);
  layout(g);
  const out: Record<string, XY> = {};
  for (const id of nodeIds) {
    const n = g.node(id) as { x: number; y: number } | undefined;
    out[id] = n
      ? { x: Math.round(n.x - NODE_WIDTH / 2), y: Math.round(n.y - NODE_HEIGHT / 2) }
      : { x: 0, y: 0 };
  }
  return out;
}

/**
 * A fast layered (Sugiyama-style) layout: ranks by longest path from the roots, order within a rank
 * by a few barycentre sweeps, then a grid. Nodes on a cycle (an invalid document being edited) go to
 * one rank below everything else, so the editor can still show them.
 */
export function layeredLayout(
  nodeIds: readonly string[],
  edges: readonly { source: string; target: string }[],
  direction: 'TB' | 'LR' = 'TB',
): Record<string, XY> {
  const index = new Map(nodeIds.map((id, i) => [id, i]));
  const parents: number[][] = nodeIds.map(() => []);
  const children: number[][] = nodeIds.map(() => []);
  for (const e of edges) {
    const s = index.get(e.source);
    const t = index.get(e.target);
    if (s === undefined || t === undefined || s === t) continue;
    children[s]!.push(t);
    parents[t]!.push(s);
  }
  // Kahn's algorithm, assigning each node the longest path from a root.
  const rank = new Array<number>(nodeIds.length).fill(-1);
  const indegree = parents.map((p) => p.length);
  const queue: number[] = [];
  indegree.forEach((d, i) => d === 0 && queue.push(i) && (rank[i] = 0));
  for (let q = 0; q < queue.length; q++) {
    const v = queue[q]!;
    for (const c of children[v]!) {
      rank[c] = Math.max(rank[c]!, rank[v]! + 1);
      if (--indegree[c]! === 0) queue.push(c);
    }
  }
  const maxRank = Math.max(0, ...rank);
  for (let i = 0; i < rank.length; i++) if (indegree[i]! > 0) rank[i] = maxRank + 1;

  const layers: number[][] = [];
  rank.forEach((r, i) => (layers[r] ??= []).push(i));
  const pos = new Float64Array(nodeIds.length);
  const place = () => layers.forEach((layer) => layer?.forEach((v, i) => (pos[v] = i)));
  place();
  const bary = (v: number, nbrs: number[][]) => {
    const n = nbrs[v]!;
    if (n.length === 0) return pos[v]!;
    let sum = 0;
    for (const u of n) sum += pos[u]!;
    return sum / n.length;
  };
  for (let sweep = 0; sweep < 4; sweep++) {
    const down = sweep % 2 === 0;
    const order = down ? layers : [...layers].reverse();
    for (const layer of order) {
      if (!layer) continue;
      const key = new Map(layer.map((v) => [v, bary(v, down ? parents : children)]));
      layer.sort((a, b) => key.get(a)! - key.get(b)! || a - b);
      layer.forEach((v, i) => (pos[v] = i));
    }
  }
  const widest = Math.max(1, ...layers.map((l) => l?.length ?? 0));
  const tb = direction === 'TB';
  const acrossStep = (tb ? NODE_WIDTH : NODE_HEIGHT) + NODESEP;
  const alongStep = (tb ? NODE_HEIGHT : NODE_WIDTH) + RANKSEP;
  const out: Record<string, XY> = {};
  layers.forEach((layer, r) => {
    if (!layer) return;
    const offset = ((widest - layer.length) / 2) * acrossStep;
    layer.forEach((v, i) => {
      const across = Math.round(16 + offset + i * acrossStep);
      const along = 16 + r * alongStep;
      out[nodeIds[v]!] = tb ? { x: across, y: along } : { x: along, y: across };
    });
  });
  return out;
}

/** Edges of a DAG document in Vue Flow terms: parent → child for each `runAfter` entry. */
export function dependencyEdges(tasks: readonly { name: string; runAfter?: readonly string[] }[]): {
  id: string;
  source: string;
  target: string;
}[] {
  const names = new Set(tasks.map((t) => t.name));
  const out: { id: string; source: string; target: string }[] = [];
  for (const t of tasks)
    for (const p of t.runAfter ?? [])
      if (names.has(p)) out.push({ id: `${p}->${t.name}`, source: p, target: t.name });
  return out;
}

/**
 * The edges to lay a graph out by: `edges` plus, when there are exit handlers, one from every main leaf
 * task to every exit handler that no other exit handler precedes. Exit handlers run after the end, so they
 * are drawn below it; the extra edges are never drawn.
 */
export function withExitEdges(
  nodes: readonly { id: string; exit?: boolean }[],
  edges: readonly { source: string; target: string }[],
): { source: string; target: string }[] {
  const exit = new Set(nodes.filter((n) => n.exit).map((n) => n.id));
  if (exit.size === 0) return [...edges];
  const hasMainChild = new Set<string>();
  const hasExitParent = new Set<string>();
  for (const e of edges) {
    if (exit.has(e.target) && exit.has(e.source)) hasExitParent.add(e.target);
    if (!exit.has(e.target) && !exit.has(e.source)) hasMainChild.add(e.source);
  }
  const leaves = nodes.filter((n) => !n.exit && !hasMainChild.has(n.id));
  const firsts = nodes.filter((n) => n.exit && !hasExitParent.has(n.id));
  const out = [...edges];
  for (const leaf of leaves) for (const first of firsts) out.push({ source: leaf.id, target: first.id });
  return out;
}

/** Composable form for views: lay out a document's tasks by name. */
export function useDagLayout() {
  return {
    layoutTasks(
      tasks: readonly { name: string; runAfter?: readonly string[] }[],
      direction: 'TB' | 'LR' = 'TB',
    ) {
      return layoutDag(
        tasks.map((t) => t.name),
        dependencyEdges(tasks),
        direction,
      );
    },
  };
}

/** Graphs above this size render only what is on screen. */
export const LARGE_GRAPH = 150;

/**
 * For large graphs: node dimensions given up front. Vue Flow treats an unmeasured node as visible,
 * so without them it would mount (and measure) all nodes once before culling the off-screen ones.
 */
export function presized(taskCount: number): { dimensions?: { width: number; height: number } } {
  return taskCount > LARGE_GRAPH ? { dimensions: { width: NODE_WIDTH, height: NODE_HEIGHT } } : {};
}
