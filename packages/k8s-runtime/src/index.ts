/**
 * `@kontroler/k8s-runtime`: tasks as pods, the DAG/DagRun/DagTask custom resources (generated from core's
 * schema) and their sync into an engine. The test control plane is in `@kontroler/k8s-runtime/testing`.
 */
export { abortReason } from './pod-attempt.js';
export { createPodRuntime, trimPod, type PodRuntime, type PodRuntimeOptions } from './runtime.js';
export {
  buildPod,
  buildWorkspaceClaim,
  podName,
  containerName,
  podLabels,
  workspaceClaimName,
  containerEnv,
  envVars,
  outputNames,
  ownerReference,
  labelValue,
  sanitizeName,
  type PodInput,
  type PodSpecOptions,
} from './pod-spec.js';
export {
  classifyPod,
  collectOutputs,
  hasStarted,
  stuckOutcome,
  STUCK_REASONS,
  type PodView,
} from './outcome.js';
export {
  decodePodOutputs,
  encodePodOutputs,
  MAX_POD_OUTPUT_BYTES,
  OUTPUTS_MOUNT_PATH,
  OUTPUTS_WRAPPER,
  TERMINATION_MESSAGE_PATH,
  wrapForOutputs,
  type PodOutputs,
} from './outputs.js';
export {
  createInformer,
  type Informer,
  type InformerOptions,
  type InformerEvent,
  type InformerHandler,
} from './informer.js';
export { streamLogs, parseTimestamped, type LogStreamOptions } from './logs.js';
export { createLogSlots, type LogSlot, type LogSlots } from './log-slots.js';
export {
  loadKubeConnection,
  KubeConfigError,
  SERVICE_ACCOUNT_DIR,
  type KubeConnection,
  type LoadKubeConnectionOptions,
} from './kubeconfig.js';
export {
  createKubeClient,
  KubeApiError,
  type KubeClient,
  type KubeClientOptions,
  type RequestOptions,
} from './client.js';
export { createTokenBucket, type RateLimiter, type TokenBucketOptions } from './rate-limit.js';
export { LABELS, ANNOTATIONS, MANAGED_BY } from './labels.js';
export { CRD_GROUP, CRD_VERSION, CONTROLLER_ROLE, controllerRules } from './rbac.js';
export { buildCrds, dagSpecSchema } from './crd/definitions.js';
export { toStructural, type JsonSchema } from './crd/structural.js';
export { renderDeployFiles, staleDeployFiles } from './crd/generate.js';
export {
  createCrdSync,
  type CrdSync,
  type CrdSyncOptions,
  type SyncEngine,
  type SyncStore,
} from './crd/sync.js';
export { followRunJournal, type RunChanges, type RunJournalOptions } from './crd/run-changes.js';
export {
  DAGTASK_FINALIZER,
  readDagTask,
  dagTaskHash,
  recordDagTaskVersion,
  resolveTaskRefs,
  taskRefNames,
  type DagTaskVersion,
  type DagTaskResourceStatus,
  type DagTaskView,
  type ResolveResult,
} from './crd/dagtask.js';
export {
  dagRunStatus,
  validDagStatus,
  invalidDagStatus,
  issueMessage,
  type DagResourceStatus,
  type DagRunResourceStatus,
  type DagRunTaskStatus,
  type Condition,
} from './crd/status.js';
export {
  reviewAdmission,
  decideAdmission,
  readAdmissionRequest,
  AdmissionReviewError,
  type AdmissionLookups,
} from './admission/review.js';
export {
  dagVerdict,
  dagTaskVerdict,
  dagRunVerdict,
  readDagRun,
  type KnownDag,
  type Verdict,
} from './admission/verdict.js';
export { createDagLookup, type DagLookupStore } from './admission/dag-lookup.js';
export { fieldPath } from './admission/field-path.js';
export type {
  AdmissionCause,
  AdmissionRequest,
  AdmissionResponse,
  AdmissionReview,
  GroupVersionKind,
} from './admission/types.js';
