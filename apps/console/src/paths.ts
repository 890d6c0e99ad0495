/** Console routes of a DAG and a run: both live in their namespace, as in the API. */
import type { DagRef, RunRef } from './api';

const enc = encodeURIComponent;

export const dagRoute = (dag: DagRef): string => `/namespaces/${enc(dag.namespace)}/dags/${enc(dag.name)}`;
export const dagEditRoute = (dag: DagRef): string => `${dagRoute(dag)}/edit`;
export const runRoute = (run: RunRef): string => `/namespaces/${enc(run.namespace)}/runs/${enc(run.id)}`;
