/**
 * The events a commit causes, derived purely from what it recorded and the snapshot after it. The same
 * list feeds the notifiers' outbox messages and the run event journal (inside the commit) and the event bus
 * (after it); task events are always built, since the journal records every run event.
 */
import type { CompiledDag } from '../dag/compiled.js';
import { attemptIn } from '../model/attempt-positions.js';
import type { AttemptRecord, RunSnapshot } from '../model/records.js';
import type { Decision } from '../planner/decisions.js';
import type { NotifiableEvent } from '../plugins/types.js';
import { approvalRequest } from './approvals.js';

/**
 * @param recorded ids of attempts whose outcome the commit recorded
 * @param added the attempts the commit created, in decision order (retries)
 * @param dag the run's DAG version (an approval event carries the task's `approval` settings)
 */
export function commitEvents(
  after: RunSnapshot,
  recorded: readonly string[],
  decisions: readonly Decision[],
  added: readonly AttemptRecord[],
  dag: CompiledDag,
): NotifiableEvent[] {
  const run = after.run;
  // The few attempts the events name, found through the list's position index (no pass over the run).
  const find = (id: string): AttemptRecord | undefined => attemptIn(after.attempts, id);

  const events: NotifiableEvent[] = [];
  // One pass over the decisions, allocating only for retries: this runs on every commit.
  let retried: Set<string> | undefined;
  let started = false;
  for (const d of decisions) {
    if (d.kind === 'retry') (retried ??= new Set()).add(d.failedAttemptId);
    else if (d.kind === 'start-run') started = true;
  }
  if (started) events.push({ name: 'run.started', payload: { run } });
  for (const id of recorded) {
    const attempt = find(id);
    if (attempt === undefined) continue;
    if (attempt.state === 'succeeded') events.push({ name: 'task.succeeded', payload: { run, attempt } });
    else if (attempt.state === 'canceled') events.push({ name: 'task.canceled', payload: { run, attempt } });
    else
      events.push({ name: 'task.failed', payload: { run, attempt, willRetry: retried?.has(id) === true } });
  }
  // Retries and fan-out/exit-handler attempts share `added`, in decision order.
  let addedIndex = 0;
  let finished = false;
  for (const d of decisions) {
    switch (d.kind) {
      case 'ready':
      case 'skip':
      case 'cancel': {
        const attempt = find(d.attemptId);
        if (attempt === undefined) break;
        const name = d.kind === 'ready' ? 'task.ready' : d.kind === 'skip' ? 'task.skipped' : 'task.canceled';
        events.push({ name, payload: { run, attempt } });
        break;
      }
      case 'await': {
        const attempt = find(d.attemptId);
        const spec = (dag.tasks.get(d.task) ?? dag.onExit?.get(d.task))?.spec.approval;
        if (attempt === undefined || spec === undefined) break;
        const approval = approvalRequest(spec);
        events.push({
          name: 'task.awaitingApproval',
          payload: { run, attempt, timeoutAt: d.until, approval },
        });
        break;
      }
      case 'add':
        addedIndex += d.attempts.length;
        break;
      case 'fail':
      case 'settle': {
        const attempt = find(d.attemptId);
        if (attempt === undefined) break;
        if (attempt.state === 'succeeded') events.push({ name: 'task.succeeded', payload: { run, attempt } });
        else if (attempt.state === 'skipped')
          events.push({ name: 'task.skipped', payload: { run, attempt } });
        else events.push({ name: 'task.failed', payload: { run, attempt, willRetry: false } });
        break;
      }
      case 'retry': {
        const attempt = added[addedIndex++];
        if (attempt !== undefined)
          events.push({ name: 'task.retrying', payload: { run, attempt, retryAt: d.retryAt } });
        break;
      }
      case 'finish-run':
        finished = true;
        break;
      case 'start-run':
      case 'abort':
        break;
    }
  }
  if (finished) events.push({ name: 'run.finished', payload: { run } });
  return events;
}
