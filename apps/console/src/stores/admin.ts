import { defineStore } from 'pinia';
import { ref } from 'vue';
import {
  api,
  itemsOf,
  type AuditEntry,
  type CreatedToken,
  type Role,
  type RoleGrant,
  type TokenInfo,
  type User,
} from '../api';

/** Users, everyone's API tokens and the audit log (admin), and the caller's own tokens (account). */
export const useAdminStore = defineStore('admin', () => {
  const users = ref<User[]>([]);
  const tokens = ref<TokenInfo[]>([]);
  const myTokens = ref<TokenInfo[]>([]);
  const audit = ref<AuditEntry[]>([]);
  const auditCursor = ref<string | null>(null);
  const auditFilter = ref({ actor: '', action: '' });

  async function loadUsers(): Promise<void> {
    users.value = itemsOf(await api.admin.users());
  }

  async function createUser(username: string, password: string, roles: RoleGrant[]): Promise<User> {
    const user = await api.admin.createUser({ username, password, roles });
    users.value = [...users.value, user];
    return user;
  }

  async function updateUser(id: string, patch: { disabled?: boolean; roles?: RoleGrant[] }): Promise<void> {
    const user = await api.admin.updateUser(id, patch);
    users.value = users.value.map((u) => (u.id === id ? user : u));
  }

  /** Lifts the lock that failed logins put on the user's name. */
  async function unlockUser(id: string): Promise<void> {
    const user = await api.admin.unlock(id);
    users.value = users.value.map((u) => (u.id === id ? user : u));
  }

  function resetPassword(id: string, password: string): Promise<void> {
    return api.admin.resetPassword(id, password);
  }

  async function loadTokens(all: boolean): Promise<void> {
    const list = itemsOf(await api.tokens.list(all));
    if (all) tokens.value = list;
    else myTokens.value = list;
  }

  async function createToken(body: {
    name: string;
    role?: Role;
    namespace?: string | null;
    expiresInDays?: number;
  }): Promise<CreatedToken> {
    const created = await api.tokens.create(body);
    const { token: _secret, ...info } = created;
    myTokens.value = [info, ...myTokens.value];
    return created;
  }

  async function revokeToken(id: string): Promise<void> {
    await api.tokens.revoke(id);
    const now = new Date().toISOString();
    const mark = (t: TokenInfo) => (t.id === id ? { ...t, revokedAt: t.revokedAt ?? now } : t);
    tokens.value = tokens.value.map(mark);
    myTokens.value = myTokens.value.map(mark);
  }

  async function loadAudit(more = false): Promise<void> {
    const page = await api.admin.audit({
      actor: auditFilter.value.actor || undefined,
      action: auditFilter.value.action || undefined,
      limit: 50,
      cursor: more ? auditCursor.value : undefined,
    });
    audit.value = more ? [...audit.value, ...page.items] : page.items;
    auditCursor.value = page.nextCursor;
  }

  return {
    users,
    tokens,
    myTokens,
    audit,
    auditCursor,
    auditFilter,
    loadUsers,
    createUser,
    updateUser,
    unlockUser,
    resetPassword,
    loadTokens,
    createToken,
    revokeToken,
    loadAudit,
  };
});
