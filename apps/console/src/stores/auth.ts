import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { api, ApiProblem, http, type LoginResult, type Role, type User } from '../api';

const REFRESH_KEY = 'kontroler.refreshToken';
const RANK: Record<Role, number> = { viewer: 1, editor: 2, admin: 3 };

function storage(): Storage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}

/**
 * The session: access token in memory, refresh token in localStorage (so a reload keeps you signed
 * in), renewal before expiry and on a 401 (once, deduplicated across concurrent requests), and the
 * role checks the UI uses to hide actions a user may not take. The API enforces every rule anyway.
 */
export const useAuthStore = defineStore('auth', () => {
  const user = ref<User | null>(null);
  const accessToken = ref<string | null>(null);
  const refreshToken = ref<string | null>(storage()?.getItem(REFRESH_KEY) ?? null);
  const expiresAt = ref(0);
  /** Set when a session ended on its own (refresh failed): the shell sends the user to sign in. */
  const sessionExpired = ref(false);
  let inflight: Promise<boolean> | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const signedIn = computed(() => user.value !== null && accessToken.value !== null);

  function apply(result: LoginResult): void {
    accessToken.value = result.accessToken;
    refreshToken.value = result.refreshToken;
    user.value = result.user;
    expiresAt.value = Date.now() + result.expiresIn * 1000;
    sessionExpired.value = false;
    storage()?.setItem(REFRESH_KEY, result.refreshToken);
    clearTimeout(timer);
    // Renew a little before expiry so a user never sees a failed request; the 401 path covers sleep.
    const lead = Math.max(5_000, Math.min(60_000, result.expiresIn * 200));
    const delay = result.expiresIn * 1000 - lead;
    if (delay > 0 && delay < 2 ** 31 - 1) timer = setTimeout(() => void refresh(), delay);
  }

  function clear(): void {
    clearTimeout(timer);
    accessToken.value = null;
    refreshToken.value = null;
    user.value = null;
    expiresAt.value = 0;
    storage()?.removeItem(REFRESH_KEY);
  }

  async function login(username: string, password: string): Promise<void> {
    apply(await api.auth.login(username, password));
  }

  /** Renews the session with the refresh token. Concurrent callers share one request. */
  function refresh(): Promise<boolean> {
    if (inflight) return inflight;
    const token = refreshToken.value;
    if (!token) return Promise.resolve(false);
    inflight = api.auth
      .refresh(token)
      .then((result) => {
        apply(result);
        return true;
      })
      .catch((err: unknown) => {
        // A network error keeps the refresh token for the next try; a refusal ends the session.
        if (err instanceof ApiProblem && err.status === 0) return false;
        const had = user.value !== null;
        clear();
        if (had) sessionExpired.value = true;
        return false;
      })
      .finally(() => {
        inflight = null;
      });
    return inflight;
  }

  /** At start-up: resume the stored session, if any. */
  async function restore(): Promise<boolean> {
    if (signedIn.value) return true;
    if (!refreshToken.value) return false;
    return refresh();
  }

  async function logout(): Promise<void> {
    const token = refreshToken.value;
    try {
      if (token && accessToken.value) await api.auth.logout(token);
    } catch {
      // Signing out locally must work even when the server is unreachable.
    } finally {
      clear();
    }
  }

  /** Changes the password; the server ends the old sessions, so carry on with the one it answers. */
  async function changePassword(currentPassword: string, newPassword: string): Promise<void> {
    const session = refreshToken.value;
    const result = await api.auth.changePassword(currentPassword, newPassword);
    // Signed out (or in again) while the change ran: never sign back in behind the user's back.
    if (session !== null && refreshToken.value === session) apply(result);
  }

  async function reloadUser(): Promise<void> {
    user.value = await api.auth.me();
  }

  /** True when a grant of at least `role` applies globally or to `namespace`. */
  function hasRole(role: Role, namespace?: string | null): boolean {
    const grants = user.value?.roles ?? [];
    return grants.some(
      (g) =>
        RANK[g.role] >= RANK[role] &&
        (g.namespace === null || namespace === undefined || g.namespace === namespace),
    );
  }

  /** Namespaces where `role` applies, sorted; `null` when a global grant gives it everywhere. */
  function namespacesWith(role: Role): string[] | null {
    const grants = (user.value?.roles ?? []).filter((g) => RANK[g.role] >= RANK[role]);
    if (grants.some((g) => g.namespace === null)) return null;
    return [...new Set(grants.map((g) => g.namespace as string))].sort();
  }

  const isAdmin = computed(() => hasRole('admin'));
  const canEdit = computed(() => hasRole('editor'));

  http.setToken({
    accessToken: () => accessToken.value,
    refresh,
    onUnauthorized: () => {
      const had = user.value !== null;
      clear();
      if (had) sessionExpired.value = true;
    },
  });

  return {
    user,
    accessToken,
    refreshToken,
    expiresAt,
    sessionExpired,
    signedIn,
    isAdmin,
    canEdit,
    login,
    logout,
    refresh,
    restore,
    reloadUser,
    changePassword,
    hasRole,
    namespacesWith,
  };
});
