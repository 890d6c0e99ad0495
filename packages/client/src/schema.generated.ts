// Generated from openapi.json by `npm run generate -w @kontroler/client`: do not edit.
export interface paths {
  '/healthz': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The process is up */
    get: operations['healthz'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/readyz': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The store answers */
    get: operations['readyz'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/openapi.json': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** This document */
    get: operations['getOpenApi'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/info': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** What this server can do (its runtime, secrets) */
    get: operations['getServerInfo'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/auth/login': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Log in with a username and password */
    post: operations['login'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/auth/refresh': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Rotate a refresh token */
    post: operations['refresh'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/auth/logout': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Revoke a refresh token family */
    post: operations['logout'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/me': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The caller */
    get: operations['getMe'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/me/password': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Change the own password */
    post: operations['changePassword'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/tokens': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** API tokens (own; admins: ?all=true) */
    get: operations['listTokens'];
    put?: never;
    /** Create an API token (shown once) */
    post: operations['createToken'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/tokens/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post?: never;
    /** Revoke an API token */
    delete: operations['deleteToken'];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/dags': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** DAGs of every namespace the caller may read (or of ?namespace=), by namespace then name */
    get: operations['listDags'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/namespaces/{namespace}/dags': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One namespace's DAGs, by name */
    get: operations['listNamespaceDags'];
    put?: never;
    /** Create a DAG in the namespace, or a new version of it (the path namespace wins; a different metadata.namespace in the document is a 422) */
    post: operations['createDag'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/dags/validate': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Validate a DAG document without saving it */
    post: operations['validateDag'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/dags/plan': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Preview the plan of a DAG document without saving it: levels, critical path, tasks a condition would skip */
    post: operations['previewDraftPlan'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/namespaces/{namespace}/dags/{name}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** A DAG with its latest version */
    get: operations['getDag'];
    /** Save a new version of a DAG */
    put: operations['updateDag'];
    post?: never;
    /** Delete a DAG (history is kept) */
    delete: operations['deleteDag'];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/namespaces/{namespace}/dags/{name}/suspend': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Suspend a DAG's schedule */
    post: operations['suspendDag'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/namespaces/{namespace}/dags/{name}/resume': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Resume a DAG's schedule */
    post: operations['resumeDag'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/namespaces/{namespace}/dags/{name}/versions': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Versions, newest first */
    get: operations['listDagVersions'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/namespaces/{namespace}/dags/{name}/versions/{version}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One version as JSON, YAML and DSL */
    get: operations['getDagVersion'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/namespaces/{namespace}/dags/{name}/diff': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Differences between two versions */
    get: operations['diffDagVersions'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/namespaces/{namespace}/dags/{name}/plan': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Preview a run's plan for a stored DAG (its latest version, or ?version=): levels, critical path, skipped tasks */
    get: operations['previewDagPlan'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/namespaces/{namespace}/dags/{name}/runs': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Start a run */
    post: operations['triggerRun'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/runs': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Runs of every namespace the caller may read, newest first */
    get: operations['listRuns'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/namespaces/{namespace}/runs/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** A run with every attempt (404 in another namespace) */
    get: operations['getRun'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/namespaces/{namespace}/runs/{id}/cancel': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Cancel a run */
    post: operations['cancelRun'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/namespaces/{namespace}/runs/{id}/retry': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Retry a failed or canceled run from its failed tasks; queued while a run limit is reached */
    post: operations['retryRun'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/namespaces/{namespace}/runs/{id}/attempts/{attemptId}/logs': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** An attempt's log */
    get: operations['getAttemptLogs'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/namespaces/{namespace}/runs/{id}/attempts/{attemptId}/logs/stream': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Follow a log (SSE) */
    get: operations['streamAttemptLogs'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/namespaces/{namespace}/runs/{id}/deliveries': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Webhook deliveries of a run */
    get: operations['listRunDeliveries'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/namespaces/{namespace}/deliveries/{id}/redeliver': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Send a delivery again */
    post: operations['redeliver'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/events': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Engine events the caller may see (SSE) */
    get: operations['streamEvents'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/users': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Users */
    get: operations['listUsers'];
    put?: never;
    /** Create a user */
    post: operations['createUser'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/users/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    /** Disable or enable a user; replace roles */
    patch: operations['updateUser'];
    trace?: never;
  };
  '/api/v1/users/{id}/password': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Set a password the user must change */
    post: operations['resetUserPassword'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/users/{id}/unlock': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Lift the lock of failed logins */
    post: operations['unlockUser'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/secrets': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Managed secrets: names and change times, never values */
    get: operations['listSecrets'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/secrets/{name}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    /** Store or replace a secret (write-only) */
    put: operations['setSecret'];
    post?: never;
    /** Delete a secret */
    delete: operations['deleteSecret'];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/audit': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The audit log, newest first */
    get: operations['listAudit'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/dashboard/summary': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Runs by state now, success rate and p50/p95 duration per DAG over 24 h and 7 d, runs finished per day */
    get: operations['getDashboardSummary'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/dashboard/tasks': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The slowest and the most failing tasks */
    get: operations['getDashboardTasks'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/dashboard/queue': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Runs waiting to start and upcoming scheduled runs */
    get: operations['getDashboardQueue'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/namespaces/{namespace}/dags/{name}/triggers': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** A DAG's inbound triggers (secrets are never shown again) */
    get: operations['listTriggers'];
    put?: never;
    /** Create a signed trigger endpoint; the answer holds its secret, shown this once */
    post: operations['createTrigger'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/namespaces/{namespace}/dags/{name}/triggers/{trigger}/rotate': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Make a new secret; the previous one stays valid until the next rotation unless revoked */
    post: operations['rotateTriggerSecret'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/namespaces/{namespace}/dags/{name}/triggers/{trigger}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post?: never;
    /** Delete a trigger (its URL answers 404 from then on) */
    delete: operations['deleteTrigger'];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/hooks/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Start a run: a JSON body signed the Standard Webhooks way (webhook-id, webhook-timestamp, webhook-signature) with the trigger's secret */
    post: operations['receiveHook'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/namespaces/{namespace}/dags/{name}/backfills': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** A DAG's backfills, newest first, with their progress */
    get: operations['listBackfills'];
    put?: never;
    /** Create the runs of every cron tick in [from, to), at most maxActiveRuns at once */
    post: operations['createBackfill'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/namespaces/{namespace}/backfills/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** A backfill and its progress (done / total) */
    get: operations['getBackfill'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/namespaces/{namespace}/backfills/{id}/cancel': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Cancel a backfill as a whole: no further ticks, and its active runs are canceled */
    post: operations['cancelBackfill'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/namespaces/{namespace}/tasks': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** A namespace's shared tasks, by name */
    get: operations['listDagTasks'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/namespaces/{namespace}/tasks/{name}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** A shared task, its latest version and the DAGs that use it */
    get: operations['getDagTask'];
    /** Save a shared task: a new version when the spec is new, the recorded one when it is not */
    put: operations['putDagTask'];
    post?: never;
    /** Delete a shared task and its versions; refused while a DAG uses it */
    delete: operations['deleteDagTask'];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/namespaces/{namespace}/tasks/{name}/versions': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Every version of a shared task, newest first */
    get: operations['listDagTaskVersions'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/namespaces/{namespace}/tasks/{name}/versions/{version}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One version of a shared task */
    get: operations['getDagTaskVersion'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/namespaces/{namespace}/tasks/{name}/diff': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** What changed between two versions of a shared task (JSON Pointer paths) */
    get: operations['diffDagTaskVersions'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/namespaces/{namespace}/runs/{id}/tasks/{task}/rerun': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Run one task of a running or finished run again, with downstream every task below it too (a finished run reopens) */
    post: operations['rerunTask'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/namespaces/{namespace}/runs/{id}/tasks/{task}/mark': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Record a task as succeeded or failed without running it, so that its downstream proceeds or stops */
    post: operations['markTask'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/namespaces/{namespace}/runs/{id}/tasks/{task}/approve': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Approve an approval task that awaits a decision (its approvers, else editor) */
    post: operations['approveTask'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/namespaces/{namespace}/runs/{id}/tasks/{task}/reject': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Reject an approval task that awaits a decision (its approvers, else editor) */
    post: operations['rejectTask'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/namespaces/{namespace}/limits': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The namespace's run limit and how many runs are queued */
    get: operations['getNamespaceLimits'];
    /** Set the namespace's run limit (admin); queued runs that now fit start at once */
    put: operations['putNamespaceLimits'];
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
}
export type webhooks = Record<string, never>;
export interface components {
  schemas: {
    /** DAG */
    DagSpec: {
      name: string;
      namespace?: string;
      description?: string;
      /** @description Cron: 5 or 6 fields, or @daily-style */
      schedule?: string;
      /** @description IANA time zone of the schedule; default UTC */
      timezone?: string;
      concurrencyPolicy?: 'allow' | 'forbid' | 'replace';
      suspended?: boolean;
      parameters?: {
        name: string;
        defaultValue?: string;
        defaultFromSecret?: string;
        description?: string;
      }[];
      tasks: {
        /** @description Unique in the DAG; a Kubernetes-safe name */
        name: string;
        /** @description A task type registered by a plugin (e.g. "http"); default: container */
        type?: string;
        image?: string;
        command?: string[];
        args?: string[];
        script?: string;
        scriptInjectorImage?: string;
        runAfter?: string[];
        backoff?: {
          /** @description Retries after the first attempt */
          limit: number;
        };
        conditional?: {
          enabled: boolean;
          /** @description Exit codes (0-255) that may be retried when enabled */
          retryCodes: number[];
        };
        /** @description Which failures are retried: OnFailure (own non-zero exit), OnError (failures to start and infrastructure errors), Always (both), OnTransientError (transient errors only). Default: own exit, infrastructure and transient errors, never a failure to start */
        retryPolicy?: 'OnFailure' | 'OnError' | 'Always' | 'OnTransientError';
        /** @description Names of DAG parameters */
        parameters?: string[];
        /** @description Pod settings for the Kubernetes runtime */
        podTemplate?: {
          volumes?: {
            [key: string]: unknown;
          }[];
          volumeMounts?: {
            [key: string]: unknown;
          }[];
          imagePullSecrets?: {
            name: string;
          }[];
          /** @description A Kubernetes PodSecurityContext */
          securityContext?: {
            [key: string]: unknown;
          };
          nodeSelector?: {
            [key: string]: string;
          };
          tolerations?: {
            [key: string]: unknown;
          }[];
          /** @description A Kubernetes Affinity */
          affinity?: {
            [key: string]: unknown;
          };
          serviceAccountName?: string;
          automountServiceAccountToken?: boolean;
          activeDeadlineSeconds?: number;
          resources?: {
            limits?: {
              [key: string]: string | number;
            };
            requests?: {
              [key: string]: string | number;
            };
          };
        };
        taskRef?: {
          name: string;
          version: number;
        };
        timeoutSeconds?: number;
        /** @description Settings of a plugin task type */
        with?: {
          [key: string]: unknown;
        };
        /** @description Environment variables; values may hold templates */
        env?: {
          name: string;
          value: string;
        }[];
        /** @description Named JSON outputs the task produces */
        outputs?: {
          /** @description Unique in the task; letters, digits, _ */
          name: string;
          description?: string;
          /** @description For plugin task types: a JSON Pointer into the task result (e.g. "/body/rows" for the http task). Container tasks write a file named after the output instead */
          valueFrom?: string;
        }[];
        /** @description A CEL condition over params, run and upstream tasks; false skips the task (ConditionFalse) */
        when?: string;
        /** @description What the upstream tasks must have done (Airflow names); default all_success */
        triggerRule?:
          | 'all_success'
          | 'all_failed'
          | 'all_done'
          | 'all_skipped'
          | 'one_failed'
          | 'one_success'
          | 'one_done'
          | 'none_failed'
          | 'none_failed_min_one_success'
          | 'none_skipped'
          | 'always';
        /** @description Exactly one of items and from */
        forEach?: {
          /** @description A static list; each item is a JSON value */
          items?: unknown[];
          /** @description An upstream output holding a JSON list: "{{ tasks.X.outputs.Y }}" */
          from?: string;
          /** @description Most instances running at once; default unlimited */
          parallelism?: number;
        };
        approval?: {
          /** @description How long to wait for a decision */
          timeoutSeconds: number;
          /** @description The outcome when nobody decides in time */
          onTimeout: 'approve' | 'reject';
          /** @description Roles (in the run namespace) that may decide; default editor */
          approvers?: ('viewer' | 'editor' | 'admin')[];
          /** @description What the approver is asked, shown in the console */
          message?: string;
        };
      }[];
      webhook?: {
        url: string;
        verifySSL?: boolean;
        /** @description Signing secret, or the name of one in the secret source */
        secret?: string;
      };
      workspace?: {
        enable: boolean;
        pvc?: {
          accessModes?: string[];
          /** @description A label selector */
          selector?: {
            [key: string]: unknown;
          };
          resources?: {
            limits?: {
              [key: string]: string | number;
            };
            requests?: {
              [key: string]: string | number;
            };
          };
          storageClassName?: string;
          volumeMode?: string;
        };
      };
      /** @description Exit handlers: tasks that run once the run has finished, whatever its outcome */
      onExit?: {
        /** @description Unique in the DAG; a Kubernetes-safe name */
        name: string;
        /** @description A task type registered by a plugin (e.g. "http"); default: container */
        type?: string;
        image?: string;
        command?: string[];
        args?: string[];
        script?: string;
        scriptInjectorImage?: string;
        runAfter?: string[];
        backoff?: {
          /** @description Retries after the first attempt */
          limit: number;
        };
        conditional?: {
          enabled: boolean;
          /** @description Exit codes (0-255) that may be retried when enabled */
          retryCodes: number[];
        };
        /** @description Which failures are retried: OnFailure (own non-zero exit), OnError (failures to start and infrastructure errors), Always (both), OnTransientError (transient errors only). Default: own exit, infrastructure and transient errors, never a failure to start */
        retryPolicy?: 'OnFailure' | 'OnError' | 'Always' | 'OnTransientError';
        /** @description Names of DAG parameters */
        parameters?: string[];
        /** @description Pod settings for the Kubernetes runtime */
        podTemplate?: {
          volumes?: {
            [key: string]: unknown;
          }[];
          volumeMounts?: {
            [key: string]: unknown;
          }[];
          imagePullSecrets?: {
            name: string;
          }[];
          /** @description A Kubernetes PodSecurityContext */
          securityContext?: {
            [key: string]: unknown;
          };
          nodeSelector?: {
            [key: string]: string;
          };
          tolerations?: {
            [key: string]: unknown;
          }[];
          /** @description A Kubernetes Affinity */
          affinity?: {
            [key: string]: unknown;
          };
          serviceAccountName?: string;
          automountServiceAccountToken?: boolean;
          activeDeadlineSeconds?: number;
          resources?: {
            limits?: {
              [key: string]: string | number;
            };
            requests?: {
              [key: string]: string | number;
            };
          };
        };
        taskRef?: {
          name: string;
          version: number;
        };
        timeoutSeconds?: number;
        /** @description Settings of a plugin task type */
        with?: {
          [key: string]: unknown;
        };
        /** @description Environment variables; values may hold templates */
        env?: {
          name: string;
          value: string;
        }[];
        /** @description Named JSON outputs the task produces */
        outputs?: {
          /** @description Unique in the task; letters, digits, _ */
          name: string;
          description?: string;
          /** @description For plugin task types: a JSON Pointer into the task result (e.g. "/body/rows" for the http task). Container tasks write a file named after the output instead */
          valueFrom?: string;
        }[];
        /** @description A CEL condition over params, run and upstream tasks; false skips the task (ConditionFalse) */
        when?: string;
        /** @description What the upstream tasks must have done (Airflow names); default all_success */
        triggerRule?:
          | 'all_success'
          | 'all_failed'
          | 'all_done'
          | 'all_skipped'
          | 'one_failed'
          | 'one_success'
          | 'one_done'
          | 'none_failed'
          | 'none_failed_min_one_success'
          | 'none_skipped'
          | 'always';
        /** @description Exactly one of items and from */
        forEach?: {
          /** @description A static list; each item is a JSON value */
          items?: unknown[];
          /** @description An upstream output holding a JSON list: "{{ tasks.X.outputs.Y }}" */
          from?: string;
          /** @description Most instances running at once; default unlimited */
          parallelism?: number;
        };
        approval?: {
          /** @description How long to wait for a decision */
          timeoutSeconds: number;
          /** @description The outcome when nobody decides in time */
          onTimeout: 'approve' | 'reject';
          /** @description Roles (in the run namespace) that may decide; default editor */
          approvers?: ('viewer' | 'editor' | 'admin')[];
          /** @description What the approver is asked, shown in the console */
          message?: string;
        };
      }[];
      /** @description Whether an exit handler that fails for good fails a run that had succeeded */
      onExitFailsRun?: boolean;
      /** @description Most seconds a run may take; then it fails with DeadlineExceeded and exit handlers run */
      activeDeadlineSeconds?: number;
      /** @description Most runs of this DAG pending or running at once; more wait in state queued (docs/run-limits.md) */
      maxActiveRuns?: number;
      /** @description Default priority of this DAG's runs: among queued runs, higher starts first; default 0 */
      priority?: number;
    };
    Problem: {
      type: string;
      title: string;
      status: number;
      detail: string;
      code: string;
      errors?: {
        path: string;
        message: string;
        code: string;
        task?: string;
        pointer?: string;
        line?: number;
        column?: number;
      }[];
    };
    Grant: {
      /** @enum {string} */
      role: 'admin' | 'editor' | 'viewer';
      namespace: string | null;
    };
    User: {
      id: string;
      username: string;
      roles: components['schemas']['Grant'][];
      disabled: boolean;
      mustChangePassword: boolean;
      /** Format: date-time */
      lockedUntil: string | null;
      /** Format: date-time */
      createdAt: string;
    };
    Session: {
      accessToken: string;
      refreshToken: string;
      expiresIn: number;
      user: components['schemas']['User'];
    };
    TokenInfo: {
      id: string;
      name: string;
      prefix: string;
      /** @enum {string|null} */
      role: 'admin' | 'editor' | 'viewer' | null;
      namespace: string | null;
      /** Format: date-time */
      expiresAt: string | null;
      /** Format: date-time */
      lastUsedAt: string | null;
      /** Format: date-time */
      createdAt: string;
      /** Format: date-time */
      revokedAt: string | null;
      userId: string;
      username: string;
    };
    CreatedToken: {
      id: string;
      name: string;
      prefix: string;
      /** @enum {string|null} */
      role: 'admin' | 'editor' | 'viewer' | null;
      namespace: string | null;
      /** Format: date-time */
      expiresAt: string | null;
      /** Format: date-time */
      lastUsedAt: string | null;
      /** Format: date-time */
      createdAt: string;
      /** Format: date-time */
      revokedAt: string | null;
      userId: string;
      username: string;
      token: string;
    };
    DagSummary: {
      name: string;
      namespace: string;
      latestVersion: number;
      suspended: boolean;
      schedule: string | null;
      description: string | null;
      taskCount: number;
      lastRun: {
        id: string;
        /** @enum {string} */
        state: 'queued' | 'pending' | 'running' | 'succeeded' | 'failed' | 'canceled';
        /** Format: date-time */
        createdAt: string;
      } | null;
      /** Format: date-time */
      nextRunAt: string | null;
      /** Format: date-time */
      updatedAt: string;
    };
    DagVersionInfo: {
      version: number;
      hash: string;
      /** Format: date-time */
      createdAt: string;
      createdBy: string | null;
    };
    DagVersionWithSpec: {
      version: number;
      hash: string;
      /** Format: date-time */
      createdAt: string;
      createdBy: string | null;
      spec: components['schemas']['DagSpec'];
    };
    DagVersionDetail: {
      version: number;
      hash: string;
      /** Format: date-time */
      createdAt: string;
      createdBy: string | null;
      spec: components['schemas']['DagSpec'];
      yaml: string;
      dsl: string;
    };
    DagSaveResult: {
      dag: components['schemas']['DagSummary'];
      version: components['schemas']['DagVersionInfo'];
      created: boolean;
      warnings: components['schemas']['DagIssue'][];
    };
    DagDetail: {
      dag: components['schemas']['DagSummary'];
      version: components['schemas']['DagVersionWithSpec'];
      nextRuns: string[];
    };
    DagIssue: {
      path: string;
      message: string;
      code: string;
      task?: string;
      pointer?: string;
      line?: number;
      column?: number;
      cycle?: string[];
    };
    PlanPreview: {
      version?: number;
      dag: string;
      namespace?: string;
      parameters: {
        name: string;
        /** @description {value} or {fromSecret} */
        value: Record<string, unknown>;
        /** @enum {string} */
        source: 'given' | 'default';
      }[];
      problems: {
        name: string;
        /** @enum {string} */
        reason: 'unknown';
        message: string;
      }[];
      levels: string[][];
      criticalPath: {
        tasks: string[];
        weight: number;
      };
      tasks: {
        name: string;
        level: number;
        runAfter: string[];
        /** @enum {string} */
        outcome: 'run' | 'skip' | 'maybe';
        reason?: string;
        message?: string;
        /** @description {kind: always|true|false|unknown, expression?, reason?} */
        condition: Record<string, unknown>;
        onCriticalPath: boolean;
        weight: number;
      }[];
    };
    PlanPreviewResult: {
      ok: boolean;
      errors: components['schemas']['DagIssue'][];
      warnings: components['schemas']['DagIssue'][];
      plan?: components['schemas']['PlanPreview'];
    };
    ValidationResult: {
      ok: boolean;
      errors: components['schemas']['DagIssue'][];
      warnings: components['schemas']['DagIssue'][];
      order: string[];
      levels: string[][];
    };
    DagDiff: {
      from: number;
      to: number;
      changes: {
        path: string;
        /** @enum {string} */
        kind: 'added' | 'removed' | 'changed';
        before?: unknown;
        after?: unknown;
      }[];
      unified: string;
    };
    Run: {
      id: string;
      dagName: string;
      namespace: string;
      dagVersion: number;
      /** @enum {string} */
      state: 'queued' | 'pending' | 'running' | 'succeeded' | 'failed' | 'canceled';
      trigger: string;
      parameters: {
        [key: string]:
          | string
          | {
              fromSecret: string;
            };
      };
      /** Format: date-time */
      createdAt: string;
      /** Format: date-time */
      startedAt: string | null;
      /** Format: date-time */
      finishedAt: string | null;
      reason: string | null;
      durationMs: number | null;
      cancelRequested: boolean;
      /** @description The run's own deadline in seconds (set on submit); null when the DAG's, or none, applies */
      activeDeadlineSeconds?: number | null;
      priority: number;
      /** @description For a queued run: 1 for the next run of its DAG to start (docs/run-limits.md) */
      queuePosition: number | null;
    };
    Attempt: {
      id: string;
      taskName: string;
      attempt: number;
      /** @enum {string} */
      state:
        | 'waiting'
        | 'ready'
        | 'running'
        | 'succeeded'
        | 'failed'
        | 'retrying'
        | 'skipped'
        | 'canceled'
        | 'awaiting';
      exitCode: number | null;
      reason: string | null;
      message: string | null;
      /**
       * @description For a failed attempt: exit, start, infra or transient (what retryPolicy decides by)
       * @enum {string|null}
       */
      failureKind: 'exit' | 'start' | 'infra' | 'transient' | null;
      /** Format: date-time */
      createdAt: string;
      /** Format: date-time */
      startedAt: string | null;
      /** Format: date-time */
      finishedAt: string | null;
      durationMs: number | null;
      /** @description An approval task decided by a person: who (docs/approval.md) */
      decidedBy?: string;
      /** @description The task's named outputs (JSON values) of a succeeded attempt; for a forEach task, each output's list of its instances' values in item order (docs/flow/outputs.md) */
      outputs?: {
        [key: string]: unknown;
      } | null;
      /** @description For a forEach instance `task[i]`: its task, index and item (in run detail, when the list can be read); null for other attempts */
      instance?: {
        of: string;
        index: number;
        item?: unknown;
      } | null;
    };
    RunDetail: {
      run: components['schemas']['Run'];
      attempts: components['schemas']['Attempt'][];
      tasks: {
        name: string;
        runAfter: string[];
        approval?: {
          message: string | null;
          approvers: ('admin' | 'editor' | 'viewer')[];
          timeoutSeconds: number;
          /** @enum {string} */
          onTimeout: 'approve' | 'reject';
          /** @description Whether the caller may approve or reject it */
          canDecide: boolean;
        };
      }[];
      warnings: components['schemas']['DagIssue'][];
      deadline?: {
        seconds: number;
        /** @enum {string} */
        source: 'run' | 'dag';
        /** Format: date-time */
        at: string | null;
      } | null;
    };
    ApprovalDecision: {
      run: components['schemas']['Run'];
      attempt: components['schemas']['Attempt'];
    };
    ServerInfo: {
      runtime: {
        name: string;
        runsImages: boolean;
      };
      secrets: {
        managed: boolean;
      };
    };
    SecretEntry: {
      name: string;
      /** Format: date-time */
      updatedAt: string;
    };
    SecretList: {
      items: components['schemas']['SecretEntry'][];
      store: string;
    };
    LogLines: {
      lines: {
        seq: number;
        /** Format: date-time */
        ts: string;
        /** @enum {string} */
        stream: 'stdout' | 'stderr' | 'system';
        line: string;
      }[];
    };
    Delivery: {
      id: string;
      topic: string;
      /** @enum {string} */
      status: 'pending' | 'delivered' | 'failed';
      attempts: number;
      lastError: string | null;
      /** Format: date-time */
      createdAt: string;
      /** Format: date-time */
      deliveredAt: string | null;
      payload: Record<string, unknown>;
      history: {
        attempt: number;
        /** Format: date-time */
        at: string;
        ok: boolean;
        statusCode: number | null;
        error: string | null;
        durationMs: number;
      }[];
    };
    DashboardSummary: {
      /** Format: date-time */
      generatedAt: string;
      /** @description Runs not finished, by state */
      active: {
        [key: string]: number;
      };
      finished24h: {
        succeeded: number;
        failed: number;
        canceled: number;
      };
      dags: {
        namespace: string;
        name: string;
        last24h: {
          succeeded: number;
          failed: number;
          canceled: number;
          /** @description succeeded / (succeeded + failed) */
          successRate: number | null;
          p50Ms: number | null;
          p95Ms: number | null;
        };
        last7d: {
          succeeded: number;
          failed: number;
          canceled: number;
          /** @description succeeded / (succeeded + failed) */
          successRate: number | null;
          p50Ms: number | null;
          p95Ms: number | null;
        };
      }[];
      daily: {
        /** Format: date */
        day: string;
        succeeded: number;
        failed: number;
        canceled: number;
      }[];
    };
    DashboardTasks: {
      /** @enum {string} */
      window: '24h' | '7d';
      slowest: {
        namespace: string;
        dagName: string;
        taskName: string;
        succeeded: number;
        failed: number;
        meanDurationMs: number | null;
      }[];
      failing: {
        namespace: string;
        dagName: string;
        taskName: string;
        succeeded: number;
        failed: number;
        meanDurationMs: number | null;
      }[];
    };
    DashboardQueue: {
      queued: {
        position: number;
        run: components['schemas']['Run'];
      }[];
      upcoming: {
        namespace: string;
        dagName: string;
        schedule: string;
        /** Format: date-time */
        at: string;
      }[];
    };
    AuditEntry: {
      id: string;
      /** Format: date-time */
      at: string;
      actor: string;
      action: string;
      target: string | null;
      ip: string | null;
      details: Record<string, unknown> | null;
    };
    Trigger: {
      id: string;
      name: string;
      namespace: string;
      dagName: string;
      /** @description Where to POST, relative to the API */
      url: string;
      mapping: {
        [key: string]: string;
      };
      toleranceSeconds: number;
      ratePerMinute: number;
      /** @description The valid secrets, newest first: only their first characters */
      secrets: {
        hint: string;
        /** Format: date-time */
        createdAt: string;
      }[];
      /** Format: date-time */
      createdAt: string;
      /** Format: date-time */
      updatedAt: string;
      createdBy: string | null;
    };
    TriggerWithSecret: {
      id: string;
      name: string;
      namespace: string;
      dagName: string;
      /** @description Where to POST, relative to the API */
      url: string;
      mapping: {
        [key: string]: string;
      };
      toleranceSeconds: number;
      ratePerMinute: number;
      /** @description The valid secrets, newest first: only their first characters */
      secrets: {
        hint: string;
        /** Format: date-time */
        createdAt: string;
      }[];
      /** Format: date-time */
      createdAt: string;
      /** Format: date-time */
      updatedAt: string;
      createdBy: string | null;
      /** @description whsec_…: shown only in this answer */
      secret: string;
    };
    Backfill: {
      id: string;
      namespace: string;
      dagName: string;
      /** Format: date-time */
      from: string;
      /** Format: date-time */
      to: string;
      schedule: string;
      timezone: string | null;
      maxActiveRuns: number;
      /** @enum {string} */
      state: 'running' | 'completed' | 'canceled';
      /** @description Ticks in the range */
      total: number;
      /** @description Ticks whose run is made (or was already there) */
      submitted: number;
      /** @description Ticks whose run has finished */
      done: number;
      /** @description Of done, the runs that did not succeed */
      failed: number;
      /** @description Runs of the backfill still active */
      active: number;
      /** Format: date-time */
      nextTick: string | null;
      /** Format: date-time */
      createdAt: string;
      /** Format: date-time */
      updatedAt: string;
      /** Format: date-time */
      finishedAt: string | null;
      createdBy: string | null;
    };
    NamespaceLimits: {
      namespace: string;
      /** @description Most runs of the namespace pending or running at once; null: no limit */
      maxActiveRuns: number | null;
      /** @description Runs of the namespace waiting for a slot */
      queued: number;
      /** @description Runs of the namespace pending or running */
      active: number;
      /** Format: date-time */
      updatedAt: string | null;
      updatedBy: string | null;
    };
    DagTask: {
      namespace: string;
      name: string;
      latestVersion: number;
      /** Format: date-time */
      createdAt: string;
      /** Format: date-time */
      updatedAt: string;
    };
    DagTaskVersion: {
      version: number;
      hash: string;
      /** @description The task fields (no name, runAfter or taskRef) */
      spec: Record<string, unknown>;
      /** Format: date-time */
      createdAt: string;
      createdBy: string | null;
    };
    DagTaskSaved: {
      task: components['schemas']['DagTask'];
      version: components['schemas']['DagTaskVersion'];
      created: boolean;
    };
    DagTaskUser: {
      dag: string;
      version: number;
      tasks: string[];
    };
  };
  responses: never;
  parameters: never;
  requestBodies: never;
  headers: never;
  pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
  healthz: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            status: string;
          };
        };
      };
      /** @description The request does not match this operation (the problem names the field) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A problem (RFC 9457) */
      default: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  readyz: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            status: string;
          };
        };
      };
      /** @description The request does not match this operation (the problem names the field) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A problem (RFC 9457) */
      default: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  getOpenApi: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': Record<string, unknown>;
        };
      };
      /** @description The request does not match this operation (the problem names the field) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A problem (RFC 9457) */
      default: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  getServerInfo: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ServerInfo'];
        };
      };
      /** @description The request does not match this operation (the problem names the field) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No credential, or an invalid or expired one */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The caller's role does not allow this operation */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A problem (RFC 9457) */
      default: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  login: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          username: string;
          password: string;
        };
      };
    };
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Session'];
        };
      };
      /** @description The request does not match this operation (the problem names the field) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A problem (RFC 9457) */
      default: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  refresh: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          refreshToken: string;
        };
      };
    };
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Session'];
        };
      };
      /** @description The request does not match this operation (the problem names the field) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A problem (RFC 9457) */
      default: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  logout: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: {
      content: {
        'application/json': {
          refreshToken?: string;
        };
      };
    };
    responses: {
      /** @description No content */
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      /** @description The request does not match this operation (the problem names the field) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No credential, or an invalid or expired one */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The caller's role does not allow this operation */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A problem (RFC 9457) */
      default: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  getMe: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['User'];
        };
      };
      /** @description The request does not match this operation (the problem names the field) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No credential, or an invalid or expired one */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The caller's role does not allow this operation */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A problem (RFC 9457) */
      default: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  changePassword: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          currentPassword: string;
          newPassword: string;
        };
      };
    };
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Session'];
        };
      };
      /** @description The request does not match this operation (the problem names the field) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No credential, or an invalid or expired one */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The caller's role does not allow this operation */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A problem (RFC 9457) */
      default: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  listTokens: {
    parameters: {
      query?: {
        all?: boolean;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            items: components['schemas']['TokenInfo'][];
            nextCursor: string | null;
          };
        };
      };
      /** @description The request does not match this operation (the problem names the field) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No credential, or an invalid or expired one */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The caller's role does not allow this operation */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A problem (RFC 9457) */
      default: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  createToken: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          name: string;
          /** @enum {string} */
          role?: 'admin' | 'editor' | 'viewer';
          namespace?: string;
          expiresInDays?: number;
        };
      };
    };
    responses: {
      /** @description Created */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['CreatedToken'];
        };
      };
      /** @description The request does not match this operation (the problem names the field) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No credential, or an invalid or expired one */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The caller's role does not allow this operation */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A problem (RFC 9457) */
      default: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  deleteToken: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description No content */
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      /** @description The request does not match this operation (the problem names the field) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No credential, or an invalid or expired one */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The caller's role does not allow this operation */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No such resource (or the caller may not see it) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A problem (RFC 9457) */
      default: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  listDags: {
    parameters: {
      query?: {
        search?: string;
        namespace?: string;
        limit?: number;
        cursor?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            items: components['schemas']['DagSummary'][];
            nextCursor: string | null;
          };
        };
      };
      /** @description The request does not match this operation (the problem names the field) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No credential, or an invalid or expired one */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The caller's role does not allow this operation */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A problem (RFC 9457) */
      default: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  listNamespaceDags: {
    parameters: {
      query?: {
        search?: string;
        limit?: number;
        cursor?: string;
      };
      header?: never;
      path: {
        /** @description A Kubernetes-style namespace name */
        namespace: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            items: components['schemas']['DagSummary'][];
            nextCursor: string | null;
          };
        };
      };
      /** @description The request does not match this operation (the problem names the field) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No credential, or an invalid or expired one */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The caller's role does not allow this operation */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No such resource (or the caller may not see it) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A problem (RFC 9457) */
      default: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  createDag: {
    parameters: {
      query?: {
        format?: 'json' | 'yaml' | 'dsl';
        /** @description The DAG name for a DSL body */
        name?: string;
      };
      header?: never;
      path: {
        /** @description A Kubernetes-style namespace name */
        namespace: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': Record<string, unknown>;
        'application/yaml': string;
        'application/x-yaml': string;
        'text/yaml': string;
        'text/x-yaml': string;
        'text/plain': string;
      };
    };
    responses: {
      /** @description Unchanged */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['DagSaveResult'];
        };
      };
      /** @description New version */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['DagSaveResult'];
        };
      };
      /** @description The request does not match this operation (the problem names the field) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No credential, or an invalid or expired one */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The caller's role does not allow this operation */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No such resource (or the caller may not see it) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A problem (RFC 9457) */
      default: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  validateDag: {
    parameters: {
      query?: {
        format?: 'json' | 'yaml' | 'dsl';
        /** @description The DAG name for a DSL body */
        name?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': Record<string, unknown>;
        'application/yaml': string;
        'application/x-yaml': string;
        'text/yaml': string;
        'text/x-yaml': string;
        'text/plain': string;
      };
    };
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ValidationResult'];
        };
      };
      /** @description The request does not match this operation (the problem names the field) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No credential, or an invalid or expired one */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The caller's role does not allow this operation */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A problem (RFC 9457) */
      default: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  previewDraftPlan: {
    parameters: {
      query?: {
        format?: 'json' | 'yaml' | 'dsl';
        /** @description The DAG name for a DSL body */
        name?: string;
        /** @description A run parameter as name=value (repeat for several: form style, exploded) */
        param?: string[];
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': Record<string, unknown>;
        'application/yaml': string;
        'application/x-yaml': string;
        'text/yaml': string;
        'text/x-yaml': string;
        'text/plain': string;
      };
    };
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['PlanPreviewResult'];
        };
      };
      /** @description The request does not match this operation (the problem names the field) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No credential, or an invalid or expired one */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The caller's role does not allow this operation */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A problem (RFC 9457) */
      default: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  getDag: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A Kubernetes-style namespace name */
        namespace: string;
        name: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['DagDetail'];
        };
      };
      /** @description The request does not match this operation (the problem names the field) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No credential, or an invalid or expired one */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The caller's role does not allow this operation */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No such resource (or the caller may not see it) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A problem (RFC 9457) */
      default: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  updateDag: {
    parameters: {
      query?: {
        format?: 'json' | 'yaml' | 'dsl';
      };
      header?: never;
      path: {
        /** @description A Kubernetes-style namespace name */
        namespace: string;
        name: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': Record<string, unknown>;
        'application/yaml': string;
        'application/x-yaml': string;
        'text/yaml': string;
        'text/x-yaml': string;
        'text/plain': string;
      };
    };
    responses: {
      /** @description Unchanged */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['DagSaveResult'];
        };
      };
      /** @description New version */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['DagSaveResult'];
        };
      };
      /** @description The request does not match this operation (the problem names the field) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No credential, or an invalid or expired one */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The caller's role does not allow this operation */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No such resource (or the caller may not see it) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A problem (RFC 9457) */
      default: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  deleteDag: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A Kubernetes-style namespace name */
        namespace: string;
        name: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description No content */
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      /** @description The request does not match this operation (the problem names the field) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No credential, or an invalid or expired one */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The caller's role does not allow this operation */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No such resource (or the caller may not see it) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A problem (RFC 9457) */
      default: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  suspendDag: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A Kubernetes-style namespace name */
        namespace: string;
        name: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['DagSummary'];
        };
      };
      /** @description The request does not match this operation (the problem names the field) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No credential, or an invalid or expired one */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The caller's role does not allow this operation */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No such resource (or the caller may not see it) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A problem (RFC 9457) */
      default: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  resumeDag: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A Kubernetes-style namespace name */
        namespace: string;
        name: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['DagSummary'];
        };
      };
      /** @description The request does not match this operation (the problem names the field) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No credential, or an invalid or expired one */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The caller's role does not allow this operation */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No such resource (or the caller may not see it) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A problem (RFC 9457) */
      default: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  listDagVersions: {
    parameters: {
      query?: {
        limit?: number;
        cursor?: string;
      };
      header?: never;
      path: {
        /** @description A Kubernetes-style namespace name */
        namespace: string;
        name: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            items: components['schemas']['DagVersionInfo'][];
            nextCursor: string | null;
          };
        };
      };
      /** @description The request does not match this operation (the problem names the field) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No credential, or an invalid or expired one */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The caller's role does not allow this operation */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No such resource (or the caller may not see it) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A problem (RFC 9457) */
      default: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  getDagVersion: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A Kubernetes-style namespace name */
        namespace: string;
        name: string;
        version: number;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['DagVersionDetail'];
        };
      };
      /** @description The request does not match this operation (the problem names the field) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No credential, or an invalid or expired one */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The caller's role does not allow this operation */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No such resource (or the caller may not see it) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A problem (RFC 9457) */
      default: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  diffDagVersions: {
    parameters: {
      query: {
        from: number;
        to: number;
      };
      header?: never;
      path: {
        /** @description A Kubernetes-style namespace name */
        namespace: string;
        name: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['DagDiff'];
        };
      };
      /** @description The request does not match this operation (the problem names the field) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No credential, or an invalid or expired one */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The caller's role does not allow this operation */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No such resource (or the caller may not see it) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A problem (RFC 9457) */
      default: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  previewDagPlan: {
    parameters: {
      query?: {
        /** @description The version to preview; default: the latest */
        version?: number;
        /** @description A run parameter as name=value (repeat for several: form style, exploded) */
        param?: string[];
      };
      header?: never;
      path: {
        /** @description A Kubernetes-style namespace name */
        namespace: string;
        name: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['PlanPreview'];
        };
      };
      /** @description The request does not match this operation (the problem names the field) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No credential, or an invalid or expired one */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The caller's role does not allow this operation */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No such resource (or the caller may not see it) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A problem (RFC 9457) */
      default: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  triggerRun: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A Kubernetes-style namespace name */
        namespace: string;
        name: string;
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        'application/json': {
          parameters?: {
            [key: string]: string;
          };
          idempotencyKey?: string;
          /** @description This run's deadline in seconds from its start, instead of the DAG's (docs/flow/deadline.md) */
          activeDeadlineSeconds?: number;
          /** @description Order among queued runs, higher first; default the DAG's priority, else 0 */
          priority?: number;
        };
      };
    };
    responses: {
      /** @description Created (state queued when over a run limit) */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Run'];
        };
      };
      /** @description The request does not match this operation (the problem names the field) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No credential, or an invalid or expired one */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The caller's role does not allow this operation */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No such resource (or the caller may not see it) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A problem (RFC 9457) */
      default: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  listRuns: {
    parameters: {
      query?: {
        /** @description Runs of this DAG; needs ?namespace= */
        dag?: string;
        namespace?: string;
        /** @description Comma-separated states */
        state?: string;
        from?: string;
        to?: string;
        limit?: number;
        cursor?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            items: components['schemas']['Run'][];
            nextCursor: string | null;
          };
        };
      };
      /** @description The request does not match this operation (the problem names the field) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No credential, or an invalid or expired one */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The caller's role does not allow this operation */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A problem (RFC 9457) */
      default: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  getRun: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A Kubernetes-style namespace name */
        namespace: string;
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['RunDetail'];
        };
      };
      /** @description The request does not match this operation (the problem names the field) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No credential, or an invalid or expired one */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The caller's role does not allow this operation */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No such resource (or the caller may not see it) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A problem (RFC 9457) */
      default: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  cancelRun: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A Kubernetes-style namespace name */
        namespace: string;
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Run'];
        };
      };
      /** @description The request does not match this operation (the problem names the field) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No credential, or an invalid or expired one */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The caller's role does not allow this operation */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No such resource (or the caller may not see it) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A problem (RFC 9457) */
      default: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  retryRun: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A Kubernetes-style namespace name */
        namespace: string;
        id: string;
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        'application/json': {
          latestVersion?: boolean;
        };
      };
    };
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Run'];
        };
      };
      /** @description The request does not match this operation (the problem names the field) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No credential, or an invalid or expired one */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The caller's role does not allow this operation */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No such resource (or the caller may not see it) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A problem (RFC 9457) */
      default: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  getAttemptLogs: {
    parameters: {
      query?: {
        tail?: number;
        afterSeq?: number;
        limit?: number;
        download?: '0' | '1' | 'true' | 'false';
      };
      header?: never;
      path: {
        /** @description A Kubernetes-style namespace name */
        namespace: string;
        id: string;
        attemptId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Lines as JSON, or the whole log as text */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['LogLines'];
          'text/plain': string;
        };
      };
      /** @description A byte range of the text log */
      206: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'text/plain': string;
        };
      };
      /** @description The request does not match this operation (the problem names the field) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No credential, or an invalid or expired one */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The caller's role does not allow this operation */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No such resource (or the caller may not see it) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A problem (RFC 9457) */
      default: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  streamAttemptLogs: {
    parameters: {
      query?: {
        afterSeq?: number;
      };
      header?: never;
      path: {
        /** @description A Kubernetes-style namespace name */
        namespace: string;
        id: string;
        attemptId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Server-Sent Events */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'text/event-stream': string;
        };
      };
      /** @description The request does not match this operation (the problem names the field) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No credential, or an invalid or expired one */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The caller's role does not allow this operation */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No such resource (or the caller may not see it) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A problem (RFC 9457) */
      default: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  listRunDeliveries: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A Kubernetes-style namespace name */
        namespace: string;
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Delivery'][];
        };
      };
      /** @description The request does not match this operation (the problem names the field) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No credential, or an invalid or expired one */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The caller's role does not allow this operation */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No such resource (or the caller may not see it) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A problem (RFC 9457) */
      default: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  redeliver: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A Kubernetes-style namespace name */
        namespace: string;
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Queued */
      202: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      /** @description The request does not match this operation (the problem names the field) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No credential, or an invalid or expired one */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The caller's role does not allow this operation */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No such resource (or the caller may not see it) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A problem (RFC 9457) */
      default: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  streamEvents: {
    parameters: {
      query?: {
        runId?: string;
        namespace?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Server-Sent Events */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'text/event-stream': string;
        };
      };
      /** @description The request does not match this operation (the problem names the field) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No credential, or an invalid or expired one */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The caller's role does not allow this operation */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A problem (RFC 9457) */
      default: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  listUsers: {
    parameters: {
      query?: {
        limit?: number;
        cursor?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            items: components['schemas']['User'][];
            nextCursor: string | null;
          };
        };
      };
      /** @description The request does not match this operation (the problem names the field) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No credential, or an invalid or expired one */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The caller's role does not allow this operation */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A problem (RFC 9457) */
      default: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  createUser: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          username: string;
          password: string;
          roles?: {
            /** @enum {string} */
            role: 'admin' | 'editor' | 'viewer';
            namespace?: string | null;
          }[];
        };
      };
    };
    responses: {
      /** @description Created */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['User'];
        };
      };
      /** @description The request does not match this operation (the problem names the field) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No credential, or an invalid or expired one */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The caller's role does not allow this operation */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A problem (RFC 9457) */
      default: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  updateUser: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          disabled?: boolean;
          roles?: {
            /** @enum {string} */
            role: 'admin' | 'editor' | 'viewer';
            namespace?: string | null;
          }[];
        };
      };
    };
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['User'];
        };
      };
      /** @description The request does not match this operation (the problem names the field) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No credential, or an invalid or expired one */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The caller's role does not allow this operation */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No such resource (or the caller may not see it) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A problem (RFC 9457) */
      default: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  resetUserPassword: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          password: string;
        };
      };
    };
    responses: {
      /** @description No content */
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      /** @description The request does not match this operation (the problem names the field) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No credential, or an invalid or expired one */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The caller's role does not allow this operation */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No such resource (or the caller may not see it) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A problem (RFC 9457) */
      default: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  unlockUser: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['User'];
        };
      };
      /** @description The request does not match this operation (the problem names the field) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No credential, or an invalid or expired one */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The caller's role does not allow this operation */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No such resource (or the caller may not see it) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A problem (RFC 9457) */
      default: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  listSecrets: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['SecretList'];
        };
      };
      /** @description The request does not match this operation (the problem names the field) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No credential, or an invalid or expired one */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The caller's role does not allow this operation */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A problem (RFC 9457) */
      default: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  setSecret: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        name: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          value: string;
        };
      };
    };
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['SecretEntry'];
        };
      };
      /** @description The request does not match this operation (the problem names the field) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No credential, or an invalid or expired one */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The caller's role does not allow this operation */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No such resource (or the caller may not see it) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A problem (RFC 9457) */
      default: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  deleteSecret: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        name: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description No content */
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      /** @description The request does not match this operation (the problem names the field) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No credential, or an invalid or expired one */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The caller's role does not allow this operation */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No such resource (or the caller may not see it) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A problem (RFC 9457) */
      default: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  listAudit: {
    parameters: {
      query?: {
        actor?: string;
        action?: string;
        limit?: number;
        cursor?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            items: components['schemas']['AuditEntry'][];
            nextCursor: string | null;
          };
        };
      };
      /** @description The request does not match this operation (the problem names the field) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No credential, or an invalid or expired one */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The caller's role does not allow this operation */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A problem (RFC 9457) */
      default: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  getDashboardSummary: {
    parameters: {
      query?: {
        /** @description Only this namespace (figures never cover namespaces the caller may not read) */
        namespace?: string;
        /** @description Days in the daily chart */
        days?: number;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['DashboardSummary'];
        };
      };
      /** @description The request does not match this operation (the problem names the field) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No credential, or an invalid or expired one */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The caller's role does not allow this operation */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A problem (RFC 9457) */
      default: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  getDashboardTasks: {
    parameters: {
      query?: {
        /** @description Only this namespace (figures never cover namespaces the caller may not read) */
        namespace?: string;
        window?: '24h' | '7d';
        limit?: number;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['DashboardTasks'];
        };
      };
      /** @description The request does not match this operation (the problem names the field) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No credential, or an invalid or expired one */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The caller's role does not allow this operation */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A problem (RFC 9457) */
      default: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  getDashboardQueue: {
    parameters: {
      query?: {
        /** @description Only this namespace (figures never cover namespaces the caller may not read) */
        namespace?: string;
        limit?: number;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['DashboardQueue'];
        };
      };
      /** @description The request does not match this operation (the problem names the field) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No credential, or an invalid or expired one */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The caller's role does not allow this operation */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A problem (RFC 9457) */
      default: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  listTriggers: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        namespace: string;
        name: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            items: components['schemas']['Trigger'][];
          };
        };
      };
      /** @description The request does not match this operation (the problem names the field) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No credential, or an invalid or expired one */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The caller's role does not allow this operation */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No such resource (or the caller may not see it) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A problem (RFC 9457) */
      default: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  createTrigger: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        namespace: string;
        name: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          /** @description Unique in the DAG */
          name: string;
          /** @description Run parameter name → JSON Pointer into the request body ("" is the whole body) */
          mapping?: {
            [key: string]: string;
          };
          /** @description Default 300 */
          toleranceSeconds?: number;
          /** @description Default 60 */
          ratePerMinute?: number;
        };
      };
    };
    responses: {
      /** @description Created */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['TriggerWithSecret'];
        };
      };
      /** @description The request does not match this operation (the problem names the field) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No credential, or an invalid or expired one */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The caller's role does not allow this operation */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No such resource (or the caller may not see it) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The DAG already has a trigger of that name */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A problem (RFC 9457) */
      default: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  rotateTriggerSecret: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        namespace: string;
        name: string;
        trigger: string;
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        'application/json': {
          /** @description Refuse the previous secret at once */
          revokePrevious?: boolean;
        };
      };
    };
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['TriggerWithSecret'];
        };
      };
      /** @description The request does not match this operation (the problem names the field) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No credential, or an invalid or expired one */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The caller's role does not allow this operation */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No such resource (or the caller may not see it) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A problem (RFC 9457) */
      default: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  deleteTrigger: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        namespace: string;
        name: string;
        trigger: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description No content */
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      /** @description The request does not match this operation (the problem names the field) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No credential, or an invalid or expired one */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The caller's role does not allow this operation */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No such resource (or the caller may not see it) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A problem (RFC 9457) */
      default: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  receiveHook: {
    parameters: {
      query?: never;
      header?: {
        'webhook-id'?: string;
        'webhook-timestamp'?: string;
        'webhook-signature'?: string;
      };
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': unknown;
      };
    };
    responses: {
      /** @description Accepted: the run is created */
      202: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            runId: string;
            namespace?: string;
            dagName?: string;
          };
        };
      };
      /** @description The request does not match this operation (the problem names the field) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description Missing or invalid signature, or a timestamp outside the tolerance */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No such resource (or the caller may not see it) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A replayed message id, or the DAG of the trigger is gone */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The body does not give the run its parameters (the problem names each pointer) */
      422: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description Over the trigger's rate limit (Retry-After says when to try again) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A problem (RFC 9457) */
      default: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  listBackfills: {
    parameters: {
      query?: {
        limit?: number;
      };
      header?: never;
      path: {
        namespace: string;
        name: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            items: components['schemas']['Backfill'][];
          };
        };
      };
      /** @description The request does not match this operation (the problem names the field) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No credential, or an invalid or expired one */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The caller's role does not allow this operation */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No such resource (or the caller may not see it) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A problem (RFC 9457) */
      default: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  createBackfill: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        namespace: string;
        name: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          /**
           * Format: date-time
           * @description Inclusive start
           */
          from: string;
          /**
           * Format: date-time
           * @description Exclusive end
           */
          to: string;
          /** @description Default 1 */
          maxActiveRuns?: number;
        };
      };
    };
    responses: {
      /** @description Created; its first runs are made */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Backfill'];
        };
      };
      /** @description The request does not match this operation (the problem names the field) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No credential, or an invalid or expired one */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The caller's role does not allow this operation */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No such resource (or the caller may not see it) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The DAG has no schedule */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The range holds no tick, or more than 10000 */
      422: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A problem (RFC 9457) */
      default: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  getBackfill: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        namespace: string;
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Backfill'];
        };
      };
      /** @description The request does not match this operation (the problem names the field) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No credential, or an invalid or expired one */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The caller's role does not allow this operation */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No such resource (or the caller may not see it) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A problem (RFC 9457) */
      default: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  cancelBackfill: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        namespace: string;
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Backfill'];
        };
      };
      /** @description The request does not match this operation (the problem names the field) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No credential, or an invalid or expired one */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The caller's role does not allow this operation */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No such resource (or the caller may not see it) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A problem (RFC 9457) */
      default: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  listDagTasks: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        namespace: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            items: components['schemas']['DagTask'][];
          };
        };
      };
      /** @description The request does not match this operation (the problem names the field) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No credential, or an invalid or expired one */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The caller's role does not allow this operation */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No such resource (or the caller may not see it) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A problem (RFC 9457) */
      default: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  getDagTask: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        namespace: string;
        name: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            task: components['schemas']['DagTask'];
            version: components['schemas']['DagTaskVersion'];
            usedBy: components['schemas']['DagTaskUser'][];
          };
        };
      };
      /** @description The request does not match this operation (the problem names the field) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No credential, or an invalid or expired one */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The caller's role does not allow this operation */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No such resource (or the caller may not see it) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A problem (RFC 9457) */
      default: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  putDagTask: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        namespace: string;
        name: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': Record<string, unknown>;
      };
    };
    responses: {
      /** @description Unchanged: the version with this spec */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['DagTaskSaved'];
        };
      };
      /** @description A new version */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['DagTaskSaved'];
        };
      };
      /** @description The request does not match this operation (the problem names the field) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No credential, or an invalid or expired one */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The caller's role does not allow this operation */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No such resource (or the caller may not see it) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The task is not valid (each issue names its field) */
      422: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A problem (RFC 9457) */
      default: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  deleteDagTask: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        namespace: string;
        name: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description No content */
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      /** @description The request does not match this operation (the problem names the field) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No credential, or an invalid or expired one */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The caller's role does not allow this operation */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No such resource (or the caller may not see it) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description DAGs use it: `errors` lists each one (`/dags/<name>`) and its tasks */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A problem (RFC 9457) */
      default: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  listDagTaskVersions: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        namespace: string;
        name: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            items: components['schemas']['DagTaskVersion'][];
          };
        };
      };
      /** @description The request does not match this operation (the problem names the field) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No credential, or an invalid or expired one */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The caller's role does not allow this operation */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No such resource (or the caller may not see it) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A problem (RFC 9457) */
      default: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  getDagTaskVersion: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        namespace: string;
        name: string;
        version: number;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['DagTaskVersion'];
        };
      };
      /** @description The request does not match this operation (the problem names the field) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No credential, or an invalid or expired one */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The caller's role does not allow this operation */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No such resource (or the caller may not see it) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A problem (RFC 9457) */
      default: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  diffDagTaskVersions: {
    parameters: {
      query: {
        from: number;
        to: number;
      };
      header?: never;
      path: {
        namespace: string;
        name: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            from: number;
            to: number;
            changes: {
              path: string;
              /** @enum {string} */
              kind: 'added' | 'removed' | 'changed';
              before?: unknown;
              after?: unknown;
            }[];
          };
        };
      };
      /** @description The request does not match this operation (the problem names the field) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No credential, or an invalid or expired one */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The caller's role does not allow this operation */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No such resource (or the caller may not see it) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A problem (RFC 9457) */
      default: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  rerunTask: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        namespace: string;
        id: string;
        task: string;
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        'application/json': {
          /** @description Rerun every task below it too. Default false */
          downstream?: boolean;
        };
      };
    };
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            run: components['schemas']['Run'];
            attempts: components['schemas']['Attempt'][];
          };
        };
      };
      /** @description The request does not match this operation (the problem names the field) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No credential, or an invalid or expired one */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The caller's role does not allow this operation */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No such resource (or the caller may not see it) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description TASK_ACTION_REFUSED: the run is pending or being canceled, the task (or one below it, or an exit handler) is ready or running, the task has not run yet, is an exit handler, or already has that state */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A problem (RFC 9457) */
      default: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  markTask: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        namespace: string;
        id: string;
        task: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          /**
           * @description The outcome to record (attempt states are lowercase; the capitalised forms are accepted)
           * @enum {string}
           */
          state: 'succeeded' | 'failed' | 'Succeeded' | 'Failed';
          /** @description Why, for the record */
          reason?: string;
        };
      };
    };
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            run: components['schemas']['Run'];
            attempts: components['schemas']['Attempt'][];
          };
        };
      };
      /** @description The request does not match this operation (the problem names the field) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No credential, or an invalid or expired one */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The caller's role does not allow this operation */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No such resource (or the caller may not see it) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description TASK_ACTION_REFUSED: the run is pending or being canceled, the task (or one below it, or an exit handler) is ready or running, the task has not run yet, is an exit handler, or already has that state */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A problem (RFC 9457) */
      default: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  approveTask: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        namespace: string;
        id: string;
        task: string;
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        'application/json': {
          /** @description Why; kept with the decision and audited */
          comment?: string;
        };
      };
    };
    responses: {
      /** @description Decided; the run has planned what follows */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ApprovalDecision'];
        };
      };
      /** @description The request does not match this operation (the problem names the field) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No credential, or an invalid or expired one */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The caller holds none of the roles that may decide this task */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No such run, or the task is not an approval task of it */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The task is not waiting for a decision (APPROVAL_NOT_PENDING) */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A problem (RFC 9457) */
      default: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  rejectTask: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        namespace: string;
        id: string;
        task: string;
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        'application/json': {
          /** @description Why; kept with the decision and audited */
          comment?: string;
        };
      };
    };
    responses: {
      /** @description Decided; the run has planned what follows */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ApprovalDecision'];
        };
      };
      /** @description The request does not match this operation (the problem names the field) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No credential, or an invalid or expired one */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The caller holds none of the roles that may decide this task */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No such run, or the task is not an approval task of it */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The task is not waiting for a decision (APPROVAL_NOT_PENDING) */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A problem (RFC 9457) */
      default: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  getNamespaceLimits: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        namespace: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['NamespaceLimits'];
        };
      };
      /** @description The request does not match this operation (the problem names the field) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No credential, or an invalid or expired one */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The caller's role does not allow this operation */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No such resource (or the caller may not see it) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A problem (RFC 9457) */
      default: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  putNamespaceLimits: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        namespace: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          /** @description Most runs of the namespace pending or running at once; null: no limit */
          maxActiveRuns: number | null;
        };
      };
    };
    responses: {
      /** @description OK */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['NamespaceLimits'];
        };
      };
      /** @description The body is not a limit */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No credential, or an invalid or expired one */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description The caller's role does not allow this operation */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description No such resource (or the caller may not see it) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A problem (RFC 9457) */
      default: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
}

/** Path templates whose operations need no credential (their `security` is empty). */
export const unsecuredPaths: readonly (keyof paths)[] = [
  '/healthz',
  '/readyz',
  '/api/openapi.json',
  '/api/v1/auth/login',
  '/api/v1/auth/refresh',
  '/api/v1/hooks/{id}',
];
