/** Test fixtures for the DAG toolkit: a seeded generator of large layered DAGs. */
import type { DagSpec, TaskSpec } from '../../src/dag/index.js';

/** A small, fast, seeded PRNG (mulberry32): the same seed gives the same DAG on every machine. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A valid layered random DAG of `tasks` tasks: about √n layers; each task after the first layer runs after
 * one to three tasks of earlier layers (mostly the previous one). Names are `t-00000`, `t-00001`, …
 */
export function generateDag(tasks: number, seed = 1): DagSpec {
  const random = prng(seed);
  const width = Math.max(1, Math.round(Math.sqrt(tasks)));
  const name = (i: number) => `t-${String(i).padStart(5, '0')}`;
  const list: TaskSpec[] = [];
  for (let i = 0; i < tasks; i++) {
    const layer = Math.floor(i / width);
    const task: TaskSpec = { name: name(i), image: 'alpine:3.20', command: ['sh', '-c', `echo ${i}`] };
    if (layer > 0) {
      const parents = new Set<string>();
      const count = 1 + Math.floor(random() * 3);
      for (let k = 0; k < count; k++) {
        // Mostly the previous layer, sometimes any earlier one.
        const fromLayer = random() < 0.8 ? layer - 1 : Math.floor(random() * layer);
        const p = fromLayer * width + Math.floor(random() * width);
        parents.add(name(Math.min(p, i - 1)));
      }
      task.runAfter = [...parents];
    }
    list.push(task);
  }
  return { name: 'generated', tasks: list };
}
