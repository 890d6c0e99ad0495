/**
 * Reads and writes one coordination.k8s.io/v1 Lease. Writes carry the resourceVersion they read, so two
 * replicas racing for the Lease cannot both win: the loser gets a conflict and waits.
 */
import { KubeApiError, type KubeClient } from '@kontroler/k8s-runtime';
import type { LeaseState } from './decide.js';

/** A coordination.k8s.io/v1 Lease as it is on the wire (times are MicroTime strings). */
interface LeaseResource {
  apiVersion: 'coordination.k8s.io/v1';
  kind: 'Lease';
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec?: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

export interface LeaseClient {
  get(): Promise<LeaseState | null>;
  /** Resolves false when another replica wrote first (409). */
  write(next: LeaseState, create: boolean): Promise<boolean>;
}

export function createLeaseClient(client: KubeClient, namespace: string, name: string): LeaseClient {
  const collection = `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases`;
  return {
    async get() {
      try {
        return fromLease(await client.request<LeaseResource>('GET', `${collection}/${name}`));
      } catch (error) {
        if (KubeApiError.is(error, 404)) return null;
        throw error;
      }
    },
    async write(next, create) {
      const body: LeaseResource = {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: {
          name,
          namespace,
          ...(next.resourceVersion ? { resourceVersion: next.resourceVersion } : {}),
        },
        spec: {
          ...(next.holder !== null ? { holderIdentity: next.holder } : {}),
          leaseDurationSeconds: next.durationSeconds,
          ...(next.acquireTime !== null ? { acquireTime: microTime(next.acquireTime) } : {}),
          ...(next.renewTime !== null ? { renewTime: microTime(next.renewTime) } : {}),
          leaseTransitions: next.transitions,
        },
      };
      try {
        // A lease write is not safe to repeat blindly: a retried create or replace could overwrite a rival's.
        if (create) await client.request('POST', collection, { body, noRetry: true });
        else await client.request('PUT', `${collection}/${name}`, { body, noRetry: true });
        return true;
      } catch (error) {
        if (KubeApiError.is(error, 409) || KubeApiError.is(error, 404)) return false;
        throw error;
      }
    },
  };
}

function fromLease(lease: LeaseResource): LeaseState {
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

/** The apiserver parses MicroTime with exactly six fractional digits and refuses ".975Z". */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
