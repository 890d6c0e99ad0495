import type { DagIssue } from './issues.js';
import type { DagSpec, TaskSpec } from './schema.js';

/** Kubernetes-style metadata of a manifest. */
export interface ManifestMetadata {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** A DagRun parameter: exactly one of `value` and `fromSecret`. */
export interface DagRunParameter {
  name: string;
  value?: string;
  fromSecret?: string;
}

/** A request to run a DAG, as a Kontroler `DagRun` resource describes it. */
export interface DagRunManifest {
  name: string;
  namespace?: string;
  dagName: string;
  parameters: DagRunParameter[];
  /** Order among queued runs (docs/run-limits.md); absent: the DAG's. */
  priority?: number;
  /** This run's deadline in seconds (docs/flow/deadline.md); absent: the DAG's. */
  activeDeadlineSeconds?: number;
}

/** One document of a manifest file. */
export type ManifestDocument =
  | { kind: 'DAG'; dag: DagSpec; metadata: ManifestMetadata }
  | { kind: 'DagRun'; run: DagRunManifest; metadata: ManifestMetadata }
  | { kind: 'DagTask'; task: TaskSpec; metadata: ManifestMetadata };

/** The outcome of `loadManifest`. */
export type ManifestResult =
  { ok: true; documents: ManifestDocument[]; warnings: DagIssue[] } | { ok: false; errors: DagIssue[] };
