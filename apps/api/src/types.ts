/**
 * The shapes `createApp(deps)` is built from. The API depends on ports, never on adapters: the composition
 * root (`main.ts`) and the tests pass the PostgreSQL store, the run service and a SQL runner.
 */
import type {
  Logger,
  DagAuditInput,
  DagRef,
  PutDagVersionResult,
  RuntimeCapabilities,
  RunRecord,
  RunTrigger,
  RunSnapshot,
  ApprovalDecision,
  Store,
  TaskActionResult,
  TaskMarkOptions,
  TaskRerunOptions,
} from '@kontroler/core';

export const ROLES = ['viewer', 'editor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** A role granted globally (`namespace: null`) or in one namespace. */
export interface Grant {
  readonly role: Role;
  readonly namespace: string | null;
}

/** Who is calling, resolved from the bearer credential. */
export interface Principal {
  readonly kind: 'user' | 'token' | 'oidc';
  /** The local user (users.id); null for OIDC subjects. */
  readonly userId: string | null;
  readonly username: string;
  readonly grants: readonly Grant[];
  /** For API tokens: the token's id. */
  readonly tokenId?: string;
  /** A local user who must change the password before doing anything else. */
  readonly mustChangePassword: boolean;
}

/** Runs one SQL statement on the identity tables and returns its rows. */
export type Sql = <T = Record<string, unknown>>(text: string, params?: unknown[]) => Promise<T[]>;

/**
 * The run service operations the API uses (a structural subset of core's `RunService`, which a whole
 * `Engine` also satisfies): every write to DAGs and runs goes through it. The API never needs a worker.
 */
export interface ApiRunService {
  /** Validates and stores a DAG document (its `namespace` included); an unchanged one makes no version. */
  registerDag(
    doc: unknown,
    options?: { createdBy?: string | null; audit?: DagAuditInput },
  ): Promise<PutDagVersionResult>;
  submit(
    dag: DagRef,
    parameters?: Readonly<Record<string, string | { readonly fromSecret: string }>>,
    options?: {
      readonly idempotencyKey?: string;
      readonly trigger?: RunTrigger;
      /** Free-form labels on the run (`kontroler.dev/trigger`, `kontroler.dev/backfill`). */
      readonly labels?: Readonly<Record<string, string>>;
      /** The cron tick a scheduled (or backfilled) run is for. */
      readonly scheduledFor?: number;
      /** This run's deadline in seconds, instead of the DAG's (docs/flow/deadline.md). */
      readonly activeDeadlineSeconds?: number;
      /** Order among queued runs (docs/run-limits.md). */
      readonly priority?: number;
    },
  ): Promise<RunRecord>;
  /** Starts queued runs of `namespace` that fit its limits now (after an admin changed them). */
  admitQueued(namespace: string): Promise<void>;
  cancel(runId: string): Promise<RunRecord>;
  retry(runId: string, options?: { readonly version?: number | 'latest' }): Promise<RunRecord>;
  /** Reruns a task of a run (docs/task-actions.md). */
  rerunTask(runId: string, task: string, options?: TaskRerunOptions): Promise<TaskActionResult>;
  /** Marks a task of a run succeeded or failed without running it (docs/task-actions.md). */
  markTask(runId: string, task: string, options: TaskMarkOptions): Promise<TaskActionResult>;
  /** Approves or rejects an approval task awaiting a decision (docs/approval.md). */
  decideApproval(runId: string, task: string, decision: ApprovalDecision): Promise<RunSnapshot>;
}

/** @deprecated the API depends on the run service only: use `ApiRunService`. */
export type ApiEngine = ApiRunService;

/** OIDC bearer tokens: verified against the issuer's JWKS; `rolesClaim` maps to grants. */
export interface OidcOptions {
  readonly issuer: string;
  readonly audience: string;
  readonly jwksUrl: string;
  /** Claim holding role names (`editor`, `viewer:team-a`) or groups bound in role_bindings. @default 'roles' */
  readonly rolesClaim: string;
}

export interface AuthOptions {
  /** HS256 secret of access JWTs. */
  readonly jwtSecret: string;
  /** @default 900 (15 min) */
  readonly accessTtlSeconds?: number;
  /** @default 30 days */
  readonly refreshTtlSeconds?: number;
  readonly oidc?: OidcOptions;
  /** scrypt cost parameter N. @default 32768 */
  readonly scryptN?: number;
}

export interface AppDeps {
  readonly store: Store;
  /** The run service (`createRunService`, or an `Engine` when the process also executes). */
  readonly engine: ApiRunService;
  /** SQL over the identity tables (users, role_bindings, api_tokens, refresh_tokens, audit_log). */
  readonly sql: Sql;
  readonly auth: AuthOptions;
  readonly logger?: Logger;
  /** Milliseconds since the epoch. @default Date.now */
  readonly now?: () => number;
  /** Built console files served at `/` with an SPA fallback, when present. */
  readonly consoleDir?: string;
  /** Validate every response against the OpenAPI document (tests). @default false */
  readonly validateResponses?: boolean;
  /**
   * How often SSE polls the run event journal besides NOTIFY wake-ups (a missed NOTIFY costs at most
   * this delay). @default 1000
   */
  readonly eventPollMs?: number;
  /** SSE heartbeat period. @default 15000 */
  readonly heartbeatMs?: number;
  /** Log follow polling period. @default 1000 */
  readonly logPollMs?: number;
  /** Failed logins per client address per minute before 429 (usernames lock after 5 failures). @default 30 */
  readonly loginRateLimit?: number;
  /** Trust X-Forwarded-For (behind a proxy). @default false */
  readonly trustProxy?: boolean;
  /**
   * What the runtime of the worker this API serves can do. When it ignores images (the process runtime of
   * `npm start`), DAG saves, validations and run details carry `IMAGE_IGNORED` warnings.
   * @default {runtime: 'kubernetes', runsImages: true}
   */
  readonly runtime?: RuntimeCapabilities;
  /** The secrets admins manage through `/api/v1/secrets` (the one-process setup's file). Absent: 404. */
  readonly secrets?: ManagedSecrets;
  /**
   * The backfill driver this API runs (every replica may: they coordinate through the store). `false`
   * records backfills without driving them (another process does). @default {pollIntervalMs: 2000}
   */
  readonly backfills?: false | { readonly pollIntervalMs?: number };
}

/** Secrets managed through the API: names and times only ever leave it, never values. */
export interface ManagedSecrets {
  /** Where they are kept, for humans (`secrets file /data/secrets.json`). */
  readonly description: string;
  list(): Promise<readonly { readonly name: string; readonly updatedAt: number }[]>;
  set(name: string, value: string): Promise<{ readonly name: string; readonly updatedAt: number }>;
  delete(name: string): Promise<boolean>;
}
