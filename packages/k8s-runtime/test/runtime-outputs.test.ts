/**
 * Task outputs through a real kube-apiserver: the pod the runtime creates (wrapper, emptyDir, termination
 * message path, rendered env) is accepted by the apiserver's validation, the simulated node runs its
 * command on the host (sh) — so the task's own script writes the output files and the wrapper writes the
 * termination message — and the runtime returns the outputs as the process runtime does.
 */
import { afterEach, expect, it } from 'vitest';
import type { V1Pod } from '@kubernetes/client-node';
import { createPodRuntime, encodePodOutputs, podName, type PodRuntime } from '@kontroler/k8s-runtime';
import { attemptContext, compile } from './attempt.js';
import { describeK8s } from './helpers.js';

const dag = compile({
  name: 'outputs',
  tasks: [
    {
      name: 'extract',
      image: 'alpine:3.20',
      script: [
        'echo "extracting $REGION"',
        'printf \'["a.csv", "b.csv"]\' > "$KONTROLER_OUTPUTS_DIR/files"',
        'echo "$ROWS" > "$KONTROLER_OUTPUTS_DIR/rows"',
        'echo "hello from $REGION" > "$KONTROLER_OUTPUTS_DIR/greeting"',
      ].join('\n'),
      env: [
        { name: 'REGION', value: 'eu-west-1' },
        { name: 'ROWS', value: '42' },
      ],
      outputs: [{ name: 'files' }, { name: 'rows' }, { name: 'greeting' }, { name: 'never' }],
    },
    {
      name: 'huge',
      image: 'alpine:3.20',
      command: ['sh', '-c', 'head -c 5000 /dev/zero | tr "\\0" x > "$KONTROLER_OUTPUTS_DIR/blob"'],
      outputs: [{ name: 'blob' }],
    },
    {
      name: 'fails',
      image: 'alpine:3.20',
      script: 'echo 1 > "$KONTROLER_OUTPUTS_DIR/rows"; echo "bad input" > /dev/termination-log; exit 4',
      // Scripted below: on the host, /dev/termination-log would be the host's.
      outputs: [{ name: 'rows' }],
    },
    {
      name: 'scripted',
      image: 'alpine:3.20',
      script: 'true',
      outputs: [{ name: 'n' }],
    },
  ],
});

describeK8s('pod runtime outputs (restricted client)', (plane) => {
  const runtimes: PodRuntime[] = [];
  afterEach(async () => {
    await Promise.all(runtimes.splice(0).map((r) => r.close?.()));
  });
  const runtime = (namespace: string) => {
    const r = createPodRuntime({ kubeConfig: plane().restrictedKubeConfig, namespace, podTtlMs: -1 });
    runtimes.push(r);
    return r;
  };

  it("returns the outputs the task's script wrote, read from the termination message of its only container", async () => {
    const ns = await plane().createNamespace('outputs');
    plane().node.script('extract', { runOnHost: true }, { namespace: ns });
    const rt = runtime(ns);
    const ctx = attemptContext(dag, 'extract', { namespace: ns, runId: 'run-out' });
    const outcome = await rt.execute(ctx);
    expect(outcome).toEqual({
      status: 'succeeded',
      exitCode: 0,
      reason: 'Completed',
      outputs: { files: ['a.csv', 'b.csv'], rows: 42, greeting: 'hello from eu-west-1' },
    });
    expect(ctx.lines.map((l) => l.line)).toContain('extracting eu-west-1');
    // The pod as stored by the apiserver: one container, the env, the emptyDir, the termination message.
    const pod = await plane().admin.request<V1Pod>(
      'GET',
      `/api/v1/namespaces/${ns}/pods/${podName('run-out', 'extract', 1)}`,
    );
    const container = pod.spec!.containers;
    expect(container).toHaveLength(1);
    const env = container[0]!.env!;
    expect(env.slice(0, 2)).toEqual([
      { name: 'REGION', value: 'eu-west-1' },
      { name: 'ROWS', value: '42' },
    ]);
    // The engine's variables (docs/flow/environment.md) come last, as the apiserver keeps them.
    expect(env).toContainEqual({ name: 'KONTROLER_RUN_ID', value: 'run-out' });
    expect(env).toContainEqual({ name: 'KONTROLER_NAMESPACE', value: ns });
    expect(env.at(-1)).toEqual({ name: 'KONTROLER_OUTPUTS_DIR', value: '/kontroler/outputs' });
    expect(pod.spec!.volumes).toContainEqual({ name: 'kontroler-outputs', emptyDir: {} });
    expect(pod.status!.containerStatuses![0]!.state!.terminated!.message).toMatch(/^kontroler-outputs v1\n/);
  });

  it('fails a task whose outputs pass the 4096-byte termination message with OutputTooLarge, never truncated', async () => {
    const ns = await plane().createNamespace('outputs-big');
    plane().node.script('huge', { runOnHost: true }, { namespace: ns });
    const outcome = await runtime(ns).execute(
      attemptContext(dag, 'huge', { namespace: ns, runId: 'run-big' }),
    );
    expect(outcome).toMatchObject({
      status: 'failed',
      exitCode: 0,
      reason: 'OutputTooLarge',
      nonRetryable: true,
      message: expect.stringContaining('"blob" 5000 bytes'),
    });
    expect(outcome.outputs).toBeUndefined();
  });

  it("keeps a failed task's own termination message as the failure message, with no outputs", async () => {
    const ns = await plane().createNamespace('outputs-fail');
    // As a kubelet reports it: the exit code and the message the task wrote (the wrapper leaves it alone
    // after a failure, see pod-outputs.test.ts).
    plane().node.script('fails', { exitCode: 4, terminationMessage: 'bad input\n' }, { namespace: ns });
    const outcome = await runtime(ns).execute(
      attemptContext(dag, 'fails', { namespace: ns, runId: 'run-f' }),
    );
    expect(outcome).toMatchObject({ status: 'failed', exitCode: 4, reason: 'Error', message: 'bad input\n' });
    expect(outcome.outputs).toBeUndefined();
  });

  it('reads a termination message set the way a kubelet sets it (scripted node)', async () => {
    const ns = await plane().createNamespace('outputs-scripted');
    plane().node.script(
      'scripted',
      { terminationMessage: (pod) => encodePodOutputs({ n: JSON.stringify(pod.metadata?.name?.length) }) },
      { namespace: ns },
    );
    const outcome = await runtime(ns).execute(
      attemptContext(dag, 'scripted', { namespace: ns, runId: 'run-s' }),
    );
    expect(outcome.outputs).toEqual({ n: podName('run-s', 'scripted', 1).length });
  });
});
