/**
 * Shared tasks (Kontroler's DagTask): reusable task definitions per namespace, versioned like DAGs: a
 * version is an immutable, content-hashed snapshot. As on the DagTask resource, a spec whose hash is new
 * gets the highest version plus one, and a spec already recorded (unchanged, or a revert to an older one)
 * reuses that version and makes nothing. DAG tasks refer to one with `taskRef {name, version}`.
 */
import type { TaskSpec } from '../dag/schema.js';

export interface DagTaskRef {
  readonly namespace: string;
  readonly name: string;
}

export interface DagTaskRecord {
  readonly namespace: string;
  readonly name: string;
  readonly latestVersion: number;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface DagTaskVersion {
  readonly namespace: string;
  readonly name: string;
  readonly version: number;
  /** The task's fields; `name`, `runAfter` and `taskRef` are the referring DAG task's, never stored here. */
  readonly spec: TaskSpec;
  readonly hash: string;
  readonly createdAt: number;
  readonly createdBy: string | null;
}

export interface PutDagTaskInput extends DagTaskRef {
  readonly spec: TaskSpec;
  readonly hash: string;
  readonly now: number;
  readonly createdBy?: string | null;
}

export interface DagTaskStore {
  /** Saves a version unless one has the same hash (then that one, `created: false`). */
  putDagTaskVersion(
    input: PutDagTaskInput,
  ): Promise<{ task: DagTaskRecord; version: DagTaskVersion; created: boolean }>;
  getDagTask(ref: DagTaskRef): Promise<DagTaskRecord | undefined>;
  /** The shared tasks of one namespace, by name. */
  listDagTasks(namespace: string): Promise<DagTaskRecord[]>;
  getDagTaskVersion(ref: DagTaskRef, version: number): Promise<DagTaskVersion | undefined>;
  /** Newest first. */
  listDagTaskVersions(ref: DagTaskRef): Promise<DagTaskVersion[]>;
  /** Deletes the task and all its versions (callers check first that no DAG uses it). */
  deleteDagTask(ref: DagTaskRef): Promise<boolean>;
}
