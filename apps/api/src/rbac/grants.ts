/**
 * Role arithmetic: `admin` > `editor` > `viewer`, each granted globally (`namespace: null`) or per namespace.
 */
import { ROLES, type Grant, type Principal, type Role } from '../types.js';

export const roleRank = (role: Role): number => ROLES.indexOf(role);

export const isRole = (value: unknown): value is Role =>
  typeof value === 'string' && (ROLES as readonly string[]).includes(value);

/**
 * True when some grant gives at least `role` in `namespace`. `undefined` asks "in any namespace", `null`
 * asks for a global grant.
 */
export function hasRole(principal: Principal, role: Role, namespace?: string | null): boolean {
  return principal.grants.some(
    (g) =>
      roleRank(g.role) >= roleRank(role) &&
      (namespace === undefined || g.namespace === null || g.namespace === namespace),
  );
}

/** Namespaces where `role` applies: `null` means every namespace. */
export function namespacesWith(principal: Principal, role: Role): string[] | null {
  const matching = principal.grants.filter((g) => roleRank(g.role) >= roleRank(role));
  if (matching.some((g) => g.namespace === null)) return null;
  return [...new Set(matching.map((g) => g.namespace as string))].sort();
}

/** The highest role a principal holds in `namespace` (or globally when null), if any. */
export function highestRole(grants: readonly Grant[], namespace: string | null): Role | undefined {
  let best: Role | undefined;
  for (const g of grants) {
    if (g.namespace !== null && g.namespace !== namespace) continue;
    if (best === undefined || roleRank(g.role) > roleRank(best)) best = g.role;
  }
  return best;
}

/**
 * Grants of an API token: the owner's grants narrowed to the token's role and namespace. A token never
 * exceeds its owner, even when the owner loses roles after the token was made.
 */
export function narrowGrants(
  owner: readonly Grant[],
  scope: { role: Role | null; namespace: string | null },
): Grant[] {
  const out: Grant[] = [];
  for (const g of owner) {
    if (scope.namespace !== null && g.namespace !== null && g.namespace !== scope.namespace) continue;
    const role = scope.role !== null && roleRank(scope.role) < roleRank(g.role) ? scope.role : g.role;
    out.push({ role, namespace: scope.namespace ?? g.namespace });
  }
  return out;
}

/** Parses an OIDC claim value: `admin`, `viewer:team-a`. */
export function parseRoleClaim(value: string): Grant | undefined {
  const [role, namespace, ...rest] = value.split(':');
  if (rest.length > 0 || !isRole(role)) return undefined;
  if (namespace !== undefined && namespace.length === 0) return undefined;
  return { role, namespace: namespace ?? null };
}
