import { describe, expect, it } from 'vitest';
import {
  DAGRE_MAX_NODES,
  NODE_HEIGHT,
  NODE_WIDTH,
  dependencyEdges,
  layeredLayout,
  layoutDag,
} from '../src/composables/useDagLayout';

function chainOfLayers(levels: number, width: number) {
  const tasks: { name: string; runAfter?: string[] }[] = [];
  for (let l = 0; l < levels; l++)
    for (let w = 0; w < width; w++)
      tasks.push({
        name: `t${l}-${w}`,
        ...(l ? { runAfter: [`t${l - 1}-${w}`, `t${l - 1}-${(w + 1) % width}`] } : {}),
      });
  return tasks;
}

function overlaps(pos: Record<string, { x: number; y: number }>): boolean {
  const all = Object.values(pos);
  for (let i = 0; i < all.length; i++)
    for (let j = i + 1; j < all.length; j++)
      if (Math.abs(all[i]!.x - all[j]!.x) < NODE_WIDTH && Math.abs(all[i]!.y - all[j]!.y) < NODE_HEIGHT)
        return true;
  return false;
}

describe('DAG layout', () => {
  it('puts every child below its parents without overlaps (dagre, small graphs)', () => {
    const tasks = chainOfLayers(3, 3);
    const pos = layoutDag(
      tasks.map((t) => t.name),
      dependencyEdges(tasks),
    );
    for (const e of dependencyEdges(tasks)) expect(pos[e.target]!.y).toBeGreaterThan(pos[e.source]!.y);
    expect(overlaps(pos)).toBe(false);
  });

  // How fast a 1,000-task DAG opens is measured in Chromium by `npm run bench -- console`, not asserted here.
  it('switches to the linear layered layout for large graphs, without overlaps', () => {
    const tasks = chainOfLayers(20, 50);
    expect(tasks.length).toBeGreaterThan(DAGRE_MAX_NODES);
    const names = tasks.map((t) => t.name);
    const pos = layoutDag(names, dependencyEdges(tasks));
    expect(pos).toEqual(layeredLayout(names, dependencyEdges(tasks)));
    expect(Object.keys(pos)).toHaveLength(1000);
    for (const e of dependencyEdges(tasks)) expect(pos[e.target]!.y).toBeGreaterThan(pos[e.source]!.y);
    expect(overlaps(pos)).toBe(false);
  });

  it('still places the nodes of a cycle (an invalid document being edited)', () => {
    const pos = layeredLayout(
      ['a', 'b', 'c'],
      [
        { source: 'a', target: 'b' },
        { source: 'b', target: 'c' },
        { source: 'c', target: 'b' },
      ],
    );
    expect(Object.keys(pos).sort()).toEqual(['a', 'b', 'c']);
    expect(overlaps(pos)).toBe(false);
  });
});
