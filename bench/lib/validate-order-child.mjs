// A fresh process doing what a user's service does with a DAG document: `import '@kontroler/core'` from the
// built package (plain `node`, no tsx, no source condition, no --expose-gc), then validateDag + topologicalOrder.
// bench/core.ts starts one of these per row and reads the single JSON line it prints.
//
// Arguments: --tasks=N --upstreams=K [--calls=7] [--mode=validate|order]
//   mode validate: validateDag(doc) then topologicalOrder(result.dag), as the API does for a new DAG;
//   mode order:    topologicalOrder({tasks}) on the plain document (no validation; no size cap applies).
// Profiles come from `node --cpu-prof` on this process; the timed work is all inside `once`, by that name.
import { performance } from 'node:perf_hooks';
import { topologicalOrder, validateDag } from '@kontroler/core';

const arg = (name, fallback) => {
  const found = process.argv.find((a) => a.startsWith(`--${name}=`));
  return found ? found.slice(name.length + 3) : fallback;
};
const TASKS = Number(arg('tasks', '10000'));
const UPSTREAMS = Number(arg('upstreams', '2'));
const CALLS = Number(arg('calls', '7'));
const MODE = arg('mode', 'validate');

/** Deterministic pseudo-random numbers, so every run benchmarks the same DAG. */
function lcg(seed) {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** `tasks` tasks, each after `upstreams` distinct random earlier tasks (fewer for the first ones). */
function document(tasks, upstreams) {
  const random = lcg(42);
  const list = new Array(tasks);
  for (let i = 0; i < tasks; i++) {
    const parents = new Set();
    while (parents.size < Math.min(upstreams, i)) parents.add(`t${Math.floor(random() * i)}`);
    list[i] = { name: `t${i}`, image: 'alpine:3', command: ['true'], runAfter: [...parents] };
  }
  return { name: 'big', tasks: list };
}

function once(doc) {
  if (MODE === 'order') return { ordered: topologicalOrder(doc).length };
  const result = validateDag(doc);
  if (!result.ok) return { rejected: result.errors[0]?.code ?? 'unknown' };
  return { ordered: topologicalOrder(result.dag).length };
}

// A service receives the document as JSON text: each call gets its own JSON.parse of it (outside the
// timing), as every request body is parsed anew. (JSON.parse also interns short strings such as task names,
// which a document built in code would not have.)
const text = JSON.stringify(document(TASKS, UPSTREAMS));
const calls = [];
let outcome;
for (let call = 0; call < CALLS; call++) {
  const doc = JSON.parse(text);
  const started = performance.now();
  outcome = once(doc);
  calls.push(performance.now() - started);
}
console.log(JSON.stringify({ tasks: TASKS, upstreams: UPSTREAMS, mode: MODE, calls, ...outcome }));
