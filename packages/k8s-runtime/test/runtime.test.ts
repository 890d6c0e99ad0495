import { afterEach, expect, it } from 'vitest';
import type { TaskOutcome } from '@kontroler/core';
import type { V1Pod, V1PodList } from '@kubernetes/client-node';
import {
  createPodRuntime,
  KubeApiError,
  podName,
  type PodRuntime,
  type PodRuntimeOptions,
} from '@kontroler/k8s-runtime';
import { makeKubeConfig } from '@kontroler/k8s-runtime/testing';
import { startApiFilter } from './api-filter.js';
import { startApiGate } from './api-gate.js';
import { attemptContext, compile } from './attempt.js';
import { describeK8s, eventually } from './helpers.js';

const diamond = compile({
  name: 'diamond',
  tasks: [
    { name: 'a', image: 'alpine', script: 'echo a' },
    { name: 'b', image: 'alpine', script: 'echo b', runAfter: ['a'] },
    { name: 'c', image: 'alpine', script: 'echo c', runAfter: ['a'] },
    { name: 'd', image: 'alpine', script: 'echo d', runAfter: ['b', 'c'] },
  ],
});

const single = (extra: object = {}) =>
  compile({ name: 'single', tasks: [{ name: 'work', image: 'alpine', script: 'echo hi', ...extra }] });

