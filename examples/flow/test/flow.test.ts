/**
 * The example pipeline end to end on this host: the process runtime (each task an sh script) and the memory
 * store. The YAML manifest and the typed builder give the same DAG; three runs take the three paths —
 * everything loads, the condition skips load, and a failing fan-out instance fails the run while the
 * all_done task and the exit handler still run.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadManifest, validateDag, type DagSpec, type RunSnapshot } from '@kontroler/core';
import { flow } from '../src/flow-workflow.js';
import { describeRun, latestAttempts, runFlow, startFlowEngine, type FlowEngine } from '../src/run-flow.js';

const manifest = readFileSync(new URL('../flow.yaml', import.meta.url), 'utf8');

function yamlDag(): DagSpec {
  const loaded = loadManifest(manifest);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  const [document] = loaded.documents;
  if (document === undefined || !('dag' in document)) throw new Error('flow.yaml holds no DAG');
  return document.dag;
}

/** The latest attempt of each task: state, reason and outputs. */
function tasks(
  snapshot: RunSnapshot,
): Record<string, { state: string; reason: string | null; outputs?: unknown }> {
  return Object.fromEntries(
    [...latestAttempts(snapshot).values()].map((a) => [
      a.taskName,
      { state: a.state, reason: a.reason, ...(a.outputs ? { outputs: a.outputs } : {}) },
    ]),
  );
}

describe('examples/flow: the document', () => {
  it('is the same DAG written as YAML (Kontroler CRD form) and with the typed builder', () => {
    expect(flow.toDocument()).toEqual(yamlDag());
  });

  it('passes validation: every reference is upstream and declared, the condition type-checks', () => {
    const result = validateDag(yamlDag());
    expect(result.errors).toEqual([]);
    expect(result.ok).toBe(true);
  });
});

describe('examples/flow: runs with the process runtime and the memory store', () => {
  let dir: string;
  let running: FlowEngine;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kontroler-example-flow-'));
    running = await startFlowEngine({
      workDir: dir,
      timing: { initialDelayMs: 10, factor: 1, maxDelayMs: 10, jitter: 0 },
    });
  });
  afterAll(async () => {
    await running?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('passes the file list to one transform per file, their rows as a list to load, and notifies', async () => {
    const snapshot = await runFlow(running.engine);
    expect(snapshot.run.state, describeRun(snapshot).join('\n')).toBe('succeeded');
    const files = ['orders.csv', 'customers.csv', 'returns.csv'];
    expect(tasks(snapshot)).toEqual({
      extract: { state: 'succeeded', reason: 'Completed', outputs: { files } },
      'transform[0]': { state: 'succeeded', reason: 'Completed', outputs: { rows: 10 } },
      'transform[1]': { state: 'succeeded', reason: 'Completed', outputs: { rows: 13 } },
      'transform[2]': { state: 'succeeded', reason: 'Completed', outputs: { rows: 11 } },
      transform: { state: 'succeeded', reason: 'Completed', outputs: { rows: [10, 13, 11] } },
      load: { state: 'succeeded', reason: 'Completed', outputs: { loaded: 34 } },
      audit: { state: 'succeeded', reason: 'Completed', outputs: { verdict: 'transform succeeded' } },
      notify: {
        state: 'succeeded',
        reason: 'Completed',
        outputs: {
          message: `run ${snapshot.run.id} of flow: succeeded (failed: []) for ${JSON.stringify(files)}`,
        },
      },
    });
  });

  it('skips load with ConditionFalse when the target is "none", and the run still succeeds', async () => {
    const snapshot = await runFlow(running.engine, { target: 'none' });
    expect(snapshot.run.state).toBe('succeeded');
    const byTask = tasks(snapshot);
    expect(byTask.load).toEqual({ state: 'skipped', reason: 'ConditionFalse' });
    expect(byTask.audit?.outputs).toEqual({ verdict: 'transform succeeded' });
  });

  it('fails the run when one instance fails for good; audit (all_done) and notify still run and say so', async () => {
    const snapshot = await runFlow(running.engine, { failOn: 'customers.csv' });
    expect(snapshot.run.state).toBe('failed');
    const byTask = tasks(snapshot);
    expect(byTask['transform[1]']).toMatchObject({ state: 'failed', reason: 'Error' });
    // backoff.limit 1: the failing instance ran twice, the others once.
    expect(snapshot.attempts.filter((a) => a.taskName === 'transform[1]')).toHaveLength(2);
    expect(snapshot.attempts.filter((a) => a.taskName === 'transform[0]')).toHaveLength(1);
    expect(byTask['transform[2]']?.outputs).toEqual({ rows: 11 });
    expect(byTask.load).toEqual({ state: 'skipped', reason: 'UpstreamFailed' });
    expect(byTask.audit).toEqual({
      state: 'succeeded',
      reason: 'Completed',
      outputs: { verdict: 'transform failed' },
    });
    expect(byTask.notify?.state).toBe('succeeded');
    expect(byTask.notify?.outputs).toEqual({
      message: expect.stringMatching(/^run .* of flow: failed \(failed: \["transform"\]\) for \[/),
    });
  });
});
