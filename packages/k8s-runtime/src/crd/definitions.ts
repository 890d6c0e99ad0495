/**
 * The DAG, DagRun and DagTask CustomResourceDefinitions, built from core's `dagSchema` so the CRDs can
 * never drift from the engine's validation. The spec keeps the Go Kontroler's field names (`task`,
 * `dsl`), so its manifests apply unchanged. Pure: `generate.ts` writes the result to `deploy/crds/`.
 */
import {
  dagSchema,
  MAX_PRIORITY,
  MAX_RUN_DEADLINE_SECONDS,
  PodTemplateSchema,
  TaskSchema,
} from '@kontroler/core';
import type { V1CustomResourceDefinition } from '@kubernetes/client-node';
import { CRD_GROUP, CRD_VERSION } from '../rbac.js';
import { toStructural, type JsonSchema } from './structural.js';

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

const condition: JsonSchema = {
  type: 'object',
  required: ['type', 'status'],
  properties: {
    type: { type: 'string' },
    status: { type: 'string', enum: ['True', 'False', 'Unknown'] },
    reason: { type: 'string' },
    message: { type: 'string' },
    observedGeneration: { type: 'integer', format: 'int64' },
    lastTransitionTime: { type: 'string', format: 'date-time' },
  },
};

function taskSchema(): JsonSchema {
  return toStructural(clone(TaskSchema) as JsonSchema, '#/task');
}

/** The DAG spec: core's document minus `name`/`namespace` (they come from metadata), `tasks` as `task`, plus `dsl`. */
export function dagSpecSchema(): JsonSchema {
  const schema = toStructural(clone(dagSchema) as JsonSchema, '#/spec');
  const properties = { ...(schema.properties as JsonSchema) };
  delete properties.name;
  delete properties.namespace;
  const tasks = properties.tasks as JsonSchema;
  delete properties.tasks;
  properties.task = { ...tasks, description: 'The tasks (Kontroler calls the list `task`)' };
  properties.podTemplate = {
    ...toStructural(clone(PodTemplateSchema) as JsonSchema, '#/spec/podTemplate'),
    description: 'Default podTemplate of every task (Kontroler puts it next to `dsl`)',
  };
  properties.dsl = {
    type: 'string',
    description: "Kontroler's DSL; when set it supplies schedule, parameters and tasks",
  };
  return {
    type: 'object',
    description: 'A DAG document (Kontroler-compatible)',
    properties,
    'x-kubernetes-validations': [
      { rule: 'has(self.task) || has(self.dsl)', message: 'spec.task or spec.dsl is required' },
    ],
  };
}

const dagStatus: JsonSchema = {
  type: 'object',
  properties: {
    phase: { type: 'string', description: 'Successful when the spec is valid and stored, else Failed' },
    version: { type: 'integer', description: 'The DAG version the spec is stored as' },
    valid: { type: 'boolean' },
    message: { type: 'string', description: 'Every validation error, one per line' },
    observedGeneration: { type: 'integer', format: 'int64' },
    conditions: { type: 'array', items: condition },
  },
};

const dagRunSpec: JsonSchema = {
  type: 'object',
  required: ['dagName'],
  properties: {
    dagName: { type: 'string', minLength: 1 },
    parameters: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name'],
        properties: {
          name: { type: 'string', minLength: 1 },
          value: { type: 'string' },
          fromSecret: { type: 'string' },
        },
        'x-kubernetes-validations': [
          {
            rule: 'has(self.value) != has(self.fromSecret)',
            message: 'set exactly one of value and fromSecret',
          },
        ],
      },
    },
    priority: {
      type: 'integer',
      minimum: -MAX_PRIORITY,
      maximum: MAX_PRIORITY,
      description: "Order among queued runs, higher first (docs/run-limits.md); default the DAG's priority",
    },
    activeDeadlineSeconds: {
      type: 'integer',
      minimum: 1,
      maximum: MAX_RUN_DEADLINE_SECONDS,
      description:
        "This run's deadline in seconds from its start, instead of the DAG's (docs/flow/deadline.md)",
    },
  },
};

const dagRunStatus: JsonSchema = {
  type: 'object',
  properties: {
    phase: { type: 'string', enum: ['Queued', 'Pending', 'Running', 'Succeeded', 'Failed', 'Canceled'] },
    dagRunId: { type: 'string' },
    version: { type: 'integer' },
    message: { type: 'string' },
    tasks: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'state'],
        properties: {
          name: { type: 'string' },
          state: { type: 'string' },
          attempt: { type: 'integer' },
          exitCode: { type: 'integer' },
          reason: { type: 'string' },
        },
      },
    },
    startedAt: { type: 'string', format: 'date-time' },
    finishedAt: { type: 'string', format: 'date-time' },
    observedGeneration: { type: 'integer', format: 'int64' },
  },
};

