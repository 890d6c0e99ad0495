/**
 * Everything `validateDag`, `parseDsl` and `loadManifest` can report. Codes are stable: callers
 * (the API's problem mapper, the console's editor) switch on them, never on messages.
 */
export type DagIssueCode =
  | 'PARSE_ERROR'
  | 'DOCUMENT_TOO_LARGE'
  | 'SCHEMA'
  | 'UNKNOWN_FIELD'
  | 'INVALID_NAME'
  | 'DUPLICATE_TASK'
  | 'UNKNOWN_DEPENDENCY'
  | 'SELF_DEPENDENCY'
  | 'CYCLE'
  | 'NO_ROOT_TASK'
  | 'NO_TASKS'
  | 'COMMAND_AND_SCRIPT'
  | 'NO_COMMAND'
  | 'MISSING_IMAGE'
  | 'INVALID_PARAMETER'
  | 'DUPLICATE_PARAMETER'
  | 'UNDECLARED_PARAMETER'
  | 'INVALID_CRON'
  | 'INVALID_TIMEZONE'
  | 'RETRY_CODE_RANGE'
  | 'UNKNOWN_KIND'
  /** The document names another namespace than the one it is saved in (`checkDagDocument`). */
  | 'NAMESPACE_MISMATCH'
  /** A warning: the host's runtime ignores the task's image (see `runtimeWarnings`). */
  | 'IMAGE_IGNORED'
  /** A template or condition names a task that does not exist, or an unknown variable. */
  | 'UNKNOWN_REFERENCE'
  /** A template or condition reads a task that is not upstream of the task using it. */
  | 'NOT_UPSTREAM'
  /** A template or condition reads an output its task does not declare. */
  | 'UNDECLARED_OUTPUT'
  /** A reference that is well-formed but not allowed where it is (`{{ item }}` outside forEach, …). */
  | 'INVALID_REFERENCE'
  /** A malformed `{{ tasks|params|run|item … }}` template. */
  | 'INVALID_TEMPLATE'
  /** A `when:` condition that does not parse or type-check as a CEL bool. */
  | 'INVALID_CONDITION'
  /** A `forEach` without exactly one of items and from, or with a `from` that is not one output. */
  | 'INVALID_FOR_EACH'
  /** Two outputs of one task with the same name. */
  | 'DUPLICATE_OUTPUT'
  /** An output's `valueFrom` that is not a JSON Pointer (RFC 6901). */
  | 'INVALID_VALUE_FROM'
  /** An approval task that also says how to run something (image, command, type, forEach…). */
  | 'INVALID_APPROVAL'
  /** A task variable or a parameter named like the engine's own variables (`KONTROLER_*`). */
  | 'RESERVED_ENV';

export interface DagIssue {
  readonly code: DagIssueCode;
  /** JSON Pointer into the DAG model (the DagSpec), e.g. `/tasks/2/runAfter/0`. */
  readonly path: string;
  /**
   * JSON Pointer into the document the user sent, e.g. `/spec/task/2/runAfter/0` in a Kontroler manifest
   * or `/spec/dsl` for a problem inside its DSL (`line` and `column` then say where). `''` for a DSL file.
   * Set by `checkDagDocument` and `locateIssues`; absent on issues of `validateDag` alone.
   */
  readonly pointer?: string;
  /** The task at fault, where one applies. */
  readonly task?: string;
  /** One sentence for a human. */
  readonly message: string;
  /** 1-based position in the source text (DSL and YAML; absent for JSON). */
  readonly line?: number;
  readonly column?: number;
  /** For `CYCLE`: the tasks of the cycle, first repeated last (`['a','b','a']`). */
  readonly cycle?: readonly string[];
}

/** A result that is either a value or every problem found. Public parsers never throw. */
export type DagResult<T> = { ok: true; value: T; warnings: DagIssue[] } | { ok: false; errors: DagIssue[] };
