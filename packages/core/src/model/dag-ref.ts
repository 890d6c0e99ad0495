/**
 * A DAG's identity: `(namespace, name)`, as a namespaced Kubernetes object. Team `a` and team `b` may
 * both have a DAG called `etl`; they are two DAGs with their own versions, runs and schedule.
 */
export interface DagRef {
  readonly namespace: string;
  readonly name: string;
}

/** The namespace a bare DAG name means (`engine.submit('etl')`, a document without `namespace`). */
export const DEFAULT_NAMESPACE = 'default';

/** `namespace/name`: the form humans read in logs, errors and metrics, as `kubectl` prints it. */
export function dagKey(ref: DagRef): string {
  return `${ref.namespace}/${ref.name}`;
}

/** The DAG a run belongs to. */
export function runDagRef(run: { readonly namespace: string; readonly dagName: string }): DagRef {
  return { namespace: run.namespace, name: run.dagName };
}

/** True when both refer to the same DAG. */
export function sameDag(a: DagRef, b: DagRef): boolean {
  return a.namespace === b.namespace && a.name === b.name;
}
