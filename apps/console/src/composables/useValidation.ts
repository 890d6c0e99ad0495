import { computed, type ComputedRef } from 'vue';
import { validate, type DagIssue, type DagSpec } from '../dag/core';

/** Validates a document reactively with core's own `validateDag` (the server's exact rules). */
export function useValidation(doc: () => DagSpec): {
  issues: ComputedRef<DagIssue[]>;
  valid: ComputedRef<boolean>;
} {
  const issues = computed(() => validate(doc()));
  const valid = computed(() => issues.value.length === 0);
  return { issues, valid };
}
