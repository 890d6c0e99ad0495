/**
 * The one JSON Schema of a DAG document. It is a superset of the Go Kontroler's DAG CRD spec
 * (`kontroler.greedykomodo/v1alpha1`), so its manifests load unchanged; the TypeScript types, runtime
 * validation, the CRD's openAPIV3Schema and the API's OpenAPI components are all derived from it.
 *
 * Only shape lives here. Cross-field rules (cycles, unknown `runAfter`, parameters, cron) live in
 * `validate.ts`.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { MAX_FOR_EACH_ITEMS } from './limits.js';

/** Names become Kubernetes object names and labels: RFC 1123 labels, at most 63 characters. */
export const K8S_NAME_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';

/** Output names: usable as a file name, an env var suffix and a CEL field without quoting. */
export const OUTPUT_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_]*$';

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

/** A declared task output: the only names downstream references may use (`{{ tasks.X.outputs.NAME }}`). */
export const OutputSchema = Type.Object(
  {
    name: Type.String({
      pattern: OUTPUT_NAME_PATTERN,
      description: 'Unique in the task; letters, digits, _',
    }),
    description: Type.Optional(Type.String()),
    valueFrom: Type.Optional(
      Type.String({
        description:
          'For plugin task types: a JSON Pointer into the task result (e.g. "/body/rows" for the http task). ' +
          'Container tasks write a file named after the output instead',
      }),
    ),
  },
  { additionalProperties: false },
);

/** Airflow's trigger rules: what a task's upstreams must have done before it runs (docs/flow/trigger-rules.md). */
export const TRIGGER_RULES = [
  'all_success',
  'all_failed',
  'all_done',
  'all_skipped',
  'one_failed',
  'one_success',
  'one_done',
  'none_failed',
  'none_failed_min_one_success',
  'none_skipped',
  'always',
] as const;

export const TriggerRuleSchema = Type.Union(
  TRIGGER_RULES.map((rule) => Type.Literal(rule)),
  { description: 'What the upstream tasks must have done (Airflow names); default all_success' },
);

/** One task instance per item: `name[0]`, `name[1]`, … (docs/flow/for-each.md). */
export const ForEachSchema = Type.Object(
  {
    items: Type.Optional(
      Type.Array(Type.Unknown(), {
        description: 'A static list; each item is a JSON value',
        maxItems: MAX_FOR_EACH_ITEMS,
      }),
    ),
    from: Type.Optional(
      Type.String({
        description: 'An upstream output holding a JSON list: "{{ tasks.X.outputs.Y }}"',
      }),
    ),
    parallelism: Type.Optional(
      Type.Integer({ minimum: 1, description: 'Most instances running at once; default unlimited' }),
    ),
  },
  { additionalProperties: false, description: 'Exactly one of items and from' },
);

/** An environment variable of the task's process or container; the value may hold templates. */
export const EnvVarSchema = Type.Object(
  { name: Type.String({ minLength: 1 }), value: Type.String() },
  { additionalProperties: false },
);

/** The roles that may be named as approvers: the API's roles (docs/approval.md). */
export const APPROVER_ROLES = ['viewer', 'editor', 'admin'] as const;

/** An approval task: it waits for a person to approve or reject it (docs/approval.md). */
export const ApprovalSchema = Type.Object(
  {
    timeoutSeconds: Type.Integer({ minimum: 1, description: 'How long to wait for a decision' }),
    onTimeout: Type.Union([Type.Literal('approve'), Type.Literal('reject')], {
      description: 'The outcome when nobody decides in time',
    }),
    approvers: Type.Optional(
      Type.Array(Type.Union(APPROVER_ROLES.map((role) => Type.Literal(role))), {
        minItems: 1,
        description: 'Roles (in the run namespace) that may decide; default editor',
      }),
    ),
    message: Type.Optional(Type.String({ description: 'What the approver is asked, shown in the console' })),
  },
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
    env: Type.Optional(
      Type.Array(EnvVarSchema, { description: 'Environment variables; values may hold templates' }),
    ),
    outputs: Type.Optional(Type.Array(OutputSchema, { description: 'Named JSON outputs the task produces' })),
    when: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'A CEL condition over params, run and upstream tasks; false skips the task (ConditionFalse)',
      }),
    ),
    triggerRule: Type.Optional(TriggerRuleSchema),
    forEach: Type.Optional(ForEachSchema),
    approval: Type.Optional(ApprovalSchema),
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
    onExit: Type.Optional(
      Type.Array(TaskSchema, {
        description: 'Exit handlers: tasks that run once the run has finished, whatever its outcome',
      }),
    ),
    onExitFailsRun: Type.Optional(
      Type.Boolean({
        default: false,
        description: 'Whether an exit handler that fails for good fails a run that had succeeded',
      }),
    ),
    activeDeadlineSeconds: Type.Optional(
      Type.Integer({
        minimum: 1,
        description: 'Most seconds a run may take; then it fails with DeadlineExceeded and exit handlers run',
      }),
    ),
    maxActiveRuns: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 100000,
        description:
          'Most runs of this DAG pending or running at once; more wait in state queued (docs/run-limits.md)',
      }),
    ),
    priority: Type.Optional(
      Type.Integer({
        minimum: -1000000,
        maximum: 1000000,
        description: "Default priority of this DAG's runs: among queued runs, higher starts first; default 0",
      }),
    ),
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
export type OutputSpec = Static<typeof OutputSchema>;
export type TriggerRule = (typeof TRIGGER_RULES)[number];
export type ForEachSpec = Static<typeof ForEachSchema>;
export type EnvVarSpec = Static<typeof EnvVarSchema>;
export type ApprovalSpec = Static<typeof ApprovalSchema>;
export type ApproverRole = (typeof APPROVER_ROLES)[number];
