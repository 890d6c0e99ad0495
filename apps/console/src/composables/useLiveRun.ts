import { onBeforeUnmount, ref, watch, type Ref } from 'vue';
import { api } from '../api';
import { toEngineEvent, useRunsStore } from '../stores/runs';

export type LiveStatus = 'connecting' | 'open' | 'reconnecting' | 'closed';

/**
 * Follows engine events over SSE (`/api/v1/events`, narrowed by `?runId=` when a run id is given)
 * and applies them to the runs store. Reconnects with `Last-Event-ID`. Each time the stream opens (the
 * first time too) the open run is re-read: events from before the stream was open (between the page's first
 * read and the subscription, or while offline) are in that read, and everything after arrives on the stream.
 */
export function useLiveRun(runId: Ref<string | null> | null) {
  const store = useRunsStore();
  const status = ref<LiveStatus>('closed');
  let controller: AbortController | null = null;

  function start(id: string | null): void {
    stop();
    const ctl = new AbortController();
    controller = ctl;
    status.value = 'connecting';
    void api.client
      .stream(api.eventsPath, {
        query: id ? { runId: id } : undefined,
        signal: ctl.signal,
        lastEventId: null,
        onMessage: (msg) => {
          const ev = toEngineEvent(msg);
          if (ev) store.applyEvent(ev);
        },
        onStatus: (s) => {
          if (ctl.signal.aborted) return;
          status.value = s;
          if (s === 'open' && id) void store.open(id).catch(() => undefined);
        },
      })
      .catch(() => {
        if (!ctl.signal.aborted) status.value = 'closed';
      });
  }

  function stop(): void {
    controller?.abort();
    controller = null;
    status.value = 'closed';
  }

  if (runId) watch(runId, (id) => (id ? start(id) : stop()), { immediate: true });
  else start(null);
  onBeforeUnmount(stop);

  return { status, stop };
}
