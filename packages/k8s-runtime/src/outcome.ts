/**
 * Reads a pod's status and says where the attempt stands. Pure, so every mapping (exit codes, OOMKilled,
 * Evicted, deadline, image pull errors) is a table test.
 */
import type { TaskOutcome } from '@kontroler/core';
import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import { decodePodOutputs } from './outputs.js';

export type PodView =
  /** Not started yet: unscheduled, pulling, or stuck on `waitingReason`. */
  | { readonly kind: 'pending'; readonly waitingReason?: string; readonly message?: string }
  | { readonly kind: 'running' }
  | { readonly kind: 'done'; readonly outcome: TaskOutcome };

/** Waiting reasons that will not clear by themselves (after a deadline they fail the attempt). */
export const STUCK_REASONS: ReadonlySet<string> = new Set([
  'ErrImagePull',
  'ImagePullBackOff',
  'InvalidImageName',
  'ErrImageNeverPull',
  'CreateContainerConfigError',
  'CreateContainerError',
]);

const IMAGE_REASONS = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull']);

/**
 * Terminated reasons of a container that never ran its command: the container runtime could not exec it
 * (command not found, not executable). Exit code 128 with these is containerd's, not the task's.
 */
const START_REASONS: ReadonlySet<string> = new Set(['StartError', 'ContainerCannotRun']);

/** The first container's status (the task's container). */
function mainStatus(pod: V1Pod): V1ContainerStatus | undefined {
  const name = pod.spec?.containers[0]?.name;
  const statuses = pod.status?.containerStatuses ?? [];
  return statuses.find((s) => s.name === name) ?? statuses[0];
}

/** Whether the container has started (so `pods/log` has something to serve). */
export function hasStarted(pod: V1Pod): boolean {
  const state = mainStatus(pod)?.state;
  return Boolean(pod.spec?.nodeName && (state?.running || state?.terminated));
}

export function classifyPod(pod: V1Pod): PodView {
  const phase = pod.status?.phase;
  const status = mainStatus(pod);
  const terminated = status?.state?.terminated;
  if (phase === 'Succeeded') {
    return {
      kind: 'done',
      outcome: { status: 'succeeded', exitCode: terminated?.exitCode ?? 0, reason: 'Completed' },
    };
  }
  if (phase === 'Failed') {
    const podReason = pod.status?.reason;
    const message = pod.status?.message ?? terminated?.message;
    const exitCode = terminated ? terminated.exitCode : null;
    const withMessage = (o: TaskOutcome): TaskOutcome => (message ? { ...o, message } : o);
    if (podReason === 'Evicted') {
      // The node ran short, not the task: an infrastructure error, whatever exit code the kill left.
      return {
        kind: 'done',
        outcome: withMessage({ status: 'failed', exitCode, reason: 'Evicted', failureKind: 'infra' }),
      };
    }
    if (podReason === 'DeadlineExceeded') {
      return {
        kind: 'done',
        outcome: {
          status: 'failed',
          exitCode,
          reason: 'Timeout',
          message: message ?? 'activeDeadlineSeconds exceeded',
        },
      };
    }
    if (terminated?.reason === 'OOMKilled') {
      return {
        kind: 'done',
        outcome: withMessage({ status: 'failed', exitCode: terminated.exitCode, reason: 'OOMKilled' }),
      };
    }
    if (!terminated || terminated.exitCode < 0) {
      // Kontroler reports -1 when the pod failed before its container ran; we say "no exit code".
      return {
        kind: 'done',
        outcome: withMessage({ status: 'failed', exitCode: null, reason: podReason ?? 'Error' }),
      };
    }
    const reason = terminated.reason ?? 'Error';
    return {
      kind: 'done',
      outcome: withMessage({
        status: 'failed',
        exitCode: terminated.exitCode,
        reason,
        ...(START_REASONS.has(reason) ? { failureKind: 'start' as const } : {}),
      }),
    };
  }
  if (terminated && pod.spec?.restartPolicy === 'Never') {
    // The kubelet reports the container before the phase; the phase follows in the same or next update.
    return { kind: 'running' };
  }
  if (status?.state?.running) return { kind: 'running' };
  const waiting = status?.state?.waiting;
  if (waiting?.reason) {
    return {
      kind: 'pending',
      waitingReason: waiting.reason,
      ...(waiting.message ? { message: waiting.message } : {}),
    };
  }
  return { kind: 'pending' };
}

/**
 * The outcome of an attempt stuck on a waiting reason past its deadline: a failure to start (an image
 * that cannot be pulled, a container config that names a missing secret), retried only by `OnError`.
 */
export function stuckOutcome(
  waitingReason: string,
  message: string | undefined,
  waitedMs: number,
): TaskOutcome {
  const reason = IMAGE_REASONS.has(waitingReason) ? 'ImagePullError' : waitingReason;
  return {
    status: 'failed',
    exitCode: null,
    reason,
    message: `${waitingReason} for ${Math.round(waitedMs / 1000)}s${message ? `: ${message}` : ''}`,
    failureKind: 'start',
  };
}

/**
 * A succeeded attempt with the outputs its container left in the termination message (outputs.ts). Over
 * the pod limit: failed with `OutputTooLarge`, not retried (the same task writes the same data again), as
 * in the process runtime; a damaged message: failed with `OutputError`, retried by the task's policy.
 */
export function collectOutputs(outcome: TaskOutcome, pod: V1Pod, declared: readonly string[]): TaskOutcome {
  if (outcome.status !== 'succeeded' || declared.length === 0) return outcome;
  const read = decodePodOutputs(mainStatus(pod)?.state?.terminated?.message, declared);
  if ('outputs' in read) return { ...outcome, outputs: read.outputs };
  const failed = { status: 'failed', exitCode: outcome.exitCode, failureKind: 'exit' } as const;
  return 'tooLarge' in read
    ? { ...failed, reason: 'OutputTooLarge', message: read.tooLarge, nonRetryable: true }
    : { ...failed, reason: 'OutputError', message: read.invalid };
}
