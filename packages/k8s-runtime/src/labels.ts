/** Label and annotation keys the runtime writes and reads. */
export const LABELS = {
  dag: 'kontroler.greedykomodo/dag',
  version: 'kontroler.greedykomodo/version',
  run: 'kontroler.greedykomodo/run',
  task: 'kontroler.greedykomodo/task',
  attempt: 'kontroler.greedykomodo/attempt',
  managedBy: 'app.kubernetes.io/managed-by',
  /** On runs started from a DagRun resource: its uid and name (the pods' owner). */
  dagRunUid: 'kontroler.greedykomodo/dagrun-uid',
  dagRunName: 'kontroler.greedykomodo/dagrun-name',
  dagRunNamespace: 'kontroler.greedykomodo/dagrun-namespace',
} as const;

export const ANNOTATIONS = {
  attemptId: 'kontroler.greedykomodo/attempt-id',
  runId: 'kontroler.greedykomodo/run-id',
} as const;

export const MANAGED_BY = 'kontroler';
