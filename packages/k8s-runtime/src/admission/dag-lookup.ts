/**
 * Where admission finds the DAG a DagRun names: the DAG resource in the apiserver (read fresh, not from an
 * informer, so a DAG applied a moment earlier in the same `kubectl apply` is found), else a DAG registered
 * through the API in the store.
 */
import { loadManifest, type DagRecord, type DagRef, type DagVersion } from '@kontroler/core';
import { KubeApiError, type KubeClient } from '../client.js';
import { CRD_GROUP, CRD_VERSION } from '../rbac.js';
import { manifestText, type KnownDag } from './verdict.js';

/** What the lookup reads from the store. */
export interface DagLookupStore {
  getDag(dag: DagRef): Promise<DagRecord | undefined>;
  getDagVersion(dag: DagRef, version: number): Promise<DagVersion | undefined>;
}

/** `lookupDag` for `reviewAdmission`: the resource first (when a client is given), then the store. */
export function createDagLookup(options: {
  readonly client?: KubeClient;
  readonly store?: DagLookupStore;
}): (namespace: string, name: string) => Promise<KnownDag | undefined> {
  const { client, store } = options;
  return async (namespace, name) => {
    if (client) {
      const found = await fromResource(client, namespace, name);
      if (found) return found;
    }
    if (!store) return undefined;
    const ref: DagRef = { namespace, name };
    const record = await store.getDag(ref);
    if (!record || record.deletedAt !== null) return undefined;
    const version = await store.getDagVersion(ref, record.latestVersion);
    return { parameters: version?.spec.parameters ?? [] };
  };
}

async function fromResource(
  client: KubeClient,
  namespace: string,
  name: string,
): Promise<KnownDag | undefined> {
  const path = `/apis/${CRD_GROUP}/${CRD_VERSION}/namespaces/${namespace}/dags/${encodeURIComponent(name)}`;
  try {
    const resource = await client.request<{ spec?: unknown }>('GET', path);
    const loaded = loadManifest(manifestText('DAG', name, namespace, resource.spec));
    const document = loaded.ok ? loaded.documents[0] : undefined;
    return { parameters: document?.kind === 'DAG' ? (document.dag.parameters ?? []) : undefined };
  } catch (error) {
    if (!KubeApiError.is(error, 404)) throw error;
    return undefined;
  }
}
