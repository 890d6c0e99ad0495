/**
 * The controller's least-privilege permissions: exactly what the pod runtime, the CRD sync and leader
 * election use, nothing else. `deploy/rbac/` is generated from this list, and the test harness binds it to
 * the restricted client so every test proves the list is enough.
 */
import type { V1PolicyRule } from '@kubernetes/client-node';

export const CRD_GROUP = 'kontroler.greedykomodo';
export const CRD_VERSION = 'v1alpha1';

/** Name of the ClusterRole (bound per namespace with RoleBindings). */
export const CONTROLLER_ROLE = 'kontroler-controller';

export const controllerRules: readonly V1PolicyRule[] = [
  { apiGroups: [''], resources: ['pods'], verbs: ['create', 'get', 'list', 'watch', 'delete'] },
  { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
  { apiGroups: [''], resources: ['persistentvolumeclaims'], verbs: ['create', 'get', 'list', 'delete'] },
  { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
  {
    apiGroups: [CRD_GROUP],
    resources: ['dags', 'dagruns', 'dagtasks'],
    verbs: ['get', 'list', 'watch', 'update', 'patch'],
  },
  {
    apiGroups: [CRD_GROUP],
    resources: ['dags/status', 'dagruns/status', 'dagtasks/status'],
    verbs: ['get', 'update', 'patch'],
  },
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] },
];
