import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KontrolerError } from '../../src/index.js';
import { compileDag, descendants, levels, roots, topologicalOrder } from '../../src/dag/index.js';
import { generateDag } from './fixtures.js';

type Plain = { name: string; runAfter?: string[] };

/** Random DAGs: task i may run after any task j < i; then the list is shuffled (document order ≠ depth). */
const randomDag = fc
  .integer({ min: 1, max: 30 })
  .chain((n) =>
    fc.tuple(
      fc.tuple(
        ...Array.from({ length: n }, (_, i) => fc.subarray(Array.from({ length: i }, (_, j) => `t${j}`))),
      ),
      fc.shuffledSubarray(
        Array.from({ length: n }, (_, i) => i),
        { minLength: n, maxLength: n },
      ),
    ),
  )
  .map(([parents, permutation]) => ({
    tasks: permutation.map((i): Plain => ({ name: `t${i}`, runAfter: parents[i] as string[] })),
  }));

function assertRespectsEdges(order: string[], tasks: Plain[]): void {
  expect([...order].sort()).toEqual(tasks.map((t) => t.name).sort());
  const position = new Map(order.map((name, i) => [name, i]));
  for (const task of tasks) {
    for (const parent of task.runAfter ?? []) {
      expect(position.get(parent) as number).toBeLessThan(position.get(task.name) as number);
    }
  }
}

describe('topologicalOrder', () => {
  it('respects every edge of random DAGs', () => {
    fc.assert(
      fc.property(randomDag, (dag) => assertRespectsEdges(topologicalOrder(dag), dag.tasks)),
      { numRuns: 200 },
    );
  });

  it('breaks ties by document order (Kahn with a min-heap of indices)', () => {
    const dag = {
      tasks: [{ name: 'd' }, { name: 'b', runAfter: ['d'] }, { name: 'a' }, { name: 'c', runAfter: ['a'] }],
    };
    // Ready at first: d (0) and a (2). After d: b (1) joins and beats a.
    expect(topologicalOrder(dag)).toEqual(['d', 'b', 'a', 'c']);
  });

  it('gives the same order for a CompiledDag as for its plain spec', () => {
    const spec = generateDag(500, 3);
    expect(topologicalOrder(compileDag(spec))).toEqual(topologicalOrder(spec));
    assertRespectsEdges(topologicalOrder(spec), spec.tasks);
  });

  it('throws DAG_INVALID with the cycle', () => {
    const dag = {
      tasks: [{ name: 'x' }, { name: 'a', runAfter: ['x', 'b'] }, { name: 'b', runAfter: ['a'] }],
    };
    try {
      topologicalOrder(dag);
      expect.unreachable();
    } catch (error) {
      expect(KontrolerError.is(error, 'DAG_INVALID')).toBe(true);
      expect((error as KontrolerError<'DAG_INVALID'>).details.issues).toEqual([
        { code: 'CYCLE', path: '/tasks', task: 'a', message: 'cycle: a → b → a', cycle: ['a', 'b', 'a'] },
      ]);
    }
    expect(() => topologicalOrder({ tasks: [{ name: 'a', runAfter: ['a'] }] })).toThrow('cycle: a → a');
    expect(() => topologicalOrder({ tasks: [{ name: 'a', runAfter: ['nope'] }] })).toThrow(/not a task/);
  });

  it('orders a 20,000-task chain without recursion', () => {
    const tasks = Array.from({ length: 20_000 }, (_, i) => ({
      name: `t${i}`,
      runAfter: i === 0 ? [] : [`t${i - 1}`],
    }));
    const order = topologicalOrder({ tasks: [...tasks].reverse() });
    expect(order[0]).toBe('t0');
    expect(order[19_999]).toBe('t19999');
  });
});

describe('levels, roots, descendants', () => {
  const diamond = {
    tasks: [
      { name: 'extract' },
      { name: 'enrich', runAfter: ['extract'] },
      { name: 'clean', runAfter: ['extract'] },
      { name: 'load', runAfter: ['clean', 'enrich'] },
      { name: 'audit' },
      { name: 'report', runAfter: ['load', 'audit'] },
    ],
  };

  it('groups tasks that may run in parallel, by longest path from a root', () => {
    expect(levels(diamond)).toEqual([['extract', 'audit'], ['enrich', 'clean'], ['load'], ['report']]);
  });

  it('puts every task in a level deeper than all its parents', () => {
    fc.assert(
      fc.property(randomDag, (dag) => {
        const depth = new Map(levels(dag).flatMap((level, d) => level.map((name) => [name, d] as const)));
        expect(depth.size).toBe(dag.tasks.length);
        for (const task of dag.tasks) {
          for (const parent of task.runAfter ?? []) {
            expect(depth.get(parent) as number).toBeLessThan(depth.get(task.name) as number);
          }
        }
      }),
      { numRuns: 100 },
    );
  });

  it('lists roots in document order', () => {
    expect(roots(diamond)).toEqual(['extract', 'audit']);
  });

  it('lists all transitive children in topological order', () => {
    expect(descendants(diamond, 'extract')).toEqual(['enrich', 'clean', 'load', 'report']);
    expect(descendants(diamond, 'audit')).toEqual(['report']);
    expect(descendants(diamond, 'report')).toEqual([]);
    expect(() => descendants(diamond, 'ghost')).toThrow(/not in the DAG/);
  });

  it('works on a CompiledDag', () => {
    const dag = compileDag({
      name: 'd',
      tasks: diamond.tasks.map((t) => ({ ...t, image: 'i', script: 's' })),
    });
    expect(levels(dag)).toEqual([['extract', 'audit'], ['enrich', 'clean'], ['load'], ['report']]);
    expect(roots(dag)).toEqual(['extract', 'audit']);
    expect(descendants(dag, 'clean')).toEqual(['load', 'report']);
    expect(dag.tasks.get('extract')?.children).toEqual(['enrich', 'clean']);
  });
});
