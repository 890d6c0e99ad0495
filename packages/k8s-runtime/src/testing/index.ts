/**
 * `@kontroler/k8s-runtime/testing`: a real kube-apiserver + etcd with a simulated node, for tests and
 * benchmarks of anything that talks to Kubernetes.
 */
export {
  startControlPlane,
  connectControlPlane,
  locateBinaries,
  makeKubeConfig,
  selfSignedCertificate,
  ControlPlaneUnavailableError,
  K8S_VERSION,
  type ControlPlane,
  type ControlPlaneOptions,
  type ControlPlaneConnection,
  type ControlPlaneTimings,
} from './control-plane.js';
export {
  startFakeKubelet,
  type FakeKubelet,
  type FakeKubeletOptions,
  type PodBehaviour,
  type PodMatcher,
} from './fake-kubelet.js';
export { runContainerOnHost, type HostRun } from './host-container.js';
