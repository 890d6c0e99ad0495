import { onBeforeUnmount, ref, watch, type Ref } from 'vue';
import { api, type EngineEvent, type RunRef } from '../api';
import { frameBatch } from './frameBatch';
import { useRunsStore } from '../stores/runs';

export type LiveStatus = 'connecting' | 'open' | 'reconnecting' | 'closed';

/**
 * Follows engine events over SSE (`/api/v1/events`, narrowed to one run in its namespace when given)
 * and applies them to the runs store. Reconnects with `Last-Event-ID`. Each time the stream opens (the
 * first time too) the open run is re-read: events from before the stream was open (between the page's first
 * read and the subscription, or while offline) are in that read, and everything after arrives on the stream.
 */
export function useLiveRun(run: Ref<RunRef | null> | null) {
  const store = useRunsStore();
  const status = ref<LiveStatus>('closed');
  let controller: AbortController | null = null;
  // Events are applied once per frame; before a re-read, what waits is applied first, so the read's
  // answer (newer) lands on top of it and never under it.
  const events = frameBatch<EngineEvent>((batch) => store.applyEvents(batch));
  const reread = (ref: RunRef | null): void => {
    events.flush();
    if (ref) void store.open(ref).catch(() => undefined);
  };

  function start(ref: RunRef | null): void {
    stop();
    const ctl = new AbortController();
    controller = ctl;
    status.value = 'connecting';
    void api.client
      .runEvents({
        ...(ref ? { runId: ref.id, namespace: ref.namespace } : {}),
        signal: ctl.signal,
        lastEventId: null,
        onEvent: (ev) => events.push(ev),
        // The server no longer has what was missed: the open run is read again.
        onReset: () => reread(ref),
        onStatus: (s) => {
          if (ctl.signal.aborted) return;
          status.value = s;
          if (s === 'open') reread(ref);
        },
      })
      .catch(() => {
        if (!ctl.signal.aborted) status.value = 'closed';
      });
  }

  function stop(): void {
    events.cancel();
    controller?.abort();
    controller = null;
    status.value = 'closed';
  }

  if (run) watch(run, (ref) => (ref ? start(ref) : stop()), { immediate: true });
  else start(null);
  onBeforeUnmount(stop);

  return { status, stop };
}
