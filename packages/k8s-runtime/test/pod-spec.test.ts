// Pure: no control plane.
import { describe, expect, it } from 'vitest';
import { attemptEnv, type TaskSpec } from '@kontroler/core';
import {
  buildPod,
  buildWorkspaceClaim,
  envVars,
  labelValue,
  podName,
  type PodInput,
} from '@kontroler/k8s-runtime';

const base: PodInput = {
  attemptId: 'att-1',
  runId: '0b7c6a3e-0e5c-4c2b-9a55-2f7a1d8c9e10',
  dagName: 'etl',
  dagVersion: 3,
  namespace: 'team-a',
  taskName: 'extract',
  attempt: 2,
  task: { name: 'extract', image: 'alpine:3.20', command: ['echo'], args: ['hi'] },
  parameters: {},
};

const withTask = (task: Partial<TaskSpec>, extra: Partial<PodInput> = {}): PodInput => ({
  ...base,
  ...extra,
  task: { name: 'extract', ...task },
});

describe('podName', () => {
  it.each([
    ['short names', 'run-1', 'extract', 1],
    ['a UUID run', base.runId, 'extract', 2],
    ['a 63-char task', base.runId, 'a'.repeat(63), 1],
    ['odd characters', 'Run_ID/42', 'Load.Data', 12],
    ['a huge attempt number', 'r', 't', 123456],
  ])('is a valid, ≤ 63-char DNS label for %s', (_what, run, task, attempt) => {
    const name = podName(run, task, attempt);
    expect(name.length).toBeLessThanOrEqual(63);
    expect(name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
  });

  it('is deterministic and distinct per run, task and attempt', () => {
    const a = podName(base.runId, 'extract', 1);
    expect(podName(base.runId, 'extract', 1)).toBe(a);
    const others = [
      podName(base.runId, 'extract', 2),
      podName(base.runId, 'load', 1),
      podName('other', 'extract', 1),
    ];
    expect(new Set([a, ...others]).size).toBe(4);
  });

  it('keeps truncated names unique through the hash suffix', () => {
    const long = 'x'.repeat(80);
    expect(podName(`${long}-1`, long, 1)).not.toBe(podName(`${long}-2`, long, 1));
  });
});

describe('labelValue', () => {
  it.each([
    ['etl', 'etl'],
    ['a'.repeat(63), 'a'.repeat(63)],
  ])('keeps valid values: %s', (input, expected) => expect(labelValue(input)).toBe(expected));

  it.each(['a'.repeat(64), 'has space', '-dash-', 'ünï'])('makes %s a valid label value', (input) => {
    const value = labelValue(input);
    expect(value.length).toBeLessThanOrEqual(63);
    expect(value).toMatch(/^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/);
  });
});

describe('buildPod', () => {
  it('labels, annotates and names the pod, with restartPolicy Never', () => {
    const pod = buildPod(base);
    expect(pod.metadata?.name).toBe(podName(base.runId, 'extract', 2));
    expect(pod.metadata?.namespace).toBe('team-a');
    expect(pod.metadata?.labels).toEqual({
      'kontroler.greedykomodo/dag': 'etl',
      'kontroler.greedykomodo/version': '3',
      'kontroler.greedykomodo/run': base.runId,
      'kontroler.greedykomodo/task': 'extract',
      'kontroler.greedykomodo/attempt': '2',
      'app.kubernetes.io/managed-by': 'kontroler',
    });
    expect(pod.metadata?.annotations?.['kontroler.greedykomodo/attempt-id']).toBe('att-1');
    expect(pod.spec?.restartPolicy).toBe('Never');
    expect(pod.metadata?.ownerReferences).toBeUndefined();
  });

  it.each<[string, Partial<TaskSpec>, { command?: string[]; args?: string[] }]>([
    [
      'command and args as given',
      { command: ['python', 'main.py'], args: ['--x', '1'] },
      { command: ['python', 'main.py'], args: ['--x', '1'] },
    ],
    ['args only', { args: ['--help'] }, { args: ['--help'] }],
    [
      'a script through sh -c',
      { script: 'echo hi\necho there' },
      { command: ['sh', '-c', 'echo hi\necho there'] },
    ],
    [
      'script wins over command',
      { script: 'echo s', command: ['echo', 'c'] },
      { command: ['sh', '-c', 'echo s'] },
    ],
  ])('maps %s', (_what, task, expected) => {
    const container = buildPod(withTask({ image: 'busybox', ...task })).spec?.containers[0];
    expect(container?.name).toBe('extract');
    expect(container?.image).toBe('busybox');
    expect(container?.command).toEqual(expected.command);
    expect(container?.args).toEqual(expected.args);
  });

  it('maps parameters to env vars named exactly, secrets via secretKeyRef key "secret"', () => {
    const env = envVars({ region: { value: 'eu-west-1' }, api_token: { fromSecret: 'etl-token' } });
    expect(env).toEqual([
      { name: 'api_token', valueFrom: { secretKeyRef: { name: 'etl-token', key: 'secret' } } },
      { name: 'region', value: 'eu-west-1' },
    ]);
    expect(
      buildPod({ ...base, parameters: { region: { value: 'x' } } }).spec?.containers[0]?.env?.[0],
    ).toEqual({
      name: 'region',
      value: 'x',
    });
  });

  // Pods lacked the KONTROLER_* variables the process runtime gives a task.
  it("sets the process runtime's KONTROLER_* variables, with the run's namespace and the workspace path", () => {
    const pod = buildPod(
      { ...base, namespace: 'k8s-pods', runNamespace: 'team-a', workspace: { enable: true } },
      { workspaceMountPath: '/ws' },
    );
    expect(pod.metadata?.namespace).toBe('k8s-pods');
    expect(pod.spec?.containers[0]?.env).toEqual([
      { name: 'KONTROLER_NAMESPACE', value: 'team-a' },
      { name: 'KONTROLER_DAG', value: 'etl' },
      { name: 'KONTROLER_DAG_VERSION', value: '3' },
      { name: 'KONTROLER_RUN_ID', value: base.runId },
      { name: 'KONTROLER_TASK', value: 'extract' },
      { name: 'KONTROLER_ATTEMPT', value: '2' },
      { name: 'KONTROLER_ATTEMPT_ID', value: 'att-1' },
      { name: 'KONTROLER_WORKSPACE', value: '/ws' },
    ]);
    // The same names and values as the host runtimes, from core's one definition.
    const named = Object.fromEntries(pod.spec!.containers[0]!.env!.map((e) => [e.name, e.value]));
    expect(named).toMatchObject(attemptEnv({ ...base, namespace: 'team-a' }));
    // Without runNamespace the pod's namespace is the run's.
    expect(buildPod(base).spec?.containers[0]?.env?.[0]).toEqual({
      name: 'KONTROLER_NAMESPACE',
      value: 'team-a',
    });
  });

  it('keeps the engine variables over a task variable or parameter of the same name (a DAG stored before validation refused them)', () => {
    const env = buildPod({
      ...base,
      task: { ...base.task, env: [{ name: 'KONTROLER_RUN_ID', value: 'spoofed' }] },
      parameters: { KONTROLER_TASK: { value: 'spoofed' } },
    }).spec?.containers[0]?.env;
    expect(env?.filter((e) => e.name === 'KONTROLER_RUN_ID')).toEqual([
      { name: 'KONTROLER_RUN_ID', value: base.runId },
    ]);
    expect(env?.filter((e) => e.name === 'KONTROLER_TASK')).toEqual([
      { name: 'KONTROLER_TASK', value: 'extract' },
    ]);
  });

  it('maps the whole podTemplate', () => {
    const pod = buildPod(
      withTask({
        image: 'alpine',
        script: 'true',
        podTemplate: {
          volumes: [{ name: 'data', emptyDir: {} }],
          volumeMounts: [{ name: 'data', mountPath: '/data' }],
          imagePullSecrets: [{ name: 'regcred' }],
          securityContext: { fsGroup: 2000, runAsUser: 1000, runAsGroup: 3000 },
          nodeSelector: { disk: 'ssd' },
          tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'etl', effect: 'NoSchedule' }],
          affinity: {
            nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } },
          },
          serviceAccountName: 'etl-runner',
          automountServiceAccountToken: false,
          activeDeadlineSeconds: 600,
          resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: 1 } },
        },
      }),
    );
    const spec = pod.spec!;
    expect(spec.volumes).toEqual([{ name: 'data', emptyDir: {} }]);
    expect(spec.containers[0]?.volumeMounts).toEqual([{ name: 'data', mountPath: '/data' }]);
    expect(spec.imagePullSecrets).toEqual([{ name: 'regcred' }]);
    expect(spec.securityContext).toEqual({ fsGroup: 2000, runAsUser: 1000, runAsGroup: 3000 });
    expect(spec.nodeSelector).toEqual({ disk: 'ssd' });
    expect(spec.tolerations).toHaveLength(1);
    expect(spec.affinity).toBeDefined();
    expect(spec.serviceAccountName).toBe('etl-runner');
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(spec.activeDeadlineSeconds).toBe(600);
    expect(spec.containers[0]?.resources).toEqual({
      limits: { cpu: '500m', memory: '128Mi' },
      requests: { cpu: 1 },
    });
  });

  it('uses timeoutSeconds as the active deadline when the podTemplate has none', () => {
    expect(
      buildPod(withTask({ image: 'a', script: 'x', timeoutSeconds: 30 })).spec?.activeDeadlineSeconds,
    ).toBe(30);
  });

  it('mounts the run workspace PVC at /workspace', () => {
    const input = withTask({ image: 'a', script: 'x' }, { workspace: { enable: true } });
    const pod = buildPod(input);
    const claim = buildWorkspaceClaim({
      ...input,
      workspace: { enable: true, pvc: { storageClassName: 'fast' } },
    });
    expect(pod.spec?.volumes).toEqual([
      { name: 'workspace', persistentVolumeClaim: { claimName: claim.metadata?.name } },
    ]);
    expect(pod.spec?.containers[0]?.volumeMounts).toEqual([{ name: 'workspace', mountPath: '/workspace' }]);
    expect(claim.spec?.storageClassName).toBe('fast');
    expect(claim.spec?.accessModes).toEqual(['ReadWriteOnce']);
    expect(claim.metadata?.name?.length).toBeLessThanOrEqual(63);
  });

  it('is owned by the DagRun resource when the run carries its uid and name', () => {
    const pod = buildPod({
      ...base,
      runLabels: {
        'kontroler.greedykomodo/dagrun-uid': 'u-1',
        'kontroler.greedykomodo/dagrun-name': 'nightly',
      },
    });
    expect(pod.metadata?.ownerReferences).toEqual([
      {
        apiVersion: 'kontroler.greedykomodo/v1alpha1',
        kind: 'DagRun',
        name: 'nightly',
        uid: 'u-1',
        controller: true,
      },
    ]);
  });
});
