/** Backfills, for the memory store: compare-and-set on `revision`, like the PostgreSQL store. */
import type { DagRef } from '../model/dag-ref.js';
import type { BackfillChange, BackfillRecord } from '../ports/backfill-store.js';
import { frozenCopy } from '../dag/freeze.js';

export class BackfillTable {
  readonly #backfills = new Map<string, BackfillRecord>();

  create(backfill: BackfillRecord): BackfillRecord {
    const stored = frozenCopy(backfill);
    this.#backfills.set(backfill.id, stored);
    return stored;
  }

  get(id: string): BackfillRecord | undefined {
    return this.#backfills.get(id);
  }

  list(dag: DagRef, limit: number): BackfillRecord[] {
    return [...this.#backfills.values()]
      .filter((b) => b.namespace === dag.namespace && b.dagName === dag.name)
      .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1))
      .slice(0, Math.max(0, limit));
  }

  running(): BackfillRecord[] {
    return [...this.#backfills.values()]
      .filter((b) => b.state === 'running')
      .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
  }

  update(
    id: string,
    expectRevision: number,
    change: BackfillChange,
    now: number,
  ): BackfillRecord | undefined {
    const existing = this.#backfills.get(id);
    if (existing === undefined || existing.revision !== expectRevision) return undefined;
    const updated = frozenCopy({ ...existing, ...change, revision: existing.revision + 1, updatedAt: now });
    this.#backfills.set(id, updated);
    return updated;
  }
}
