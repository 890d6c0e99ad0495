/**
 * The pure mapping from a task attempt to the pod that runs it (and the run's workspace PVC). No I/O, no
 * clock: the same attempt always gives the same pod, so a restarted controller that creates it again gets
 * AlreadyExists and adopts it instead of starting a twin.
 */
import { createHash } from 'node:crypto';
import type { ParameterValue, PodTemplate, TaskSpec, WorkspaceSpec } from '@kontroler/core';
import type {
  V1Container,
  V1EnvVar,
  V1OwnerReference,
  V1PersistentVolumeClaim,
  V1Pod,
  V1Volume,
  V1VolumeMount,
} from '@kubernetes/client-node';
import { OUTPUTS_DIR_ENV, WORKSPACE_ENV, attemptEnv } from '@kontroler/core';
import { ANNOTATIONS, LABELS, MANAGED_BY } from './labels.js';
import { OUTPUTS_MOUNT_PATH, OUTPUTS_VOLUME, TERMINATION_MESSAGE_PATH, wrapForOutputs } from './outputs.js';
import { CRD_GROUP, CRD_VERSION } from './rbac.js';

/** What the mapping needs from an attempt (a subset of `AttemptContext`). */
export interface PodInput {
  readonly attemptId: string;
  readonly runId: string;
  readonly dagName: string;
  readonly dagVersion: number;
  /** The Kubernetes namespace the pod is created in. */
  readonly namespace: string;
  /** The run's namespace in Kontroler (`KONTROLER_NAMESPACE`) when the pod runs elsewhere. @default namespace */
  readonly runNamespace?: string;
  readonly taskName: string;
  readonly attempt: number;
  readonly task: TaskSpec;
  readonly workspace?: WorkspaceSpec;
  readonly parameters: Readonly<Record<string, ParameterValue>>;
  /** The run's labels; `kontroler.greedykomodo/dagrun-uid` + `-name` make the DagRun resource the owner. */
  readonly runLabels?: Readonly<Record<string, string>>;
}

export interface PodSpecOptions {
  /** Image for tasks without one (e.g. `taskRef` tasks resolved elsewhere). @default 'alpine:3.20' */
  readonly defaultImage?: string;
  /** Where the workspace PVC is mounted. @default '/workspace' */
  readonly workspaceMountPath?: string;
  /** Extra labels on every pod. */
  readonly labels?: Readonly<Record<string, string>>;
}

const MAX_NAME = 63;

export function shortHash(text: string, length = 10): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/** Lower-case RFC 1123 label characters only, no leading/trailing dash. */
export function sanitizeName(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** A valid label value (≤ 63 chars, alphanumeric ends); long values keep a hash suffix to stay unique. */
export function labelValue(text: string): string {
  const clean = text.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  if (clean.length <= MAX_NAME && clean === text) return clean;
  const hash = shortHash(text, 8);
  const head = clean.slice(0, MAX_NAME - hash.length - 1).replace(/[^A-Za-z0-9]+$/, '');
  return head ? `${head}-${hash}` : hash;
}

/**
 * The pod's name: `<task>-<run>-a<attempt>-<hash>`, at most 63 characters; the hash of (run, task,
 * attempt) keeps truncated names unique and makes the name deterministic.
 */
/** The name of the task's container in its pod. */
export function containerName(taskName: string): string {
  return sanitizeName(taskName) || 'task';
}

export function podName(runId: string, taskName: string, attempt: number): string {
  const hash = shortHash(`${runId}\u0000${taskName}\u0000${attempt}`);
  const suffix = `-a${attempt}-${hash}`;
  const room = MAX_NAME - suffix.length;
  const task = sanitizeName(taskName).slice(0, Math.max(1, Math.ceil(room * 0.6)));
  const run = sanitizeName(runId).slice(0, Math.max(0, room - task.length - 1));
  const head = sanitizeName(run ? `${task}-${run}` : task)
    .slice(0, room)
    .replace(/-+$/, '');
  return `${head || 'task'}${suffix}`;
}

/** The name of a run's workspace PVC. */
export function workspaceClaimName(runId: string): string {
  const hash = shortHash(runId);
  return `kontroler-ws-${sanitizeName(runId).slice(0, MAX_NAME - 14 - hash.length)}-${hash}`.replace(
    /--+/g,
    '-',
  );
}

export function ownerReference(runLabels: PodInput['runLabels']): V1OwnerReference | undefined {
  const uid = runLabels?.[LABELS.dagRunUid];
  const name = runLabels?.[LABELS.dagRunName];
  if (!uid || !name) return undefined;
  return { apiVersion: `${CRD_GROUP}/${CRD_VERSION}`, kind: 'DagRun', name, uid, controller: true };
}

/** Parameters as env vars named exactly as the parameter; secret-backed ones read key `secret`. */
export function envVars(parameters: PodInput['parameters']): V1EnvVar[] {
  return Object.entries(parameters)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) =>
      'fromSecret' in value
        ? { name, valueFrom: { secretKeyRef: { name: value.fromSecret, key: 'secret' } } }
        : { name, value: value.value },
    );
}

