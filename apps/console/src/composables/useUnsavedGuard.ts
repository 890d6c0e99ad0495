import { onBeforeUnmount, onMounted, type Ref } from 'vue';
import { onBeforeRouteLeave } from 'vue-router';

/**
 * Asks before leaving a page with unsaved changes: on in-app navigation (a confirm dialog) and on
 * closing or reloading the tab (the browser's own prompt).
 */
export function useUnsavedGuard(
  dirty: Ref<boolean>,
  message = 'You have unsaved changes. Leave anyway?',
): void {
  const onBeforeUnload = (e: BeforeUnloadEvent) => {
    if (!dirty.value) return;
    e.preventDefault();
    e.returnValue = '';
  };
  onMounted(() => window.addEventListener('beforeunload', onBeforeUnload));
  onBeforeUnmount(() => window.removeEventListener('beforeunload', onBeforeUnload));
  onBeforeRouteLeave(() => (dirty.value ? window.confirm(message) : true));
}
