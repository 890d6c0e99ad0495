/** `@kontroler/controller`: the controller host, for tests and for embedding its wiring. */
export { startController } from './controller.js';
export type { ControllerDeps, ControllerHandle } from './controller.js';
export { loadConfig, helpText, defaultIdentity, OPTIONS } from './config.js';
export type { ControllerConfig, ConfigResult } from './config.js';
export { ControllerStartError, type StartupErrorCode } from './wiring/errors.js';
export {
  startAdmissionServer,
  type AdmissionServer,
  type AdmissionServerOptions,
} from './admission/server.js';
