import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { api, type ServerInfo } from '../api';
import type { RuntimeCapabilities } from '../dag/core';

/**
 * What the server can do (`GET /api/v1/info`), read once per session: whether its runtime runs images (the
 * editor warns about ignored images as the user types) and whether it manages secrets (the admin tab).
 */
export const useServerStore = defineStore('server', () => {
  const info = ref<ServerInfo | null>(null);
  let loading: Promise<void> | null = null;

  /** Loads the info once; a failure leaves it unknown (no warnings rather than wrong ones). */
  function load(): Promise<void> {
    loading ??= api
      .info()
      .then((answer) => {
        info.value = answer;
      })
      .catch(() => {
        loading = null;
      });
    return loading;
  }

  const capabilities = computed<RuntimeCapabilities | null>(() =>
    info.value ? { runtime: info.value.runtime.name, runsImages: info.value.runtime.runsImages } : null,
  );

  return { info, capabilities, load };
});
