/** DAGs, their content-hashed versions and schedule cursors, for the memory store. */
import type { DagRef } from '../model/dag-ref.js';
import type { DagRecord, DagVersion } from '../model/records.js';
import type {
  DagFilter,
  Page,
  PageRequest,
  PutDagVersionInput,
  PutDagVersionResult,
} from '../ports/store.js';
import { compareAscending, compareDescending, paginate, type Keyset } from './cursor.js';
import { frozenCopy } from '../dag/freeze.js';

/** DAGs are listed by namespace, then name. */
const BY_NAMESPACE_AND_NAME: Keyset<DagRecord> = {
  keyOf: (dag) => [dag.namespace, dag.name],
  shape: ['', ''],
  compare: compareAscending,
};
/** Versions are listed newest first. */
const NEWEST_VERSION_FIRST: Keyset<DagVersion> = {
  keyOf: (version) => [version.version],
  shape: [0],
  compare: compareDescending,
};

/** The map key of a DAG: a separator no name contains, so `a/b` + `c` never meets `a` + `b/c`. */
const keyOf = (dag: DagRef): string => `${dag.namespace}\u0000${dag.name}`;

export class DagTable {
  readonly #dags = new Map<string, DagRecord>();
  /** Per DAG, version n at index n-1. */
  readonly #versions = new Map<string, DagVersion[]>();
  readonly #scheduleCursors = new Map<string, number>();

  put(input: PutDagVersionInput): PutDagVersionResult {
    const key = keyOf(input);
    const existing = this.#dags.get(key);
    const versions = this.#versions.get(key) ?? [];
    const latest = versions[versions.length - 1];
    if (existing !== undefined && latest !== undefined && latest.hash === input.hash) {
      const dag =
        existing.deletedAt === null
          ? existing
          : this.#write({ ...existing, deletedAt: null, updatedAt: input.now });
      return { dag, version: latest, created: false };
    }
    const version: DagVersion = Object.freeze({
      namespace: input.namespace,
      dagName: input.name,
      version: versions.length + 1,
      hash: input.hash,
      spec: frozenCopy(input.spec),
      createdAt: input.now,
      createdBy: input.createdBy ?? null,
    });
    versions.push(version);
    this.#versions.set(key, versions);
    const dag = this.#write({
      name: input.name,
      namespace: input.namespace,
      latestVersion: version.version,
      // The document may say whether the DAG is suspended; when it does not, the last setting stays.
      suspended: input.spec.suspended ?? existing?.suspended ?? false,
      createdAt: existing?.createdAt ?? input.now,
      updatedAt: input.now,
      deletedAt: null,
    });
    return { dag, version, created: true };
  }

  get(ref: DagRef): DagRecord | undefined {
    return this.#dags.get(keyOf(ref));
  }

  list(filter: DagFilter, page: PageRequest): Page<DagRecord> {
    const search = filter.search?.toLowerCase();
    const matches = [...this.#dags.values()].filter(
      (dag) =>
        (filter.includeDeleted === true || dag.deletedAt === null) &&
        (filter.namespace === undefined || dag.namespace === filter.namespace) &&
        (filter.namespaces === undefined || filter.namespaces.includes(dag.namespace)) &&
        (search === undefined || dag.name.toLowerCase().includes(search)),
    );
    return paginate(matches, BY_NAMESPACE_AND_NAME, page);
  }

  version(ref: DagRef, version: number): DagVersion | undefined {
    return this.#versions.get(keyOf(ref))?.[version - 1];
  }

  versions(ref: DagRef, page: PageRequest): Page<DagVersion> {
    return paginate(this.#versions.get(keyOf(ref)) ?? [], NEWEST_VERSION_FIRST, page);
  }

  setSuspended(ref: DagRef, suspended: boolean, now: number): DagRecord | undefined {
    const dag = this.get(ref);
    return dag === undefined ? undefined : this.#write({ ...dag, suspended, updatedAt: now });
  }

  delete(ref: DagRef, now: number): boolean {
    const dag = this.get(ref);
    if (dag === undefined || dag.deletedAt !== null) return false;
    this.#write({ ...dag, deletedAt: now, updatedAt: now });
    return true;
  }

  scheduled(): Array<{ dag: DagRecord; version: DagVersion }> {
    const result: Array<{ dag: DagRecord; version: DagVersion }> = [];
    for (const dag of this.#dags.values()) {
      if (dag.deletedAt !== null || dag.suspended) continue;
      const version = this.version(dag, dag.latestVersion);
      if (version?.spec.schedule) result.push({ dag, version });
    }
    return result;
  }

  scheduleCursor(ref: DagRef): number | null {
    return this.#scheduleCursors.get(keyOf(ref)) ?? null;
  }

  advanceScheduleCursor(ref: DagRef, expected: number | null, next: number): boolean {
    if (this.scheduleCursor(ref) !== expected) return false;
    this.#scheduleCursors.set(keyOf(ref), next);
    return true;
  }

  #write(dag: DagRecord): DagRecord {
    const frozen = Object.freeze(dag);
    this.#dags.set(keyOf(dag), frozen);
    return frozen;
  }
}
