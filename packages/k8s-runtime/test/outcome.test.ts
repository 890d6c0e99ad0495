// Pure: no control plane.
import { describe, expect, it } from 'vitest';
import type { V1Pod } from '@kubernetes/client-node';
import { abortReason, classifyPod, hasStarted, stuckOutcome, trimPod } from '@kontroler/k8s-runtime';

const pod = (status: V1Pod['status']): V1Pod => ({
  metadata: { name: 'p' },
  spec: { restartPolicy: 'Never', nodeName: 'n', containers: [{ name: 'main', image: 'x' }] },
  status,
});
const terminated = (exitCode: number, reason?: string) => ({
  name: 'main',
  image: 'x',
  imageID: '',
  ready: false,
  restartCount: 0,
  state: { terminated: { exitCode, ...(reason ? { reason } : {}) } },
});

describe('classifyPod', () => {
  it.each<[string, V1Pod['status'], unknown]>([
    ['no status', undefined, { kind: 'pending' }],
    [
      'running',
      {
        phase: 'Running',
        containerStatuses: [
          { name: 'main', image: 'x', imageID: '', ready: true, restartCount: 0, state: { running: {} } },
        ],
      },
      { kind: 'running' },
    ],
    [
      'succeeded',
      { phase: 'Succeeded', containerStatuses: [terminated(0, 'Completed')] },
      { kind: 'done', outcome: { status: 'succeeded', exitCode: 0, reason: 'Completed' } },
    ],
    [
      'exit 3',
      { phase: 'Failed', containerStatuses: [terminated(3, 'Error')] },
      { kind: 'done', outcome: { status: 'failed', exitCode: 3, reason: 'Error' } },
    ],
    [
      'OOMKilled',
      { phase: 'Failed', containerStatuses: [terminated(137, 'OOMKilled')] },
      { kind: 'done', outcome: { status: 'failed', exitCode: 137, reason: 'OOMKilled' } },
    ],
    [
      'evicted',
      {
        phase: 'Failed',
        reason: 'Evicted',
        message: 'low memory',
        containerStatuses: [terminated(137, 'Error')],
      },
      {
        kind: 'done',
        outcome: {
          status: 'failed',
          exitCode: 137,
          reason: 'Evicted',
          message: 'low memory',
          failureKind: 'infra',
        },
      },
    ],
    [
      'a command the container runtime could not exec',
      { phase: 'Failed', containerStatuses: [terminated(128, 'StartError')] },
      {
        kind: 'done',
        outcome: { status: 'failed', exitCode: 128, reason: 'StartError', failureKind: 'start' },
      },
    ],
    [
      'deadline',
      { phase: 'Failed', reason: 'DeadlineExceeded', message: 'too long' },
      { kind: 'done', outcome: { status: 'failed', exitCode: null, reason: 'Timeout', message: 'too long' } },
    ],
    [
      'failed before start',
      { phase: 'Failed', reason: 'UnexpectedAdmissionError' },
      { kind: 'done', outcome: { status: 'failed', exitCode: null, reason: 'UnexpectedAdmissionError' } },
    ],
    [
      'image pull',
      {
        phase: 'Pending',
        containerStatuses: [
          {
            name: 'main',
            image: 'x',
            imageID: '',
            ready: false,
            restartCount: 0,
            state: { waiting: { reason: 'ImagePullBackOff', message: 'nope' } },
          },
        ],
      },
      { kind: 'pending', waitingReason: 'ImagePullBackOff', message: 'nope' },
    ],
  ])('%s', (_what, status, expected) => {
    expect(classifyPod(pod(status))).toEqual(expected);
    // The informer keeps trimmed pods: trimming must not change what a pod means.
    expect(classifyPod(trimPod(pod(status)))).toEqual(expected);
    expect(hasStarted(trimPod(pod(status)))).toBe(hasStarted(pod(status)));
  });

  it('trims a pod to what the runtime reads, keeping only the run label', () => {
    const full: V1Pod = {
      ...pod({ phase: 'Running' }),
      metadata: {
        name: 'p',
        namespace: 'ns',
        resourceVersion: '7',
        uid: 'u',
        labels: { 'kontroler.greedykomodo/run': 'r1', 'kontroler.greedykomodo/task': 't' },
        managedFields: [{ manager: 'kubelet' }],
      },
    };
    const trimmed = trimPod(full);
    // The namespace is the informer's own.
    expect(trimmed.metadata).toEqual({
      name: 'p',
      resourceVersion: '7',
      labels: { 'kontroler.greedykomodo/run': 'r1' },
      deletionTimestamp: undefined,
    });
    expect(trimmed.spec).toEqual({ nodeName: 'n', restartPolicy: 'Never', containers: [{ name: 'main' }] });
  });

  it('keeps only the main container status, without its image, readiness or start time', () => {
    const full = pod({
      phase: 'Running',
      containerStatuses: [
        {
          name: 'sidecar',
          image: 'proxy',
          imageID: 'proxy@sha256:1',
          ready: true,
          restartCount: 0,
          state: { waiting: { reason: 'CrashLoopBackOff' } },
        },
        {
          name: 'main',
          image: 'busybox',
          imageID: 'busybox@sha256:2',
          ready: true,
          restartCount: 0,
          state: { running: { startedAt: new Date() } },
        },
      ],
    });
    const trimmed = trimPod(full);
    expect(trimmed.status?.containerStatuses).toEqual([{ name: 'main', state: { running: {} } }]);
    expect(hasStarted(trimmed)).toBe(true);
    expect(classifyPod(trimmed)).toEqual({ kind: 'running' });
  });

  it('names image errors ImagePullError and other stuck reasons as they are, all failures to start', () => {
    expect(stuckOutcome('ErrImagePull', 'x', 2000)).toEqual({
      status: 'failed',
      exitCode: null,
      reason: 'ImagePullError',
      message: 'ErrImagePull for 2s: x',
      failureKind: 'start',
    });
    expect(stuckOutcome('CreateContainerConfigError', undefined, 0).reason).toBe(
      'CreateContainerConfigError',
    );
  });
});

describe('abortReason', () => {
  const aborted = (reason: unknown) => {
    const c = new AbortController();
    c.abort(reason);
    return c.signal;
  };
  it.each<[unknown, string]>([
    ['timeout', 'Timeout'],
    [new DOMException('t', 'TimeoutError'), 'Timeout'],
    [{ reason: 'deadline' }, 'Timeout'],
    ['cancel', 'Canceled'],
    [undefined, 'Canceled'],
    ['Lost', 'Lost'],
    ['lost connection', 'Canceled'],
  ])('%s → %s', (reason, expected) => expect(abortReason(aborted(reason))).toBe(expected));
});
