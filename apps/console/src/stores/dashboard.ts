import { defineStore } from 'pinia';
import { ref } from 'vue';
import { api, type DashboardQueue, type DashboardSummary, type DashboardTasks } from '../api';

/** The home page's figures: loaded together, refreshed on demand. */
export const useDashboardStore = defineStore('dashboard', () => {
  /** Empty: every namespace the user may read. */
  const namespace = ref('');
  const taskWindow = ref<'24h' | '7d'>('7d');
  const summary = ref<DashboardSummary | null>(null);
  const tasks = ref<DashboardTasks | null>(null);
  const queue = ref<DashboardQueue | null>(null);
  const loading = ref(false);
  const error = ref<unknown>(null);

  async function load(): Promise<void> {
    loading.value = true;
    error.value = null;
    const ns = namespace.value.trim() || undefined;
    try {
      const [s, t, q] = await Promise.all([
        api.dashboard.summary({ namespace: ns, days: 14 }),
        api.dashboard.tasks({ namespace: ns, window: taskWindow.value, limit: 10 }),
        api.dashboard.queue({ namespace: ns, limit: 20 }),
      ]);
      summary.value = s;
      tasks.value = t;
      queue.value = q;
    } catch (e) {
      error.value = e;
    } finally {
      loading.value = false;
    }
  }

  return { namespace, taskWindow, summary, tasks, queue, loading, error, load };
});
