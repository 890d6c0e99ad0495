/**
 * The live task tree of a server run, from `GET /api/v1/events` (SSE). The client resumes with
 * `Last-Event-ID` after a dropped connection, so a watch misses nothing; the run's detail is read once the
 * stream is open, and events that arrived meanwhile are applied after it, older attempts ignored.
 */
import { levels } from '@kontroler/core';
import { unwrap, type Attempt, type RunDetail, type RunEvent } from '@kontroler/client';
import { createLiveView } from '../render/live-view.js';
import type { TaskChange, TaskViewState } from '../render/task-tree.js';
import { call, type Connection } from '../server/connect.js';
import type { CliIo } from '../io.js';

const TERMINAL = new Set(['succeeded', 'failed', 'canceled']);
const time = (iso: string | null): number | null => (iso === null ? null : Date.parse(iso));

function change(attempt: Attempt, state: TaskViewState = attempt.state): TaskChange {
  return {
    task: attempt.taskName,
    state,
    attempt: attempt.attempt,
    startedAt: time(attempt.startedAt),
    finishedAt: time(attempt.finishedAt),
    exitCode: attempt.exitCode,
    reason: attempt.reason,
  };
}

/** Draws the run until it finishes (or `io.signal` aborts); resolves with its final detail. */
export async function watchRun(
  io: CliIo,
  c: Connection,
  namespace: string,
  runId: string,
): Promise<RunDetail> {
  const read = () =>
    call(
      c,
      unwrap(
        c.client.GET('/api/v1/namespaces/{namespace}/runs/{id}', {
          params: { path: { namespace, id: runId } },
        }),
      ),
    );
  const first = await read();
  const rows = levels({ tasks: first.tasks }).flatMap((names, level) =>
    names.map((name) => ({ name, level })),
  );
  const view = createLiveView(io.stdout, { tasks: rows });
  const seen = new Map<string, number>();
  const apply = (attempt: Attempt, state?: TaskViewState) => {
    // An event of an attempt older than the one shown (replayed or late) changes nothing.
    if ((seen.get(attempt.taskName) ?? 0) > attempt.attempt) return;
    seen.set(attempt.taskName, attempt.attempt);
    view.task(change(attempt, state));
  };
  const latest = (detail: RunDetail) => {
    for (const a of [...detail.attempts].sort((x, y) => x.attempt - y.attempt)) apply(a);
  };
  latest(first);
  if (TERMINAL.has(first.run.state)) {
    view.close();
    return first;
  }
  const stop = new AbortController();
  const abort = () => stop.abort();
  io.signal?.addEventListener('abort', abort, { once: true });
  let ready = false;
  const early: RunEvent[] = [];
  const onEvent = (event: RunEvent) => {
    if (!ready) {
      early.push(event);
      return;
    }
    const { attempt } = event.data;
    if (event.event === 'run.finished') stop.abort();
    else if (attempt !== undefined && event.event !== 'task.failed') {
      apply(attempt, event.event === 'task.retrying' ? 'retrying' : undefined);
    } else if (attempt !== undefined && attempt.state === 'failed') apply(attempt);
  };
  const following = c.client.runEvents({
    runId,
    namespace,
    signal: stop.signal,
    onEvent,
    onStatus: (status) => {
      if (status !== 'open') return;
      // Open (or open again): what happened before is in the detail, what happens after comes as events. A
      // reconnection resumes with Last-Event-ID; reading the detail again also covers a server that could
      // not replay (and a run that finished while the connection was down).
      void read().then((detail) => {
        latest(detail);
        ready = true;
        early.splice(0).forEach(onEvent);
        if (TERMINAL.has(detail.run.state)) stop.abort();
      }, abort);
    },
    onReset: () => void read().then(latest, abort),
  });
  try {
    await following;
  } finally {
    io.signal?.removeEventListener('abort', abort);
    view.close();
  }
  return read();
}
