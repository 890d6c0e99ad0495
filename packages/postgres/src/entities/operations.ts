/** Entities of the operating-workflow tables (issue 17): triggers, backfills, shared tasks and run limits. */
import { EntitySchema, type PrimaryKeyProp } from '@mikro-orm/core';
import { BACKFILL_STATES } from '@kontroler/core';
import { cascade, sqlIndex, textNull, tz, tzNull } from './columns.js';

export interface TriggerEntity {
  id: string;
  namespace: string;
  dagName: string;
  name: string;
  secrets: Array<{ secret: string; createdAt: number }>;
  mapping: Record<string, string>;
  toleranceSeconds: number;
  ratePerMinute: number;
  createdAt: Date;
  updatedAt: Date;
  createdBy: string | null;
}

export const TriggerSchema = new EntitySchema<TriggerEntity>({
  name: 'Trigger',
  tableName: 'triggers',
  uniques: [{ name: 'triggers_dag_name_unique', properties: ['namespace', 'dagName', 'name'] }],
  properties: {
    id: { type: 'text', primary: true },
    namespace: { type: 'text' },
    dagName: { type: 'text' },
    name: { type: 'text' },
    secrets: { type: 'json' },
    mapping: { type: 'json' },
    toleranceSeconds: { type: 'integer' },
    ratePerMinute: { type: 'integer' },
    createdAt: tz,
    updatedAt: tz,
    createdBy: textNull,
  },
});

export interface TriggerMessageEntity {
  triggerId: string;
  messageId: string;
  expiresAt: Date;
}

export const TriggerMessageSchema = new EntitySchema<TriggerMessageEntity>({
  name: 'TriggerMessage',
  tableName: 'trigger_messages',
  properties: {
    triggerId: {
      kind: 'm:1',
      entity: 'Trigger',
      primary: true,
      mapToPk: true,
      joinColumn: 'trigger_id',
      foreignKeyName: 'trigger_messages_trigger_id_fkey',
      ...cascade,
    },
    messageId: { type: 'text', primary: true },
    expiresAt: tz,
  },
});

export interface BackfillEntity {
  id: string;
  namespace: string;
  dagName: string;
  rangeFrom: Date;
  rangeTo: Date;
  schedule: string;
  timezone: string | null;
  maxActiveRuns: number;
  state: 'running' | 'completed' | 'canceled';
  total: number;
  submitted: number;
  done: number;
  failed: number;
  nextTick: Date | null;
  inFlight: string[];
  revision: number;
  createdAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
  createdBy: string | null;
}

export const BackfillSchema = new EntitySchema<BackfillEntity>({
  name: 'Backfill',
  tableName: 'backfills',
  indexes: [
    sqlIndex('backfills_dag', '(namespace, dag_name, created_at desc)'),
    sqlIndex('backfills_running', "(created_at) where state = 'running'"),
  ],
  properties: {
    id: { type: 'text', primary: true },
    namespace: { type: 'text' },
    dagName: { type: 'text' },
    rangeFrom: tz,
    rangeTo: tz,
    schedule: { type: 'text' },
    timezone: textNull,
    maxActiveRuns: { type: 'integer' },
    state: { type: 'text', enum: true, items: [...BACKFILL_STATES] },
    total: { type: 'integer' },
    submitted: { type: 'integer' },
    done: { type: 'integer' },
    failed: { type: 'integer' },
    nextTick: tzNull,
    inFlight: { type: 'json' },
    revision: { type: 'integer' },
    createdAt: tz,
    updatedAt: tz,
    finishedAt: tzNull,
    createdBy: textNull,
  },
});

export interface DagTaskEntity {
  [PrimaryKeyProp]?: ['namespace', 'name'];
  namespace: string;
  name: string;
  latestVersion: number;
  createdAt: Date;
  updatedAt: Date;
}

export const DagTaskSchema = new EntitySchema<DagTaskEntity>({
  name: 'DagTask',
  tableName: 'dag_tasks',
  properties: {
    namespace: { type: 'text', primary: true },
    name: { type: 'text', primary: true },
    latestVersion: { type: 'integer' },
    createdAt: tz,
    updatedAt: tz,
  },
});

export interface DagTaskVersionEntity {
  namespace: string;
  name: string;
  version: number;
  spec: Record<string, unknown>;
  hash: string;
  createdAt: Date;
  createdBy: string | null;
  /** The shared task: the foreign key `(namespace, name)`, sharing the primary key's columns. */
  task?: DagTaskEntity;
}

export const DagTaskVersionSchema = new EntitySchema<DagTaskVersionEntity>({
  name: 'DagTaskVersion',
  tableName: 'dag_task_versions',
  properties: {
    namespace: { type: 'text', primary: true },
    name: { type: 'text', primary: true },
    version: { type: 'integer', primary: true },
    spec: { type: 'json' },
    hash: { type: 'text' },
    createdAt: tz,
    createdBy: textNull,
    task: {
      kind: 'm:1',
      entity: () => DagTaskSchema,
      joinColumns: ['namespace', 'name'],
      // Derived from the key, so a version is created with its key alone.
      onCreate: (version, em) => em.getReference(DagTaskSchema, [version.namespace, version.name]),
      foreignKeyName: 'dag_task_versions_namespace_name_fkey',
      ...cascade,
    },
  },
});

/** Run limits per namespace (Migration20261207030100_run_limits). */
export interface NamespaceLimitEntity {
  namespace: string;
  maxActiveRuns: number | null;
  updatedAt: Date;
  updatedBy: string | null;
}

export const NamespaceLimitSchema = new EntitySchema<NamespaceLimitEntity>({
  name: 'NamespaceLimit',
  tableName: 'namespace_limits',
  checks: [
    {
      name: 'namespace_limits_max_active_runs_check',
      expression: 'max_active_runs is null or max_active_runs >= 1',
    },
  ],
  properties: {
    namespace: { type: 'text', primary: true },
    maxActiveRuns: { type: 'integer', nullable: true },
    updatedAt: tz,
    updatedBy: textNull,
  },
});

export const operationEntities = [
  TriggerSchema,
  TriggerMessageSchema,
  BackfillSchema,
  DagTaskSchema,
  DagTaskVersionSchema,
  NamespaceLimitSchema,
];
