/**
 * Names for the API's schemas, taken from the generated OpenAPI types so they cannot drift from the server.
 * `components['schemas']` holds every one; these are the ones callers name most.
 */
import type { components, operations, paths } from './schema.generated.js';

export type { components, operations, paths };

/** Every schema of the document by name (`Schemas['Run']`). */
export type Schemas = components['schemas'];

export type Problem = Schemas['Problem'];
/** One entry of a problem's `errors[]`: the field (and task) at fault. */
export type ProblemFieldError = NonNullable<Problem['errors']>[number];
export type User = Schemas['User'];
export type Grant = Schemas['Grant'];
export type Role = Grant['role'];
export type Session = Schemas['Session'];
export type TokenInfo = Schemas['TokenInfo'];
export type CreatedToken = Schemas['CreatedToken'];
export type DagSpec = Schemas['DagSpec'];
export type DagSummary = Schemas['DagSummary'];
export type DagDetail = Schemas['DagDetail'];
export type DagVersionInfo = Schemas['DagVersionInfo'];
export type DagVersionDetail = Schemas['DagVersionDetail'];
export type DagSaveResult = Schemas['DagSaveResult'];
export type DagDiff = Schemas['DagDiff'];
export type DagIssue = Schemas['DagIssue'];
export type ValidationResult = Schemas['ValidationResult'];
export type Run = Schemas['Run'];
export type RunState = Run['state'];
export type RunDetail = Schemas['RunDetail'];
export type Attempt = Schemas['Attempt'];
export type AttemptState = Attempt['state'];
export type ServerInfo = Schemas['ServerInfo'];
export type SecretEntry = Schemas['SecretEntry'];
export type SecretList = Schemas['SecretList'];
export type LogLines = Schemas['LogLines'];
export type LogLine = LogLines['lines'][number];
export type Delivery = Schemas['Delivery'];
export type AuditEntry = Schemas['AuditEntry'];
export type DashboardSummary = Schemas['DashboardSummary'];
export type DashboardTasks = Schemas['DashboardTasks'];
export type DashboardQueue = Schemas['DashboardQueue'];

/** A page of a list operation: `items` and the cursor of the next page (`null` on the last). */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * The engine events `GET /api/v1/events` streams (docs/api.md). The document types an SSE answer as text,
 * so this names what its `data:` lines carry: the run, and the attempt for task events. A test keeps the
 * list equal to core's `RUN_EVENT_NAMES`.
 */
export const RUN_EVENT_NAMES = [
  'run.created',
  'run.started',
  'run.finished',
  'run.retried',
  'task.ready',
  'task.started',
  'task.succeeded',
  'task.failed',
  'task.retrying',
  'task.skipped',
  'task.canceled',
  'task.rerun',
  'task.marked',
  'task.awaitingApproval',
] as const;
export type RunEventName = (typeof RUN_EVENT_NAMES)[number];

/** One run event as received; `id` is what a reconnect sends back as `Last-Event-ID`. */
export interface RunEvent {
  id: string | null;
  event: RunEventName;
  data: { run: Run; attempt?: Attempt };
}