const workspaceMountPath = (options: Pick<PodSpecOptions, 'workspaceMountPath'>): string =>
  options.workspaceMountPath ?? '/workspace';

/**
 * The container's environment: the task's own `env` (templates already rendered by the engine), then the
 * parameters (which win over a task variable of the same name, as in the process runtime), then the engine's
 * `KONTROLER_*` variables (core's `attemptEnv`, the same names and values as every runtime), with
 * `KONTROLER_WORKSPACE` for a workspace and `KONTROLER_OUTPUTS_DIR` for outputs. A name appears once, with
 * the value of its last source: validation refuses `KONTROLER_*` task variables and parameters, and a DAG
 * stored before that rule still cannot hide the run's identity from its pod.
 */
export function containerEnv(
  input: Omit<PodInput, 'runLabels'>,
  options: Pick<PodSpecOptions, 'workspaceMountPath'> = {},
): V1EnvVar[] {
  const engine: Record<string, string> = attemptEnv({
    ...input,
    namespace: input.runNamespace ?? input.namespace,
  });
  if (input.workspace?.enable) engine[WORKSPACE_ENV] = workspaceMountPath(options);
  if (outputNames(input.task).length > 0) engine[OUTPUTS_DIR_ENV] = OUTPUTS_MOUNT_PATH;
  // Later sources win; a name moves to where its winning value comes from, so the list reads in that order.
  const byName = new Map<string, V1EnvVar>();
  const put = (e: V1EnvVar): void => {
    byName.delete(e.name);
    byName.set(e.name, e);
  };
  for (const e of input.task.env ?? []) put({ name: e.name, value: e.value });
  for (const e of envVars(input.parameters)) put(e);
  for (const [name, value] of Object.entries(engine)) put({ name, value });
  return [...byName.values()];
}

/** The names of the outputs a task declares. */
export function outputNames(task: TaskSpec): string[] {
  return (task.outputs ?? []).map((o) => o.name);
}

