/** `toManifest`: a DagSpec as a Kontroler-compatible `DAG` resource (tasks under `spec.task`). */
import { stringify } from 'yaml';
import type { DagSpec } from './schema.js';

/** Kontroler's API group and version. */
export const KONTROLER_API_VERSION = 'kontroler.greedykomodo/v1alpha1';

export interface ToManifestOptions {
  /** @default "kontroler.greedykomodo/v1alpha1" */
  apiVersion?: string;
}

/**
 * Writes `dag` as YAML that Kontroler's controller (and `loadManifest`) accept. Fields Kontroler does not
 * know (timezone, descriptions, …) are kept: its API server prunes them, `loadManifest` reads them back.
 */
export function toManifest(dag: DagSpec, options: ToManifestOptions = {}): string {
  const { name, namespace, tasks, ...rest } = dag;
  const metadata = namespace === undefined ? { name } : { name, namespace };
  const manifest = {
    apiVersion: options.apiVersion ?? KONTROLER_API_VERSION,
    kind: 'DAG',
    metadata,
    spec: { ...rest, task: tasks },
  };
  // No anchors: shared sub-objects are written out in full, as kubectl users expect.
  return stringify(manifest, { aliasDuplicateObjects: false, lineWidth: 0 });
}
