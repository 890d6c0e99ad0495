import { defineStore } from 'pinia';
import { ref } from 'vue';
import {
  api,
  itemsOf,
  type DagDetail,
  type DagRef,
  type DagSummary,
  type DagVersionInfo,
  type Run,
} from '../api';

const PAGE_SIZE = 25;

/** The DAG list (search, namespace, pages by cursor) and the DAG open in the detail page. */
export const useDagsStore = defineStore('dags', () => {
  const items = ref<DagSummary[]>([]);
  const search = ref('');
  const namespace = ref('');
  /** Cursors of the pages before the current one (page 1 has cursor null). */
  const cursors = ref<(string | null)[]>([null]);
  const nextCursor = ref<string | null>(null);
  const loading = ref(false);
  const error = ref<unknown>(null);
  const namespaces = ref<string[]>([]);

  const detail = ref<DagDetail | null>(null);
  const versions = ref<DagVersionInfo[]>([]);

  async function load(
    cursor: string | null = cursors.value[cursors.value.length - 1] ?? null,
  ): Promise<void> {
    loading.value = true;
    error.value = null;
    try {
      const page = await api.dags.list({
        search: search.value.trim() || undefined,
        namespace: namespace.value || undefined,
        limit: PAGE_SIZE,
        cursor,
      });
      items.value = page.items;
      nextCursor.value = page.nextCursor;
      const seen = new Set(namespaces.value);
      for (const d of page.items) if (d.namespace) seen.add(d.namespace);
      namespaces.value = [...seen].sort();
    } catch (err) {
      error.value = err;
    } finally {
      loading.value = false;
    }
  }

  /** Restart from page 1 (after the search or the namespace changed). */
  function reset(): Promise<void> {
    cursors.value = [null];
    return load(null);
  }

  async function nextPage(): Promise<void> {
    if (!nextCursor.value) return;
    cursors.value.push(nextCursor.value);
    await load(nextCursor.value);
  }

  async function prevPage(): Promise<void> {
    if (cursors.value.length <= 1) return;
    cursors.value.pop();
    await load(cursors.value[cursors.value.length - 1] ?? null);
  }

  async function open(dag: DagRef): Promise<DagDetail> {
    const d = await api.dags.get(dag);
    detail.value = d;
    return d;
  }

  async function loadVersions(dag: DagRef): Promise<void> {
    versions.value = itemsOf(await api.dags.versions(dag));
  }

  /** Same DAG: the same name in another namespace is another DAG. */
  const same = (a: DagRef, b: DagRef): boolean => a.namespace === b.namespace && a.name === b.name;

  function patchSummary(summary: DagSummary): void {
    items.value = items.value.map((d) => (same(d, summary) ? summary : d));
    if (detail.value && same(detail.value.dag, summary)) detail.value = { ...detail.value, dag: summary };
  }

  async function setSuspended(dag: DagRef, suspended: boolean): Promise<void> {
    patchSummary(suspended ? await api.dags.suspend(dag) : await api.dags.resume(dag));
  }

  function trigger(dag: DagRef, parameters: Record<string, string>): Promise<Run> {
    return api.dags.trigger(dag, parameters, crypto.randomUUID?.());
  }

  return {
    items,
    search,
    namespace,
    namespaces,
    cursors,
    nextCursor,
    loading,
    error,
    detail,
    versions,
    load,
    reset,
    nextPage,
    prevPage,
    open,
    loadVersions,
    setSuspended,
    trigger,
  };
});
