/**
 * `@kontroler/plugins/testing`: a real Podman service on a private socket with a busybox image, for the
 * container runtime's tests and end-to-end tests of hosts that use it.
 */
export {
  podmanAvailability,
  startPodman,
  TEST_IMAGE,
  type PodmanAvailability,
  type PodmanEngine,
  type StartPodmanOptions,
} from './podman.js';