/** A DagTask keeps every version it ever had in its status (see `dagtask.ts`). */
const dagTaskStatus: JsonSchema = {
  type: 'object',
  properties: {
    version: { type: 'integer', description: 'The version of the current spec' },
    hash: { type: 'string', description: 'Hex sha256 of the current spec (canonical JSON)' },
    valid: { type: 'boolean' },
    message: { type: 'string' },
    observedGeneration: { type: 'integer', format: 'int64' },
    versions: {
      type: 'array',
      description: 'Every stored version, oldest first; DAG tasks refer to them with taskRef {name, version}',
      items: {
        type: 'object',
        required: ['version', 'hash', 'spec'],
        properties: {
          version: { type: 'integer' },
          hash: { type: 'string' },
          spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
          createdAt: { type: 'string', format: 'date-time' },
        },
      },
    },
    usedBy: {
      type: 'array',
      description: 'DAGs that refer to this DagTask; it cannot be deleted while any does',
      items: { type: 'string' },
    },
  },
};

interface CrdInput {
  readonly kind: string;
  readonly plural: string;
  readonly singular: string;
  readonly shortNames: string[];
  readonly spec: JsonSchema;
  readonly status: JsonSchema;
  readonly columns: Array<{ name: string; type: string; jsonPath: string; priority?: number }>;
  readonly specRequired: boolean;
}

function crd(input: CrdInput): V1CustomResourceDefinition {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${input.plural}.${CRD_GROUP}`,
      labels: { 'app.kubernetes.io/part-of': 'kontroler' },
    },
    spec: {
      group: CRD_GROUP,
      scope: 'Namespaced',
      names: {
        kind: input.kind,
        listKind: `${input.kind}List`,
        plural: input.plural,
        singular: input.singular,
        shortNames: input.shortNames,
        categories: ['kontroler'],
      },
      versions: [
        {
          name: CRD_VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [
            ...input.columns,
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          ],
          schema: {
            openAPIV3Schema: {
              type: 'object',
              // No empty `required`: the apiserver drops it, and `kubectl apply` would then patch it back
              // on every apply ("configured" forever).
              ...(input.specRequired ? { required: ['spec'] } : {}),
              properties: {
                apiVersion: { type: 'string' },
                kind: { type: 'string' },
                metadata: { type: 'object' },
                spec: input.spec,
                status: input.status,
              },
            } as object,
          },
        },
      ],
    },
  };
}

/** The three CRDs, in the order they are installed. */
export function buildCrds(): V1CustomResourceDefinition[] {
  const task = taskSchema();
  // A DagTask's name is its resource's name: the task schema's `required` (name) does not apply, and an
  // empty list is not written (see the openAPIV3Schema above).
  const { required: _required, ...taskWithoutRequired } = task as typeof task & { required?: unknown };
  const dagTaskSpec = { ...taskWithoutRequired, description: 'A reusable task (name comes from metadata)' };
  return [
    crd({
      kind: 'DAG',
      plural: 'dags',
      singular: 'dag',
      shortNames: ['kdag'],
      spec: dagSpecSchema(),
      status: dagStatus,
      specRequired: true,
      columns: [
        { name: 'Schedule', type: 'string', jsonPath: '.spec.schedule' },
        { name: 'Version', type: 'integer', jsonPath: '.status.version' },
        { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
        { name: 'Valid', type: 'boolean', jsonPath: '.status.valid', priority: 1 },
      ],
    }),
    crd({
      kind: 'DagRun',
      plural: 'dagruns',
      singular: 'dagrun',
      shortNames: ['dr', 'kdr'],
      spec: dagRunSpec,
      status: dagRunStatus,
      specRequired: true,
      columns: [
        { name: 'DAG', type: 'string', jsonPath: '.spec.dagName' },
        { name: 'Version', type: 'integer', jsonPath: '.status.version' },
        { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
        { name: 'Run', type: 'string', jsonPath: '.status.dagRunId', priority: 1 },
      ],
    }),
    crd({
      kind: 'DagTask',
      plural: 'dagtasks',
      singular: 'dagtask',
      shortNames: ['dt', 'kdt'],
      spec: dagTaskSpec,
      status: dagTaskStatus,
      specRequired: true,
      columns: [
        { name: 'Image', type: 'string', jsonPath: '.spec.image' },
        { name: 'Version', type: 'integer', jsonPath: '.status.version' },
        { name: 'Used-By', type: 'string', jsonPath: '.status.usedBy', priority: 1 },
      ],
    }),
  ];
}
