/** Start-up failures of the controller, with a stable code so tests and main.ts never parse messages. */
export type StartupErrorCode =
  | 'PLUGIN_NOT_FOUND'
  | 'PLUGIN_INVALID'
  | 'PLUGIN_SETUP_FAILED'
  | 'DI_UNBOUND'
  | 'KUBECONFIG_INVALID'
  /** The admission webhook's certificate files cannot be read, or its port is taken. */
  | 'ADMISSION_SERVER_FAILED';

export class ControllerStartError extends Error {
  override readonly name = 'ControllerStartError';
  constructor(
    readonly code: StartupErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
