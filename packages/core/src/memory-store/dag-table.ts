/** DAGs, their content-hashed versions and schedule cursors, for the memory store. */
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

/** DAGs are listed by name. */
const BY_NAME: Keyset<DagRecord> = { keyOf: (dag) => [dag.name], shape: [''], compare: compareAscending };
/** Versions are listed newest first. */
const NEWEST_VERSION_FIRST: Keyset<DagVersion> = {
  keyOf: (version) => [version.version],
  shape: [0],
  compare: compareDescending,
};

export class DagTable {
  readonly #dags = new Map<string, DagRecord>();
  /** Per DAG, version n at index n-1. */
  readonly #versions = new Map<string, DagVersion[]>();
  readonly #scheduleCursors = new Map<string, number>();

  put(input: PutDagVersionInput): PutDagVersionResult {
    const existing = this.#dags.get(input.name);
    const versions = this.#versions.get(input.name) ?? [];
    const latest = versions[versions.length - 1];
    if (existing !== undefined && latest !== undefined && latest.hash === input.hash) {
      const dag =
        existing.deletedAt === null
          ? existing
          : this.#write({ ...existing, deletedAt: null, updatedAt: input.now });
      return { dag, version: latest, created: false };
    }
    const version: DagVersion = Object.freeze({
      dagName: input.name,
      version: versions.length + 1,
      hash: input.hash,
      spec: frozenCopy(input.spec),
      createdAt: input.now,
      createdBy: input.createdBy ?? null,
    });
    versions.push(version);
    this.#versions.set(input.name, versions);
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

  get(name: string): DagRecord | undefined {
    return this.#dags.get(name);
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
    return paginate(matches, BY_NAME, page);
  }

  version(name: string, version: number): DagVersion | undefined {
    return this.#versions.get(name)?.[version - 1];
  }

  versions(name: string, page: PageRequest): Page<DagVersion> {
    return paginate(this.#versions.get(name) ?? [], NEWEST_VERSION_FIRST, page);
  }

  setSuspended(name: string, suspended: boolean, now: number): DagRecord | undefined {
    const dag = this.#dags.get(name);
    return dag === undefined ? undefined : this.#write({ ...dag, suspended, updatedAt: now });
  }

  delete(name: string, now: number): boolean {
    const dag = this.#dags.get(name);
    if (dag === undefined || dag.deletedAt !== null) return false;
    this.#write({ ...dag, deletedAt: now, updatedAt: now });
    return true;
  }

  scheduled(): Array<{ dag: DagRecord; version: DagVersion }> {
    const result: Array<{ dag: DagRecord; version: DagVersion }> = [];
    for (const dag of this.#dags.values()) {
      if (dag.deletedAt !== null || dag.suspended) continue;
      const version = this.version(dag.name, dag.latestVersion);
      if (version?.spec.schedule) result.push({ dag, version });
    }
    return result;
  }

  scheduleCursor(name: string): number | null {
    return this.#scheduleCursors.get(name) ?? null;
  }

  advanceScheduleCursor(name: string, expected: number | null, next: number): boolean {
    if (this.scheduleCursor(name) !== expected) return false;
    this.#scheduleCursors.set(name, next);
    return true;
  }

  #write(dag: DagRecord): DagRecord {
    const frozen = Object.freeze(dag);
    this.#dags.set(dag.name, frozen);
    return frozen;
  }
}
