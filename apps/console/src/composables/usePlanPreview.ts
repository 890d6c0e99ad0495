import { onScopeDispose, ref, watch, type Ref } from 'vue';
import { api, type PlanPreview } from '../api';
import type { DagSpec } from '../dag/core';
import { errorMessage } from '../format';

/** How long the document must stay unchanged before its plan is asked for. */
const DEBOUNCE_MS = 300;

/**
 * The plan preview of the document being edited, from the server (`POST /dags/plan`), asked for again
 * (debounced, the previous request aborted) whenever the document changes while `ready()` holds; `note`
 * says why there is none.
 */
export function usePlanPreview(
  spec: () => DagSpec,
  ready: () => boolean,
): { preview: Ref<PlanPreview | null>; note: Ref<string | undefined> } {
  const preview = ref<PlanPreview | null>(null);
  const note = ref<string | undefined>('The plan appears once the DAG is valid.');
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inflight: AbortController | undefined;

  async function fetchPlan(doc: DagSpec): Promise<void> {
    inflight?.abort();
    const controller = new AbortController();
    inflight = controller;
    try {
      // An unnamed draft still has a plan: the name does not change it.
      const result = await api.dags.plan({ ...doc, name: doc.name || 'draft' }, controller.signal);
      if (controller.signal.aborted) return;
      preview.value = result.plan ?? null;
      note.value = result.plan ? undefined : 'The plan appears once the DAG is valid.';
    } catch (err) {
      if (controller.signal.aborted) return;
      preview.value = null;
      note.value = `No plan: ${errorMessage(err)}`;
    }
  }

  watch(
    () => (ready() ? JSON.stringify(spec()) : null),
    (text) => {
      clearTimeout(timer);
      if (text === null) {
        inflight?.abort();
        preview.value = null;
        note.value = 'The plan appears once the DAG is valid.';
        return;
      }
      timer = setTimeout(() => void fetchPlan(JSON.parse(text) as DagSpec), DEBOUNCE_MS);
    },
    { immediate: true },
  );
  onScopeDispose(() => {
    clearTimeout(timer);
    inflight?.abort();
  });
  return { preview, note };
}
