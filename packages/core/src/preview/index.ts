/** Plan previews: what a run would do, decided before it starts (see `plan-preview.ts`). */
export {
  previewPlan,
  type PlanPreview,
  type PlanPreviewOptions,
  type PreviewOutcome,
  type PreviewTask,
} from './plan-preview.js';
export { criticalPath, type CriticalPath } from './critical-path.js';
export {
  conditionOf,
  defaultConditionEvaluator,
  type ConditionEvaluator,
  type ConditionVerdict,
  type PreviewRunContext,
} from './conditions.js';
export type { PreviewParameter, PreviewParameterProblem } from './parameters.js';