/** Labels of every pod of an attempt. */
export function podLabels(
  input: PodInput,
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> {
  return {
    ...extra,
    [LABELS.dag]: labelValue(input.dagName),
    [LABELS.version]: String(input.dagVersion),
    [LABELS.run]: labelValue(input.runId),
    [LABELS.task]: labelValue(input.taskName),
    [LABELS.attempt]: String(input.attempt),
    [LABELS.managedBy]: MANAGED_BY,
  };
}

// The podTemplate's open objects are validated by the apiserver; we pass them through unchanged.
const asIs = <T>(value: unknown): T => value as T;

/** The pod for one attempt. */
export function buildPod(input: PodInput, options: PodSpecOptions = {}): V1Pod {
  const task = input.task;
  const template: PodTemplate = task.podTemplate ?? {};
  const name = podName(input.runId, input.taskName, input.attempt);
  const owner = ownerReference(input.runLabels);

  const volumes: V1Volume[] = [...asIs<V1Volume[]>(template.volumes ?? [])];
  const mounts: V1VolumeMount[] = [...asIs<V1VolumeMount[]>(template.volumeMounts ?? [])];
  const outputs = outputNames(task);
  if (outputs.length > 0) {
    volumes.push({ name: OUTPUTS_VOLUME, emptyDir: {} });
    mounts.push({ name: OUTPUTS_VOLUME, mountPath: OUTPUTS_MOUNT_PATH });
  }
  if (input.workspace?.enable) {
    volumes.push({
      name: 'workspace',
      persistentVolumeClaim: { claimName: workspaceClaimName(input.runId) },
    });
    mounts.push({ name: 'workspace', mountPath: workspaceMountPath(options) });
  }

  const container: V1Container = {
    name: containerName(input.taskName),
    image: task.image ?? options.defaultImage ?? 'alpine:3.20',
  };
  if (task.script !== undefined) {
    // Kontroler writes the script with an init container and runs it with sh; `sh -c` is the same contract
    // (the image must have a shell) without the extra container.
    container.command = ['sh', '-c', task.script];
  } else {
    if (task.command) container.command = [...task.command];
    if (task.args) container.args = [...task.args];
  }
  if (outputs.length > 0 && container.command) {
    // Collected at exit through the termination message (outputs.ts): no extra container. Every task has a
    // command or a script (core's validation), so the wrapper always knows what to run.
    container.command = wrapForOutputs([...container.command, ...(container.args ?? [])], outputs);
    delete container.args;
    container.terminationMessagePath = TERMINATION_MESSAGE_PATH;
    container.terminationMessagePolicy = 'File';
  }
  container.env = containerEnv(input, options);
  if (mounts.length > 0) container.volumeMounts = mounts;
  if (template.resources) container.resources = asIs<V1Container['resources']>(template.resources);

  const activeDeadlineSeconds = template.activeDeadlineSeconds ?? task.timeoutSeconds;
  const pod: V1Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: input.namespace,
      labels: podLabels(input, options.labels),
      annotations: { [ANNOTATIONS.attemptId]: input.attemptId, [ANNOTATIONS.runId]: input.runId },
      ...(owner ? { ownerReferences: [owner] } : {}),
    },
    spec: {
      restartPolicy: 'Never',
      containers: [container],
      ...(volumes.length > 0 ? { volumes } : {}),
      ...(template.imagePullSecrets
        ? { imagePullSecrets: template.imagePullSecrets.map((s) => ({ name: s.name })) }
        : {}),
      ...(template.securityContext ? { securityContext: asIs<object>(template.securityContext) } : {}),
      ...(template.nodeSelector ? { nodeSelector: { ...template.nodeSelector } } : {}),
      ...(template.tolerations ? { tolerations: asIs<object[]>(template.tolerations) } : {}),
      ...(template.affinity ? { affinity: asIs<object>(template.affinity) } : {}),
      ...(template.serviceAccountName ? { serviceAccountName: template.serviceAccountName } : {}),
      ...(template.automountServiceAccountToken !== undefined
        ? { automountServiceAccountToken: template.automountServiceAccountToken }
        : {}),
      ...(activeDeadlineSeconds !== undefined ? { activeDeadlineSeconds } : {}),
    },
  };
  return pod;
}

/** The workspace PVC of a run (one per run, shared by its tasks). */
export function buildWorkspaceClaim(
  input: Pick<PodInput, 'runId' | 'dagName' | 'namespace' | 'runLabels'> & { workspace: WorkspaceSpec },
): V1PersistentVolumeClaim {
  const pvc = input.workspace.pvc ?? {};
  const owner = ownerReference(input.runLabels);
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      name: workspaceClaimName(input.runId),
      namespace: input.namespace,
      labels: {
        [LABELS.dag]: labelValue(input.dagName),
        [LABELS.run]: labelValue(input.runId),
        [LABELS.managedBy]: MANAGED_BY,
      },
      ...(owner ? { ownerReferences: [owner] } : {}),
    },
    spec: {
      accessModes: pvc.accessModes ?? ['ReadWriteOnce'],
      resources: asIs<object>(pvc.resources ?? { requests: { storage: '1Gi' } }),
      ...(pvc.storageClassName ? { storageClassName: pvc.storageClassName } : {}),
      ...(pvc.volumeMode ? { volumeMode: pvc.volumeMode } : {}),
      ...(pvc.selector ? { selector: asIs<object>(pvc.selector) } : {}),
    },
  };
}
