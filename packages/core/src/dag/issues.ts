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
  | 'IMAGE_IGNORED';

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
