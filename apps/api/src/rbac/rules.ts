/**
 * The ONE table of access rules: every OpenAPI operationId → the minimal role it needs. `public` needs no
 * credential; `authenticated` needs any valid one. A test built from the OpenAPI document fails when an
 * operation has no rule here. Namespace scoping is applied on top by the handlers (a grant in namespace
 * `team-a` reaches only resources in `team-a`).
 */
import type { Role } from '../types.js';

export type AccessRule = 'public' | 'authenticated' | Role;

export const OPERATION_RULES = {
  // health and discovery
  healthz: 'public',
  readyz: 'public',
  getOpenApi: 'public',
  getServerInfo: 'authenticated',
  // auth and account
  login: 'public',
  refresh: 'public',
  logout: 'authenticated',
  getMe: 'authenticated',
  changePassword: 'authenticated',
  listTokens: 'authenticated',
  createToken: 'authenticated',
  deleteToken: 'authenticated',
  // DAGs
  listDags: 'viewer',
  listNamespaceDags: 'viewer',
  createDag: 'editor',
  validateDag: 'viewer',
  getDag: 'viewer',
  updateDag: 'editor',
  deleteDag: 'editor',
  suspendDag: 'editor',
  resumeDag: 'editor',
  listDagVersions: 'viewer',
  getDagVersion: 'viewer',
  diffDagVersions: 'viewer',
  triggerRun: 'editor',
  previewDagPlan: 'viewer',
  previewDraftPlan: 'viewer',
  // runs, logs, deliveries, events
  listRuns: 'viewer',
  getRun: 'viewer',
  cancelRun: 'editor',
  retryRun: 'editor',
  getAttemptLogs: 'viewer',
  streamAttemptLogs: 'viewer',
  listRunDeliveries: 'viewer',
  redeliver: 'editor',
  streamEvents: 'viewer',
  // admin
  listUsers: 'admin',
  createUser: 'admin',
  updateUser: 'admin',
  resetUserPassword: 'admin',
  unlockUser: 'admin',
  listAudit: 'admin',
  listSecrets: 'admin',
  setSecret: 'admin',
  deleteSecret: 'admin',
  // dashboard (figures of the namespaces the caller may read)
  getDashboardSummary: 'viewer',
  getDashboardTasks: 'viewer',
  getDashboardQueue: 'viewer',
  // inbound triggers (the hook itself is authenticated by its signature)
  listTriggers: 'editor',
  createTrigger: 'editor',
  rotateTriggerSecret: 'editor',
  deleteTrigger: 'editor',
  receiveHook: 'public',
  // backfills
  createBackfill: 'editor',
  listBackfills: 'viewer',
  getBackfill: 'viewer',
  cancelBackfill: 'editor',
  // shared tasks (DagTask)
  listDagTasks: 'viewer',
  putDagTask: 'editor',
  getDagTask: 'viewer',
  listDagTaskVersions: 'viewer',
  getDagTaskVersion: 'viewer',
  diffDagTaskVersions: 'viewer',
  deleteDagTask: 'editor',
  // task-level actions in a run
  rerunTask: 'editor',
  markTask: 'editor',
  // approval tasks: any reader may ask; the handler checks the task's approvers (default editor)
  approveTask: 'viewer',
  rejectTask: 'viewer',
  // run limits
  getNamespaceLimits: 'viewer',
  putNamespaceLimits: 'admin',
} as const satisfies Record<string, AccessRule>;

export type OperationId = keyof typeof OPERATION_RULES;

export function ruleFor(operationId: string): AccessRule | undefined {
  return Object.hasOwn(OPERATION_RULES, operationId)
    ? OPERATION_RULES[operationId as OperationId]
    : undefined;
}

/** Operations an API token may not perform (they act on the password-holding user). */
export const NOT_FOR_API_TOKENS: ReadonlySet<string> = new Set(['changePassword']);

/** Operations a user who must change the password may still perform. */
export const ALLOWED_BEFORE_PASSWORD_CHANGE: ReadonlySet<string> = new Set([
  'getMe',
  'changePassword',
  'logout',
]);
