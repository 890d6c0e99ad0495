/**
 * Run limits for the memory store: namespace limits, and the admission of queued runs. Admission is one
 * synchronous pass, so it is atomic against every other caller of the store in this process.
 */
import { compareQueued, dagKeyOf } from '../model/queue-order.js';
import type { RunRecord } from '../model/records.js';
import { SLOT_RUN_STATES } from '../model/states.js';
import type { NamespaceLimits, SetNamespaceLimitsInput } from '../ports/limit-store.js';
import type { RunTable } from './run-table.js';

export class LimitTable {
  readonly #namespaces = new Map<string, NamespaceLimits>();

  get(namespace: string): NamespaceLimits | undefined {
    return this.#namespaces.get(namespace);
  }

  set(input: SetNamespaceLimitsInput): NamespaceLimits {
    const limits: NamespaceLimits = Object.freeze({
      namespace: input.namespace,
      maxActiveRuns: input.maxActiveRuns,
      updatedAt: input.now,
      updatedBy: input.updatedBy,
    });
    this.#namespaces.set(input.namespace, limits);
    return limits;
  }

  /**
   * The queued runs of `namespace` that fit, in queue order, given each DAG's limit (`dagLimit`, from its
   * latest version). Returns them as they are (the caller writes them `pending`).
   */
  admissible(
    runs: RunTable,
    namespace: string,
    dagLimit: (dagName: string) => number | undefined,
  ): RunRecord[] {
    const queued: RunRecord[] = [];
    const active = new Map<string, number>();
    let namespaceActive = 0;
    for (const id of runs.activeRunIds()) {
      const run = runs.run(id);
      if (run === undefined || run.namespace !== namespace) continue;
      if (run.state === 'queued') queued.push(run);
      else if (SLOT_RUN_STATES.has(run.state)) {
        namespaceActive++;
        active.set(run.dagName, (active.get(run.dagName) ?? 0) + 1);
      }
    }
    if (queued.length === 0) return [];
    const namespaceLimit = this.#namespaces.get(namespace)?.maxActiveRuns ?? null;
    const admitted: RunRecord[] = [];
    for (const run of queued.sort(compareQueued)) {
      if (namespaceLimit !== null && namespaceActive >= namespaceLimit) break;
      const limit = dagLimit(run.dagName);
      const dagActive = active.get(run.dagName) ?? 0;
      if (limit !== undefined && dagActive >= limit) continue;
      admitted.push(run);
      namespaceActive++;
      active.set(run.dagName, dagActive + 1);
    }
    return admitted;
  }

  /** Queue positions of the given queued runs among the queued runs of their DAG. */
  positions(runs: RunTable, runIds: readonly string[]): Map<string, number> {
    const dags = new Set<string>();
    for (const id of runIds) {
      const run = runs.run(id);
      if (run?.state === 'queued') dags.add(dagKeyOf(run));
    }
    const byDag = new Map<string, RunRecord[]>();
    for (const id of runs.activeRunIds()) {
      const run = runs.run(id);
      if (run?.state !== 'queued' || !dags.has(dagKeyOf(run))) continue;
      const list = byDag.get(dagKeyOf(run)) ?? [];
      list.push(run);
      byDag.set(dagKeyOf(run), list);
    }
    const positions = new Map<string, number>();
    const asked = new Set(runIds);
    for (const list of byDag.values()) {
      list.sort(compareQueued).forEach((run, index) => {
        if (asked.has(run.id)) positions.set(run.id, index + 1);
      });
    }
    return positions;
  }
}
