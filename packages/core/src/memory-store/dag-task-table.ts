/** Shared tasks (DagTask) and their content-hashed versions, for the memory store. */
import type { DagTaskRecord, DagTaskRef, DagTaskVersion, PutDagTaskInput } from '../ports/dag-task-store.js';
import { frozenCopy } from '../dag/freeze.js';

const keyOf = (ref: DagTaskRef): string => `${ref.namespace}\u0000${ref.name}`;

export class DagTaskTable {
  readonly #tasks = new Map<string, DagTaskRecord>();
  /** Per task, version n at index n-1. */
  readonly #versions = new Map<string, DagTaskVersion[]>();

  put(input: PutDagTaskInput): { task: DagTaskRecord; version: DagTaskVersion; created: boolean } {
    const key = keyOf(input);
    const existing = this.#tasks.get(key);
    const versions = this.#versions.get(key) ?? [];
    // A spec already recorded (unchanged, or a revert to an older one) reuses its version, as a DagTask
    // resource's status.versions does.
    const known = versions.find((v) => v.hash === input.hash);
    if (existing !== undefined && known !== undefined)
      return { task: existing, version: known, created: false };
    const version = frozenCopy<DagTaskVersion>({
      namespace: input.namespace,
      name: input.name,
      version: versions.length + 1,
      spec: input.spec,
      hash: input.hash,
      createdAt: input.now,
      createdBy: input.createdBy ?? null,
    });
    const task = frozenCopy<DagTaskRecord>({
      namespace: input.namespace,
      name: input.name,
      latestVersion: version.version,
      createdAt: existing?.createdAt ?? input.now,
      updatedAt: input.now,
    });
    this.#tasks.set(key, task);
    this.#versions.set(key, [...versions, version]);
    return { task, version, created: true };
  }

  get(ref: DagTaskRef): DagTaskRecord | undefined {
    return this.#tasks.get(keyOf(ref));
  }

  list(namespace: string): DagTaskRecord[] {
    return [...this.#tasks.values()]
      .filter((t) => t.namespace === namespace)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  version(ref: DagTaskRef, version: number): DagTaskVersion | undefined {
    return this.#versions.get(keyOf(ref))?.[version - 1];
  }

  versions(ref: DagTaskRef): DagTaskVersion[] {
    return [...(this.#versions.get(keyOf(ref)) ?? [])].reverse();
  }

  delete(ref: DagTaskRef): boolean {
    const key = keyOf(ref);
    this.#versions.delete(key);
    return this.#tasks.delete(key);
  }
}
