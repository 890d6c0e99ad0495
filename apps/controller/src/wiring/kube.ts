/** The cluster credentials: the configured kubeconfig file, else client-node's default lookup. */
import { KubeConfig } from '@kubernetes/client-node';
import { ControllerStartError } from './errors.js';

export function loadKubeConfig(path: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  try {
    // Default lookup: $KUBECONFIG, the in-cluster service account, then ~/.kube/config.
    if (path !== undefined) kc.loadFromFile(path);
    else kc.loadFromDefault();
  } catch (error) {
    throw new ControllerStartError(
      'KUBECONFIG_INVALID',
      `kubeconfig ${path ?? '(default)'} cannot be loaded: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  if (kc.getCurrentCluster() === null) {
    throw new ControllerStartError(
      'KUBECONFIG_INVALID',
      `kubeconfig ${path ?? '(default)'} names no cluster`,
    );
  }
  return kc;
}
