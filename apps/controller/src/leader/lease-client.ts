/**
 * Reads and writes one coordination.k8s.io/v1 Lease. Writes carry the resourceVersion they read, so two
 * replicas racing for the Lease cannot both win: the loser gets a conflict and waits.
 */
import { ApiException, V1MicroTime, type CoordinationV1Api, type V1Lease } from '@kubernetes/client-node';
import type { LeaseState } from './decide.js';

export interface LeaseClient {
  get(): Promise<LeaseState | null>;
  /** Resolves false when another replica wrote first (409). */
  write(next: LeaseState, create: boolean): Promise<boolean>;
}

export function createLeaseClient(api: CoordinationV1Api, namespace: string, name: string): LeaseClient {
  return {
    async get() {
      try {
        return fromLease(await api.readNamespacedLease({ name, namespace }));
      } catch (error) {
        if (error instanceof ApiException && error.code === 404) return null;
        throw error;
      }
    },
    async write(next, create) {
      const body: V1Lease = {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: {
          name,
          namespace,
          ...(next.resourceVersion ? { resourceVersion: next.resourceVersion } : {}),
        },
        spec: {
          holderIdentity: next.holder ?? undefined,
          leaseDurationSeconds: next.durationSeconds,
          acquireTime: next.acquireTime === null ? undefined : toMicroTime(next.acquireTime),
          renewTime: next.renewTime === null ? undefined : toMicroTime(next.renewTime),
          leaseTransitions: next.transitions,
        },
      };
      try {
        if (create) await api.createNamespacedLease({ namespace, body });
        else await api.replaceNamespacedLease({ name, namespace, body });
        return true;
      } catch (error) {
        if (error instanceof ApiException && (error.code === 409 || error.code === 404)) return false;
        throw error;
      }
    },
  };
}

function fromLease(lease: V1Lease): LeaseState {
  const spec = lease.spec ?? {};
  return {
    holder: spec.holderIdentity ?? null,
    acquireTime: spec.acquireTime ? new Date(spec.acquireTime).getTime() : null,
    renewTime: spec.renewTime ? new Date(spec.renewTime).getTime() : null,
    durationSeconds: spec.leaseDurationSeconds ?? 15,
    transitions: spec.leaseTransitions ?? 0,
    resourceVersion: lease.metadata?.resourceVersion,
  };
}

// The apiserver parses MicroTime with exactly six fractional digits and refuses a plain Date's ISO string
// (".975Z"): V1MicroTime serializes as ".975000Z".
function toMicroTime(ms: number): Date {
  return new V1MicroTime(ms);
}
