/**
 * `@kontroler/core/dag`: the browser-safe part of core (schema, validation, ordering, DSL, manifests).
 * Nothing here imports a Node module, so the console validates with exactly the server's code.
 */
export {
  dagSchema,
  DagSpecSchema,
  TaskSchema,
  ParameterSchema,
  PodTemplateSchema,
  WebhookSchema,
  WorkspaceSchema,
  RetryPolicySchema,
  OutputSchema,
  TriggerRuleSchema,
  ForEachSchema,
  EnvVarSchema,
  TRIGGER_RULES,
  OUTPUT_NAME_PATTERN,
  K8S_NAME_PATTERN,
  type DagSpec,
  type TaskSpec,
  type ParameterSpec,
  type PodTemplate,
  type WebhookSpec,
  type WorkspaceSpec,
  type ConcurrencyPolicy,
  type RetryPolicy,
  type OutputSpec,
  type TriggerRule,
  type ForEachSpec,
  type EnvVarSpec,
  ApprovalSchema,
  APPROVER_ROLES,
  type ApprovalSpec,
  type ApproverRole,
} from './schema.js';
export type { CompiledDag, CompiledTask } from './compiled.js';
export { DEFAULT_BACKOFF_LIMIT, DEFAULT_TRIGGER_RULE } from './compiled.js';
export {
  parseTemplate,
  parseReference,
  hasTemplate,
  showReference,
  RUN_FIELDS,
  type TemplateRef,
  type TemplatePart,
  type TemplateParse,
  type RunField,
} from './template.js';
export { checkCondition, type CelScope, type CelProblem } from './cel-check.js';
export type { DagIssue, DagIssueCode, DagResult } from './issues.js';
export {
  MAX_TASKS,
  MAX_RUN_AFTER,
  MAX_MANIFEST_BYTES,
  MAX_DSL_BYTES,
  MAX_NAME_LENGTH,
  MAX_PRIORITY,
} from './limits.js';
export { validateDag, compileDag, isValidatedDag, type DagValidation } from './validate.js';
export { runtimeWarnings, type RuntimeCapabilities } from './runtime-warnings.js';
export { topologicalOrder, levels, roots, descendants, type DagLike } from './order.js';
export type { GraphTask } from './graph.js';
export { canonicalJson } from './canonical-json.js';
export { parseDsl, type ParseDslOptions, type DslResult } from './dsl-parse.js';
export { printDsl } from './dsl-print.js';
export { loadManifest } from './manifest-load.js';
export {
  checkDagDocument,
  type CheckDagDocumentOptions,
  type DagDocumentInput,
  type DagDocumentCheck,
} from './document.js';
export { locateIssues, identitySourceMap, type DagSourceMap, type SourceLocation } from './source-map.js';
export { toManifest, KONTROLER_API_VERSION, type ToManifestOptions } from './manifest-write.js';
export type {
  ManifestDocument,
  ManifestMetadata,
  ManifestResult,
  DagRunManifest,
  DagRunParameter,
} from './manifest-types.js';
/** RFC 6901 JSON Pointers: an output's `valueFrom` (docs/flow/outputs.md) is checked and read with these. */
export { jsonPointerProblem, tokens as pointerTokens } from './pointer.js';
