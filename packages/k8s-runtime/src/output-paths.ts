/**
 * Where a pod task's outputs go (outputs.ts). Its own module, free of `@kontroler/core`, because the test
 * kit's simulated node (`testing/`) uses it too and is loaded where workspace sources are not resolved.
 */

/** Where a pod task writes its output files (`$KONTROLER_OUTPUTS_DIR`). */
export const OUTPUTS_MOUNT_PATH = '/kontroler/outputs';
/** The emptyDir volume mounted at {@link OUTPUTS_MOUNT_PATH}. */
export const OUTPUTS_VOLUME = 'kontroler-outputs';
/** The container's `terminationMessagePath` (Kubernetes' default, set explicitly). */
export const TERMINATION_MESSAGE_PATH = '/dev/termination-log';
/** Kubernetes keeps at most this many bytes of a container's termination message. */
export const MAX_POD_OUTPUT_BYTES = 4096;
