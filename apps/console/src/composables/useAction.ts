import { ref, type Ref } from 'vue';
import { useUiStore } from '../stores/ui';

export interface Action {
  /** The last action's error (an API problem, shown by the panel), or null. */
  readonly error: Ref<unknown>;
  /** An action is under way (buttons are disabled meanwhile). */
  readonly busy: Ref<boolean>;
  /** Runs `fn`, keeping its error instead of throwing it, and on success shows `ok` as a notification. */
  run(fn: () => Promise<unknown>, ok?: string): Promise<void>;
}

/** The error and busy state of a panel's actions (create, rotate, delete…), shared by its buttons. */
export function useAction(): Action {
  const ui = useUiStore();
  const error = ref<unknown>(null);
  const busy = ref(false);
  async function run(fn: () => Promise<unknown>, ok?: string): Promise<void> {
    error.value = null;
    busy.value = true;
    try {
      await fn();
      if (ok) ui.notify(ok, 'success');
    } catch (err) {
      error.value = err;
    } finally {
      busy.value = false;
    }
  }
  return { error, busy, run };
}
