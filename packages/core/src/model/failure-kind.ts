/**
 * What kind of failure ended an attempt: the retry policy decides by it. Runtimes say it where they know
 * (`TaskOutcome.failureKind`, or by throwing `TaskStartError`/`TransientTaskError`); `failureKindOf` fills
 * it in for outcomes that do not.
 */
import type { TaskOutcome } from '../ports/runtime.js';

export const FAILURE_KINDS = ['exit', 'start', 'infra', 'transient'] as const;

/**
 * - `exit`: the task ran and failed on its own (non-zero exit, signal, OOM, its deadline).
 * - `start`: the task never started and starting it again the same way cannot help (command or image not
 *   found, image pull error, a pod the API server rejects, a missing secret).
 * - `infra`: the infrastructure failed around the task (a runtime error, an eviction, a failed hook).
 * - `transient`: an infrastructure failure known to pass (a lost pod or lease, an engine that stopped, an
 *   engine or server that answered 5xx/429 or could not be reached).
 */
export type FailureKind = (typeof FAILURE_KINDS)[number];

/** Outcome reasons that mean a transient error when the runtime did not say the kind itself. */
const TRANSIENT_REASONS: ReadonlySet<string> = new Set(['Lost', 'PodDeleted', 'EngineUnavailable']);

/**
 * The kind of a failure whose runtime did not say: `Lost` and the like are transient, an exit code or a
 * timeout is the task's own, anything else is the infrastructure's.
 */
export function classifyFailure(reason: string | null, exitCode: number | null): FailureKind {
  if (reason !== null && TRANSIENT_REASONS.has(reason)) return 'transient';
  return exitCode !== null || reason === 'Timeout' ? 'exit' : 'infra';
}

/** The failure kind of a failed outcome: the runtime's own word, else `classifyFailure`. */
export function failureKindOf(outcome: TaskOutcome): FailureKind | null {
  if (outcome.status === 'succeeded') return null;
  return outcome.failureKind ?? classifyFailure(outcome.reason, outcome.exitCode);
}
