/**
 * The cluster credentials: the configured kubeconfig file, else `$KUBECONFIG`, the in-cluster service
 * account, then `~/.kube/config`. Loaded by `@kontroler/k8s-runtime`'s own loader: the official client's
 * `KubeConfig` would bring its whole generated API into memory (about 75 MB) for nothing.
 */
import { KubeConfigError, loadKubeConnection, type KubeConnection } from '@kontroler/k8s-runtime';
import { ControllerStartError } from './errors.js';

export function loadKubeConfig(path: string | undefined): KubeConnection {
  try {
    return loadKubeConnection(path === undefined ? {} : { path });
  } catch (error) {
    if (!(error instanceof KubeConfigError)) throw error;
    throw new ControllerStartError(
      'KUBECONFIG_INVALID',
      `kubeconfig ${path ?? '(default)'} cannot be loaded: ${error.message}`,
      { cause: error },
    );
  }
}
