import { defineStore } from 'pinia';
import { ref, watch } from 'vue';

export type ThemeChoice = 'light' | 'dark' | 'system';
export interface Toast {
  id: number;
  kind: 'info' | 'success' | 'error';
  message: string;
}

const THEME_KEY = 'kontroler.theme';

function systemDark(): boolean {
  return typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: dark)').matches;
}

/** Theme (light, dark or the system's) and transient notifications. */
export const useUiStore = defineStore('ui', () => {
  const stored = (globalThis.localStorage?.getItem(THEME_KEY) ?? 'system') as ThemeChoice;
  const theme = ref<ThemeChoice>(['light', 'dark', 'system'].includes(stored) ? stored : 'system');
  const toasts = ref<Toast[]>([]);
  let next = 1;

  function effectiveTheme(): 'light' | 'dark' {
    return theme.value === 'system' ? (systemDark() ? 'dark' : 'light') : theme.value;
  }

  function applyTheme(): void {
    if (typeof document === 'undefined') return;
    document.documentElement.dataset.theme = effectiveTheme();
  }

  function cycleTheme(): void {
    theme.value = theme.value === 'light' ? 'dark' : theme.value === 'dark' ? 'system' : 'light';
  }

  watch(
    theme,
    (t) => {
      globalThis.localStorage?.setItem(THEME_KEY, t);
      applyTheme();
    },
    { immediate: true },
  );

  function notify(message: string, kind: Toast['kind'] = 'info', ms = 5000): void {
    const id = next++;
    toasts.value.push({ id, kind, message });
    setTimeout(() => dismiss(id), ms);
  }

  function dismiss(id: number): void {
    toasts.value = toasts.value.filter((t) => t.id !== id);
  }

  return { theme, toasts, effectiveTheme, applyTheme, cycleTheme, notify, dismiss };
});
