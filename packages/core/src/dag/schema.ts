/**
 * The one JSON Schema of a DAG document. It is a superset of the Go Kontroler's DAG CRD spec
 * (`kontroler.greedykomodo/v1alpha1`), so its manifests load unchanged; the TypeScript types, runtime
 * validation, the CRD's openAPIV3Schema and the API's OpenAPI components are all derived from it.
 *
 * Only shape lives here. Cross-field rules (cycles, unknown `runAfter`, parameters, cron) live in
 * `validate.ts`.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';

/** Names become Kubernetes object names and labels: RFC 1123 labels, at most 63 characters. */
export const K8S_NAME_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';

const Quantities = Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()]));

/** Compute resources as in a Kubernetes container. */
export const ResourcesSchema = Type.Object(
  { limits: Type.Optional(Quantities), requests: Type.Optional(Quantities) },
  { additionalProperties: false },
);

/** Open Kubernetes objects we pass through unchanged (volumes, affinity, ...). */
const K8sObject = (description: string): TSchema =>
  Type.Record(Type.String(), Type.Unknown(), { description });

export const PodTemplateSchema = Type.Object(
  {
    volumes: Type.Optional(Type.Array(K8sObject('A Kubernetes Volume'))),
    volumeMounts: Type.Optional(Type.Array(K8sObject('A Kubernetes VolumeMount'))),
    imagePullSecrets: Type.Optional(Type.Array(Type.Object({ name: Type.String() }))),
    securityContext: Type.Optional(K8sObject('A Kubernetes PodSecurityContext')),
    nodeSelector: Type.Optional(Type.Record(Type.String(), Type.String())),
    tolerations: Type.Optional(Type.Array(K8sObject('A Kubernetes Toleration'))),
    affinity: Type.Optional(K8sObject('A Kubernetes Affinity')),
    serviceAccountName: Type.Optional(Type.String()),
    automountServiceAccountToken: Type.Optional(Type.Boolean()),
    activeDeadlineSeconds: Type.Optional(Type.Integer({ minimum: 1 })),
    resources: Type.Optional(ResourcesSchema),
  },
  { additionalProperties: false, description: 'Pod settings for the Kubernetes runtime' },
);

export const BackoffSchema = Type.Object(
  {
    limit: Type.Integer({
      minimum: 0,
      maximum: 1000,
      default: 3,
      description: 'Retries after the first attempt',
    }),
  },
  { additionalProperties: false },
);

export const ConditionalSchema = Type.Object(
  {
    enabled: Type.Boolean({ default: false }),
    retryCodes: Type.Array(Type.Integer(), {
      default: [],
      description: 'Exit codes (0-255) that may be retried when enabled',
    }),
  },
  { additionalProperties: false },
);

/**
 * Which failures a task retries, as Argo's `retryPolicy`. Absent: the Kontroler default (the task's own
 * non-zero exit, infrastructure and transient errors; never a failure to start). See docs/retries.md.
 */
export const RetryPolicySchema = Type.Union(
  [
    Type.Literal('OnFailure'),
    Type.Literal('OnError'),
    Type.Literal('Always'),
    Type.Literal('OnTransientError'),
  ],
  {
    description:
      'Which failures are retried: OnFailure (own non-zero exit), OnError (failures to start and ' +
      'infrastructure errors), Always (both), OnTransientError (transient errors only). Default: own exit, ' +
      'infrastructure and transient errors, never a failure to start',
  },
);

/** A DAG-level parameter: exactly one of `defaultValue` and `defaultFromSecret` (checked in validate). */
export const ParameterSchema = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    defaultValue: Type.Optional(Type.String()),
    defaultFromSecret: Type.Optional(Type.String()),
    description: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export const TaskRefSchema = Type.Object(
  { name: Type.String({ minLength: 1 }), version: Type.Integer({ minimum: 1 }) },
  { additionalProperties: false },
);

export const TaskSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, description: 'Unique in the DAG; a Kubernetes-safe name' }),
    type: Type.Optional(
      Type.String({ description: 'A task type registered by a plugin (e.g. "http"); default: container' }),
    ),
    image: Type.Optional(Type.String()),
    command: Type.Optional(Type.Array(Type.String())),
    args: Type.Optional(Type.Array(Type.String())),
    script: Type.Optional(Type.String()),
    scriptInjectorImage: Type.Optional(Type.String()),
    runAfter: Type.Optional(Type.Array(Type.String())),
    backoff: Type.Optional(BackoffSchema),
    conditional: Type.Optional(ConditionalSchema),
    retryPolicy: Type.Optional(RetryPolicySchema),
    parameters: Type.Optional(Type.Array(Type.String(), { description: 'Names of DAG parameters' })),
    podTemplate: Type.Optional(PodTemplateSchema),
    taskRef: Type.Optional(TaskRefSchema),
    timeoutSeconds: Type.Optional(Type.Integer({ minimum: 1 })),
    with: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), { description: 'Settings of a plugin task type' }),
    ),
  },
  { additionalProperties: false },
);

export const WebhookSchema = Type.Object(
  {
    url: Type.String({ minLength: 1 }),
    verifySSL: Type.Optional(Type.Boolean({ default: true })),
    secret: Type.Optional(
      Type.String({ description: 'Signing secret, or the name of one in the secret source' }),
    ),
  },
  { additionalProperties: false },
);

export const WorkspaceSchema = Type.Object(
  {
    enable: Type.Boolean(),
    pvc: Type.Optional(
      Type.Object(
        {
          accessModes: Type.Optional(Type.Array(Type.String())),
          selector: Type.Optional(K8sObject('A label selector')),
          resources: Type.Optional(ResourcesSchema),
          storageClassName: Type.Optional(Type.String()),
          volumeMode: Type.Optional(Type.String()),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

/** Concurrency policy of scheduled runs, as in Kubernetes CronJobs. */
export const ConcurrencyPolicySchema = Type.Union(
  [Type.Literal('allow'), Type.Literal('forbid'), Type.Literal('replace')],
  { default: 'allow' },
);

export const DagSpecSchema = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    namespace: Type.Optional(Type.String()),
    description: Type.Optional(Type.String()),
    schedule: Type.Optional(Type.String({ description: 'Cron: 5 or 6 fields, or @daily-style' })),
    timezone: Type.Optional(Type.String({ description: 'IANA time zone of the schedule; default UTC' })),
    concurrencyPolicy: Type.Optional(ConcurrencyPolicySchema),
    suspended: Type.Optional(Type.Boolean({ default: false })),
    parameters: Type.Optional(Type.Array(ParameterSchema)),
    tasks: Type.Array(TaskSchema),
    webhook: Type.Optional(WebhookSchema),
    workspace: Type.Optional(WorkspaceSchema),
  },
  { additionalProperties: false, $id: 'https://kontroler.dev/schemas/dag.json', title: 'DAG' },
);

/** The DAG document's JSON Schema, exported for the CRD and OpenAPI generators. */
export const dagSchema = DagSpecSchema;

export type DagSpec = Static<typeof DagSpecSchema>;
export type TaskSpec = Static<typeof TaskSchema>;
export type ParameterSpec = Static<typeof ParameterSchema>;
export type PodTemplate = Static<typeof PodTemplateSchema>;
export type WebhookSpec = Static<typeof WebhookSchema>;
export type WorkspaceSpec = Static<typeof WorkspaceSchema>;
export type ConcurrencyPolicy = Static<typeof ConcurrencyPolicySchema>;
export type RetryPolicy = Static<typeof RetryPolicySchema>;