describeK8s('pod runtime (restricted client)', (plane) => {
  const runtimes: PodRuntime[] = [];
  const runtime = (namespace: string, options: Partial<PodRuntimeOptions> = {}) => {
    const r = createPodRuntime({ kubeConfig: plane().restrictedKubeConfig, namespace, ...options });
    runtimes.push(r);
    return r;
  };
  afterEach(async () => {
    await Promise.all(runtimes.splice(0).map((r) => r.close?.()));
  });
  const podsOf = async (ns: string, selector: string) =>
    (
      await plane().admin.request<V1PodList>('GET', `/api/v1/namespaces/${ns}/pods`, {
        query: { labelSelector: selector },
      })
    ).items;
  const gone = async (ns: string, name: string) => {
    try {
      await plane().admin.request('GET', `/api/v1/namespaces/${ns}/pods/${name}`);
      return false;
    } catch (error) {
      return KubeApiError.is(error, 404);
    }
  };

  it('runs a diamond a → {b, c} → d, one pod per task, and deletes each pod once its outcome is recorded', async () => {
    // Simulated: binding, Running → Succeeded(0), logs, terminal pods deleted at once.
    const ns = await plane().createNamespace('diamond');
    const node = plane().node;
    for (const t of ['a', 'b', 'c', 'd'])
      node.script(t, { logs: [`hello from ${t}`], afterMs: 50 }, { namespace: ns });
    const rt = runtime(ns);
    const runId = 'run-diamond';
    const outcomes = new Map<string, TaskOutcome>();
    const logs = new Map<string, string[]>();
    // A tiny planner: start every task whose parents succeeded, until all are done.
    const pending = new Set(diamond.order);
    while (pending.size > 0) {
      const ready = [...pending].filter((t) =>
        diamond.tasks.get(t)!.runAfter.every((p) => outcomes.get(p)?.status === 'succeeded'),
      );
      expect(ready.length).toBeGreaterThan(0);
      await Promise.all(
        ready.map(async (t) => {
          pending.delete(t);
          const ctx = attemptContext(diamond, t, { namespace: ns, runId });
          const outcome = await rt.execute(ctx);
          outcomes.set(t, outcome);
          // Until the engine has recorded the outcome, the pod stays for a worker that might adopt it.
          expect(await podsOf(ns, `kontroler.greedykomodo/task=${t}`)).toHaveLength(1);
          await rt.outcomeRecorded?.(ctx, outcome);
          logs.set(
            t,
            ctx.lines.map((l) => l.line),
          );
        }),
      );
    }
    expect([...outcomes.values()].every((o) => o.status === 'succeeded' && o.exitCode === 0)).toBe(true);
    expect(logs.get('d')).toEqual(['hello from d']);
    expect(rt.created).toBe(4);
    await eventually(
      'pods deleted',
      async () => (await podsOf(ns, `kontroler.greedykomodo/run=${runId}`)).length === 0,
    );
  });

  it('reports the scripted exit code, and the retry on that code runs a second pod that succeeds', async () => {
    // Simulated: first pod of the task exits 2, the next exits 0.
    const ns = await plane().createNamespace('retry');
    const dag = single({ backoff: { limit: 2 }, conditional: { enabled: true, retryCodes: [2] } });
    plane().node.script('work', { exitCode: 2, logs: ['boom'] }, { times: 1, namespace: ns });
    const rt = runtime(ns);
    const task = dag.tasks.get('work')!;
    const results: TaskOutcome[] = [];
    for (let attempt = 1; attempt <= task.backoffLimit + 1; attempt++) {
      const outcome = await rt.execute(
        attemptContext(dag, 'work', { namespace: ns, runId: 'run-retry', attempt }),
      );
      results.push(outcome);
      const retry =
        outcome.status === 'failed' &&
        outcome.exitCode !== null &&
        (task.retryCodes?.has(outcome.exitCode) ?? true);
      if (!retry) break;
    }
    expect(results).toMatchObject([
      { status: 'failed', exitCode: 2, reason: 'Error' },
      { status: 'succeeded', exitCode: 0, reason: 'Completed' },
    ]);
    expect(rt.created).toBe(2);
  });

  it('maps OOMKilled, Evicted, image pull errors and a pod deleted by someone else to distinct reasons', async () => {
    // Simulated: OOMKilled termination, eviction, ErrImagePull/ImagePullBackOff, a foreign DELETE.
    const ns = await plane().createNamespace('failures');
    const node = plane().node;
    const dag = compile({
      name: 'failures',
      tasks: ['oom', 'evict', 'pull', 'victim'].map((name) => ({ name, image: 'alpine', script: 'true' })),
    });
    node.script('oom', { reason: 'OOMKilled', afterMs: 20 }, { namespace: ns });
    node.script('evict', { reason: 'Evicted', afterMs: 20 }, { namespace: ns });
    node.script('pull', { imagePullError: true }, { namespace: ns });
    node.script('victim', { afterMs: Number.POSITIVE_INFINITY }, { namespace: ns });
    const rt = runtime(ns, { imagePullDeadlineMs: 500 });
    const contexts = new Map<string, ReturnType<typeof attemptContext>>();
    const run = (t: string) => {
      const ctx = attemptContext(dag, t, { namespace: ns, runId: 'run-f' });
      contexts.set(t, ctx);
      return rt.execute(ctx);
    };
    const victim = run('victim');
    const victimPod = podName('run-f', 'victim', 1);
    await eventually('victim running', async () => {
      const [pod] = await podsOf(ns, 'kontroler.greedykomodo/task=victim');
      return pod?.status?.phase === 'Running';
    });
    await plane().admin.request('DELETE', `/api/v1/namespaces/${ns}/pods/${victimPod}`);
    const [oom, evict, pull, deleted] = await Promise.all([run('oom'), run('evict'), run('pull'), victim]);
    expect(oom).toMatchObject({ status: 'failed', exitCode: 137, reason: 'OOMKilled' });
    expect(evict).toMatchObject({ status: 'failed', reason: 'Evicted' });
    expect(pull).toMatchObject({
      status: 'failed',
      exitCode: null,
      reason: 'ImagePullError',
      failureKind: 'start',
    });
    // Regression (issue 15): the log of an attempt whose image could not be pulled held no trace of it.
    expect(
      contexts
        .get('pull')
        ?.lines.filter((l) => l.stream === 'system')
        .map((l) => l.line),
    ).toEqual([expect.stringMatching(/^ImagePullError: (ErrImagePull|ImagePullBackOff) for \d+s/)]);
    expect(deleted).toMatchObject({ status: 'failed', reason: 'PodDeleted' });
    // The stuck pod was deleted by the runtime.
    await eventually('pull pod deleted', () => gone(ns, podName('run-f', 'pull', 1)));
  });

  it('times out through the pod deadline and through the abort signal, and cancels by deleting the pod', async () => {
    // Simulated: the kubelet enforcing activeDeadlineSeconds (DeadlineExceeded); graceful deletion.
    const ns = await plane().createNamespace('timeout');
    const node = plane().node;
    node.script('work', { afterMs: 60_000 }, { namespace: ns });
    const rt = runtime(ns);
    const deadlineDag = single({ podTemplate: { activeDeadlineSeconds: 1 } });
    const byDeadline = await rt.execute(
      attemptContext(deadlineDag, 'work', { namespace: ns, runId: 'run-deadline' }),
    );
    expect(byDeadline).toMatchObject({ status: 'failed', reason: 'Timeout' });

    const dag = single();
    const timeout = await rt.execute(
      attemptContext(dag, 'work', { namespace: ns, runId: 'run-signal', signal: AbortSignal.timeout(500) }),
    );
    expect(timeout).toMatchObject({ status: 'failed', exitCode: null, reason: 'Timeout' });
    await eventually('timed-out pod deleted', () => gone(ns, podName('run-signal', 'work', 1)));

    const cancel = new AbortController();
    const canceled = rt.execute(
      attemptContext(dag, 'work', { namespace: ns, runId: 'run-cancel', signal: cancel.signal }),
    );
    await eventually(
      'running',
      async () => (await podsOf(ns, 'kontroler.greedykomodo/run=run-cancel'))[0]?.status?.phase === 'Running',
    );
    cancel.abort('canceled by user');
    expect(await canceled).toMatchObject({ status: 'failed', reason: 'Canceled' });
    await eventually('canceled pod deleted', () => gone(ns, podName('run-cancel', 'work', 1)));
  });

  it('streams logs into ctx.log while the pod runs; pods/log shows the same lines', async () => {
    // Simulated: lines written over 600 ms, served with follow and timestamps.
    const ns = await plane().createNamespace('logs');
    const lines = Array.from({ length: 6 }, (_, i) => `line ${i + 1}`);
    plane().node.script('work', { logs: lines, afterMs: 600 }, { namespace: ns });
    const rt = runtime(ns, { podTtlMs: -1 });
    const ctx = attemptContext(single(), 'work', { namespace: ns, runId: 'run-logs' });
    const outcome = rt.execute(ctx);
    // A line arrives before the pod finished: streamed, not fetched at the end.
    await eventually('first line', () => ctx.lines.length > 0);
    const [podDuring] = await podsOf(ns, 'kontroler.greedykomodo/run=run-logs');
    expect(podDuring?.status?.phase).toBe('Running');
    expect(await outcome).toMatchObject({ status: 'succeeded' });
    expect(ctx.lines.map((l) => l.line)).toEqual(lines);
    expect(ctx.lines.every((l) => l.stream === 'stdout' && l.ts > 0)).toBe(true);
    const text = await plane().admin.request<string>(
      'GET',
      `/api/v1/namespaces/${ns}/pods/${podName('run-logs', 'work', 1)}/log`,
    );
    expect(text).toBe(lines.map((l) => `${l}\n`).join(''));
  });

  it('follows at most maxLogFollows logs live; a pod that ends while waiting has its whole log read at the end', async () => {
    // Simulated: two pods writing lines over 3 s and 600 ms, served with follow and timestamps.
    const ns = await plane().createNamespace('follows');
    const slow = ['slow 1', 'slow 2', 'slow 3'];
    const fast = ['fast 1', 'fast 2', 'fast 3'];
    plane().node.script('slow', { logs: slow, afterMs: 3000 }, { namespace: ns });
    plane().node.script('fast', { logs: fast, afterMs: 600 }, { namespace: ns });
    const dag = compile({
      name: 'two',
      tasks: [
        { name: 'slow', image: 'alpine', script: 'true' },
        { name: 'fast', image: 'alpine', script: 'true' },
      ],
    });
    const rt = runtime(ns, { maxLogFollows: 1 });
    const slowCtx = attemptContext(dag, 'slow', { namespace: ns, runId: 'run-follows' });
    const slowDone = rt.execute(slowCtx);
    await eventually('the slow pod streams', () => slowCtx.lines.length > 0);
    const fastCtx = attemptContext(dag, 'fast', { namespace: ns, runId: 'run-follows' });
    const fastDone = rt.execute(fastCtx);
    await eventually('the fast pod waits for a follow', () => rt.logFollows.waiting === 1);
    expect(rt.logFollows.active).toBe(1);
    const [fastPod] = await podsOf(ns, 'kontroler.greedykomodo/task=fast');
    expect(fastPod?.status?.phase).toBe('Running');
    expect(fastCtx.lines).toHaveLength(0);

    // The fast pod ends first: its log is read in one go, complete, while the slow one still streams.
    expect(await fastDone).toMatchObject({ status: 'succeeded' });
    expect(fastCtx.lines.map((l) => l.line)).toEqual(fast);
    expect(slowCtx.lines.length).toBeLessThan(slow.length);
    expect(await slowDone).toMatchObject({ status: 'succeeded' });
    expect(slowCtx.lines.map((l) => l.line)).toEqual(slow);
    expect(rt.logFollows).toEqual({ active: 0, waiting: 0 });
  });

  // A chaos run on a busy machine: the apiserver's restart outlasted the client's own retries, the pod create
  // failed with "connect ECONNREFUSED", and a task without retries failed its run for it.
  it.each<[when: string, warm: boolean, line: string, pods: number]>([
    // The pod watch is up before the apiserver goes away, as in a controller that has run pods before.
    ['it creates the pod', true, 'PodCreatePending: ', 2],
    // Away before this runtime ever listed the namespace's pods.
    ["a namespace's first attempt starts the pod watch", false, 'PodWatchPending: ', 1],
  ])(
    'waits for an apiserver that does not answer when %s, instead of failing the attempt',
    async (_, warm, line, pods) => {
      const ns = await plane().createNamespace('unanswered');
      plane().node.script('work', { logs: ['ran'] }, { namespace: ns });
      const gate = await startApiGate(plane().connection.url);
      const { caData, controllerToken } = plane().connection;
      const rt = runtime(ns, { kubeConfig: makeKubeConfig(gate.url, caData, 'controller', controllerToken) });
      try {
        if (warm) {
          const warm = attemptContext(single(), 'work', { namespace: ns, runId: 'run-warm' });
          expect(await rt.execute(warm)).toMatchObject({ status: 'succeeded' });
        }
        gate.close();
        const ctx = attemptContext(single(), 'work', { namespace: ns, runId: 'run-unanswered' });
        const outcome = rt.execute(ctx);
        // Past the client's own retries, the attempt says that it waits for the apiserver.
        await eventually(
          'the attempt to wait for the apiserver',
          () => ctx.lines.some((l) => l.stream === 'system' && l.line.startsWith(line)),
          30_000,
        );
        expect(await podsOf(ns, 'kontroler.greedykomodo/run=run-unanswered')).toEqual([]);
        gate.open();
        expect(await outcome).toMatchObject({ status: 'succeeded', exitCode: 0 });
        expect(ctx.lines.filter((l) => l.stream === 'stdout').map((l) => l.line)).toEqual(['ran']);
        expect(rt.created).toBe(pods);
      } finally {
        await gate.stop();
      }
    },
    60_000,
  );

  it('waits while a starting apiserver refuses everything, /readyz too, but fails at once on a real refusal', async () => {
    const ns = await plane().createNamespace('unsettled');
    plane().node.script('work', { logs: ['ran'] }, { namespace: ns });
    // A restarted kube-apiserver answers 403 to every request until its authorizer's caches have synced.
    let refuse: 'everything' | 'pod creates' | 'nothing' = 'nothing';
    const { caData, controllerToken } = plane().connection;
    const filter = await startApiFilter(plane().connection.url, caData, (method, path) => {
      if (refuse === 'everything') return 403;
      return refuse === 'pod creates' && method === 'POST' && path.endsWith('/pods') ? 403 : undefined;
    });
    // Plain HTTP to the filter; the filter verifies the apiserver.
    const rt = runtime(ns, { kubeConfig: makeKubeConfig(filter.url, caData, 'controller', controllerToken) });
    try {
      const warm = attemptContext(single(), 'work', { namespace: ns, runId: 'run-warm' });
      expect(await rt.execute(warm)).toMatchObject({ status: 'succeeded' });

      refuse = 'everything';
      const ctx = attemptContext(single(), 'work', { namespace: ns, runId: 'run-unsettled' });
      const outcome = rt.execute(ctx);
      await eventually(
        'the attempt to wait for the apiserver',
        () => ctx.lines.some((l) => l.stream === 'system' && l.line.startsWith('PodCreatePending: ')),
        30_000,
      );
      refuse = 'nothing';
      expect(await outcome).toMatchObject({ status: 'succeeded', exitCode: 0 });

      // /readyz answers: the apiserver is settled, and its 403 is a verdict on the pod.
      refuse = 'pod creates';
      const denied = attemptContext(single(), 'work', { namespace: ns, runId: 'run-denied' });
      expect(await rt.execute(denied)).toMatchObject({
        status: 'failed',
        reason: 'PodCreateFailed',
        failureKind: 'start',
      });
      expect(rt.created).toBe(2);
    } finally {
      await filter.stop();
    }
  }, 60_000);

  it('asks about a pod its watch never delivers less and less often, and fails the attempt as Lost once it is gone', async () => {
    const ns = await plane().createNamespace('unseen');
    plane().node.script('work', { afterMs: 60_000 }, { namespace: ns });
    const { caData, controllerToken } = plane().connection;
    const checks: number[] = [];
    // The pod watch answers and then stays silent: the pod is created but never delivered.
    const filter = await startApiFilter(plane().connection.url, caData, (method, path) => {
      const [route = '', query = ''] = path.split('?');
      if (method !== 'GET' || !route.startsWith(`/api/v1/namespaces/${ns}/pods`)) return undefined;
      if (query.includes('watch=1')) return 'silence';
      if (route.startsWith(`/api/v1/namespaces/${ns}/pods/`)) checks.push(Date.now());
      return undefined;
    });
    const rt = runtime(ns, {
      kubeConfig: makeKubeConfig(filter.url, caData, 'controller', controllerToken),
      lostPodCheckMs: 200,
    });
    try {
      const ctx = attemptContext(single(), 'work', { namespace: ns, runId: 'run-unseen' });
      const outcome = rt.execute(ctx);
      await eventually('three direct checks of the pod', () => checks.length >= 3, 20_000);
      const [first = 0, second = 0, third = 0] = checks;
      // 200 ms, then 400 ms, then 800 ms between checks: every 200 ms would make two gaps of ~400 ms.
      expect(third - first).toBeGreaterThanOrEqual(1000);
      const [pod] = await podsOf(ns, 'kontroler.greedykomodo/run=run-unseen');
      expect(pod?.status?.phase).toBe('Running');
      expect(second - first).toBeGreaterThanOrEqual(300);

      await plane().admin.request('DELETE', `/api/v1/namespaces/${ns}/pods/${pod?.metadata?.name}`, {
        query: { gracePeriodSeconds: 0 },
      });
      expect(await outcome).toMatchObject({
        status: 'failed',
        reason: 'Lost',
        message: `pod ${pod?.metadata?.name} disappeared`,
      });
      expect(checks.length).toBeGreaterThanOrEqual(4);
    } finally {
      await filter.stop();
    }
  }, 60_000);

  it('adopts the pod of an attempt a previous instance started: one pod, never a twin', async () => {
    // Simulated: a pod that runs 1.5 s; the "crashed" runtime is simply abandoned.
    const ns = await plane().createNamespace('adopt');
    plane().node.script('work', { afterMs: 1500, logs: ['working'] }, { namespace: ns });
    const dag = single();
    const first = runtime(ns);
    const ctx1 = attemptContext(dag, 'work', { namespace: ns, runId: 'run-adopt' });
    void first.execute(ctx1);
    await eventually(
      'running',
      async () => (await podsOf(ns, 'kontroler.greedykomodo/run=run-adopt'))[0]?.status?.phase === 'Running',
    );
    const second = runtime(ns);
    const ctx2 = attemptContext(dag, 'work', {
      namespace: ns,
      runId: 'run-adopt',
      attemptId: ctx1.attemptId,
      reclaimed: true,
    });
    const outcome = await second.execute(ctx2);
    expect(outcome).toMatchObject({ status: 'succeeded', exitCode: 0 });
    expect(first.created + second.created).toBe(1);
    expect(second.adopted).toBe(1);
    expect(plane().node.started.filter((p) => p.startsWith(`${ns}/`))).toHaveLength(1);
    expect(ctx2.lines.map((l) => l.line)).toContain('working');
  });

  it('resumes the log of an adopted pod after the lines the earlier worker stored', async () => {
    // Simulated: a pod writing six lines over 3 s, served with follow and timestamps.
    const ns = await plane().createNamespace('resume-log');
    const all = Array.from({ length: 6 }, (_, i) => `line ${i + 1}`);
    plane().node.script('work', { afterMs: 3000, logs: all }, { namespace: ns });
    const dag = single();
    const first = runtime(ns);
    const ctx1 = attemptContext(dag, 'work', { namespace: ns, runId: 'run-resume' });
    void first.execute(ctx1); // this worker "crashes": abandoned, never told
    await eventually('two lines stored', () => ctx1.lines.length >= 2);
    const stored = ctx1.lines.slice();
    const lastTs = stored[stored.length - 1]!.ts;
    const second = runtime(ns);
    const ctx2 = attemptContext(dag, 'work', {
      namespace: ns,
      runId: 'run-resume',
      attemptId: ctx1.attemptId,
      reclaimed: true,
      resumeLog: { afterTs: lastTs, atTs: stored.filter((l) => l.ts === lastTs).length },
    });
    expect(await second.execute(ctx2)).toMatchObject({ status: 'succeeded' });
    const resumed = ctx2.lines.filter((l) => l.stream === 'stdout').map((l) => l.line);
    // Every line exactly once across the two workers.
    expect([...stored.map((l) => l.line), ...resumed]).toEqual(all);
  });

  it('leaves the pod running when the engine lost the attempt, for the worker that adopts it', async () => {
    // Simulated: a pod that runs 1.5 s.
    const ns = await plane().createNamespace('lost');
    plane().node.script('work', { afterMs: 1500, logs: ['working'] }, { namespace: ns });
    const dag = single();
    const first = runtime(ns);
    const lost = new AbortController();
    const ctx1 = attemptContext(dag, 'work', { namespace: ns, runId: 'run-lost', signal: lost.signal });
    const firstOutcome = first.execute(ctx1);
    await eventually(
      'running',
      async () => (await podsOf(ns, 'kontroler.greedykomodo/run=run-lost'))[0]?.status?.phase === 'Running',
    );
    lost.abort('Lost'); // what the engine does when its lease on the attempt expired
    expect(await firstOutcome).toMatchObject({ status: 'failed', reason: 'Lost' });
    const [pod] = await podsOf(ns, 'kontroler.greedykomodo/run=run-lost');
    expect(pod?.status?.phase).toBe('Running');
    expect(pod?.metadata?.deletionTimestamp).toBeUndefined();

    const second = runtime(ns);
    const ctx2 = attemptContext(dag, 'work', {
      namespace: ns,
      runId: 'run-lost',
      attemptId: ctx1.attemptId,
      reclaimed: true,
    });
    expect(await second.execute(ctx2)).toMatchObject({ status: 'succeeded', exitCode: 0 });
    expect(second.adopted).toBe(1);
    expect(plane().node.started.filter((p) => p.startsWith(`${ns}/`))).toHaveLength(1);
  });

  it('keeps following a pod across an apiserver restart', async () => {
    // Simulated: a pod that runs 6 s while the apiserver restarts (etcd keeps the data).
    const ns = await plane().createNamespace('restart');
    plane().node.script('work', { afterMs: 6000, logs: ['before', 'after'] }, { namespace: ns });
    const rt = runtime(ns);
    const ctx = attemptContext(single(), 'work', { namespace: ns, runId: 'run-restart' });
    const outcome = rt.execute(ctx);
    await eventually(
      'running',
      async () =>
        (await podsOf(ns, 'kontroler.greedykomodo/run=run-restart'))[0]?.status?.phase === 'Running',
    );
    const t0 = Date.now();
    await plane().restartApiserver();
    const restartMs = Date.now() - t0;
    expect(await outcome).toMatchObject({ status: 'succeeded', exitCode: 0 });
    expect(ctx.lines.map((l) => l.line)).toEqual(['before', 'after']);
    expect(restartMs).toBeGreaterThan(0);
  }, 60_000);

  it('creates the run workspace PVC, mounts it in every task and removes it on cleanupRun', async () => {
    // Simulated: none beyond running pods (no volume binding happens: there is no PV controller).
    const ns = await plane().createNamespace('workspace');
    const dag = compile({
      name: 'ws',
      workspace: { enable: true },
      tasks: [{ name: 'work', image: 'alpine', script: 'true' }],
    });
    const rt = runtime(ns, { podTtlMs: -1 });
    expect(await rt.execute(attemptContext(dag, 'work', { namespace: ns, runId: 'run-ws' }))).toMatchObject({
      status: 'succeeded',
    });
    const pod = await plane().admin.request<V1Pod>(
      'GET',
      `/api/v1/namespaces/${ns}/pods/${podName('run-ws', 'work', 1)}`,
    );
    const claim = pod.spec?.volumes?.find((v) => v.name === 'workspace')?.persistentVolumeClaim?.claimName;
    expect(claim).toBeTruthy();
    expect(pod.spec?.containers[0]?.volumeMounts).toContainEqual({
      name: 'workspace',
      mountPath: '/workspace',
    });
    await plane().admin.request('GET', `/api/v1/namespaces/${ns}/persistentvolumeclaims/${claim}`);
    await rt.cleanupRun?.('run-ws');
    // pvc-protection keeps a deleted claim Terminating until a controller removes the finalizer; none runs here.
    await eventually('claim deleted', async () => {
      try {
        const pvc = await plane().admin.request<{ metadata: { deletionTimestamp?: string } }>(
          'GET',
          `/api/v1/namespaces/${ns}/persistentvolumeclaims/${claim}`,
        );
        return Boolean(pvc.metadata.deletionTimestamp);
      } catch (error) {
        return KubeApiError.is(error, 404);
      }
    });
    await eventually('pod removed by cleanupRun', () => gone(ns, podName('run-ws', 'work', 1)));
  });
});
