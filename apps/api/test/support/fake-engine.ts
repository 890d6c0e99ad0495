/**
 * A small engine for API tests: it stores DAGs and runs through the real store and emits the real events,
 * but executes nothing, so tests control every state. The real engine is exercised by the start smoke test.
 */
import { createHash, randomUUID } from 'node:crypto';
import {
  canonicalJson,
  EngineEventBus,
  Errors,
  TERMINAL_RUN_STATES,
  validateDag,
  type AttemptRecord,
  type DagSpec,
  type ParameterValue,
  type RunRecord,
  type Store,
} from '@kontroler/core';
import type { ApiEngine } from '../../src/types.js';

export interface FakeEngine extends ApiEngine {
  /** Moves a run (and optionally its attempts) to a state, emitting the matching events. */
  finish(runId: string, state: 'succeeded' | 'failed'): Promise<RunRecord>;
}

export function createFakeEngine(store: Store, now: () => number = Date.now): FakeEngine {
  const events = new EngineEventBus();

  async function mustRun(runId: string): Promise<RunRecord> {
    const run = await store.getRun(runId);
    if (!run) throw Errors.runNotFound(runId);
    return run;
  }

  async function move(run: RunRecord, change: Partial<RunRecord>): Promise<RunRecord> {
    const result = await store.commitRun({ runId: run.id, expectRevision: run.revision, run: change });
    if (!result.ok) throw Errors.conflict('run', run.id);
    return mustRun(run.id);
  }

  return {
    events,
    async registerDag(doc, options) {
      const result = validateDag(doc);
      if (!result.ok) throw Errors.dagInvalid(result.errors);
      const spec = result.dag.spec as DagSpec;
      const hash = createHash('sha256').update(canonicalJson(spec)).digest('hex');
      const saved = await store.putDagVersion({
        name: spec.name,
        namespace: spec.namespace ?? 'default',
        spec,
        hash,
        now: now(),
        createdBy: options?.createdBy ?? null,
      });
      events.emit('dag.registered', saved);
      return saved;
    },
    async submit(dagName, parameters = {}, options = {}) {
      const dag = await store.getDag(dagName);
      if (!dag || dag.deletedAt !== null) throw Errors.dagNotFound(dagName);
      const version = await store.getDagVersion(dagName, dag.latestVersion);
      if (!version) throw Errors.dagNotFound(dagName);
      const declared = new Map((version.spec.parameters ?? []).map((p) => [p.name, p]));
      const values: Record<string, ParameterValue> = {};
      for (const [name, value] of Object.entries(parameters)) {
        if (!declared.has(name))
          throw Errors.parameterInvalid(name, 'unknown', `unknown parameter "${name}"`);
        values[name] = typeof value === 'string' ? { value } : value;
      }
      for (const [name, p] of declared) {
        if (values[name]) continue;
        if (p.defaultValue !== undefined) values[name] = { value: p.defaultValue };
        else if (p.defaultFromSecret !== undefined) values[name] = { fromSecret: p.defaultFromSecret };
        else throw Errors.parameterInvalid(name, 'required', `parameter "${name}" is required`);
      }
      const t = now();
      const run: RunRecord = {
        id: randomUUID(),
        dagName,
        namespace: dag.namespace,
        dagVersion: version.version,
        state: 'pending',
        parameters: values,
        trigger: options.trigger ?? 'api',
        revision: 0,
        round: 1,
        cancelRequested: false,
        createdAt: t,
        startedAt: null,
        finishedAt: null,
        reason: null,
        idempotencyKey: options.idempotencyKey ?? null,
        scheduledFor: null,
        labels: {},
      };
      const attempts: AttemptRecord[] = version.spec.tasks.map((task) => ({
        id: randomUUID(),
        runId: run.id,
        taskName: task.name,
        attempt: 1,
        round: 1,
        state: 'waiting',
        exitCode: null,
        reason: null,
        message: null,
        createdAt: t,
        availableAt: null,
        startedAt: null,
        finishedAt: null,
        leaseOwner: null,
        leaseExpiresAt: null,
        runtime: null,
        nonRetryable: false,
        retryAfterMs: null,
      }));
      const created = await store.createRun({ run, attempts });
      if (created.created) events.emit('run.created', { run: created.run });
      return created.run;
    },
    async cancel(runId) {
      const run = await mustRun(runId);
      if (TERMINAL_RUN_STATES.has(run.state)) throw Errors.runFinished(runId, run.state);
      const t = now();
      const moved = await move(run, {
        state: 'canceled',
        cancelRequested: true,
        finishedAt: t,
        startedAt: run.startedAt ?? t,
        reason: 'Canceled',
      });
      events.emit('run.finished', { run: moved });
      return moved;
    },
    async retry(runId) {
      const run = await mustRun(runId);
      if (run.state !== 'failed' && run.state !== 'canceled') throw Errors.runNotRetryable(runId, run.state);
      const moved = await move(run, {
        state: 'running',
        finishedAt: null,
        round: run.round + 1,
        reason: null,
      });
      events.emit('run.retried', { run: moved });
      return moved;
    },
    async finish(runId, state) {
      let run = await mustRun(runId);
      const t = now();
      if (run.state === 'pending') {
        run = await move(run, { state: 'running', startedAt: t });
        events.emit('run.started', { run });
      }
      run = await move(run, {
        state,
        finishedAt: t + 5,
        reason: state === 'failed' ? 'TaskFailed' : 'Completed',
      });
      events.emit('run.finished', { run });
      return run;
    },
  };
}
