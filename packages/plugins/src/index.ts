/**
 * `@kontroler/plugins`: first-party plugins. The process runtime (the local default), the signed webhook
 * notifier with `verifyWebhook` for receivers, the `http` task type, secret sources, and the container
 * runtime (a Docker Engine API: Docker or Podman) with engine discovery.
 */
export {
  createProcessRuntime,
  LOST_MESSAGE,
  type ProcessRuntime,
  type ProcessRuntimeOptions,
  type ProcessRuntimeStats,
} from './process-runtime/runtime.js';
export {
  createWebhookNotifier,
  webhookPlugin,
  WEBHOOK_TOPIC,
  type WebhookEnvelope,
  type WebhookNotifierOptions,
} from './webhooks/notifier.js';
export { webhookPayload } from './webhooks/payload.js';
export {
  webhookPayloadSchema,
  WEBHOOK_EVENTS,
  type WebhookEvent,
  type WebhookPayload,
} from './webhooks/payload-schema.js';
export {
  verifyWebhook,
  signWebhook,
  signingSecrets,
  generateWebhookSecret,
  WebhookVerificationError,
  type VerifyWebhookOptions,
  type WebhookSignatureHeaders,
  type WebhookVerificationCode,
} from './webhooks/signature.js';
export {
  createHttpTaskRuntime,
  httpTaskPlugin,
  parseHttpTask,
  type HttpTaskOptions,
  type HttpTaskSpec,
  type HttpHeaderValue,
} from './http-task/runtime.js';
export {
  envSecretSource,
  fileSecretSource,
  chainSecretSources,
  noSecrets,
  resolveParameters,
  SecretNotFoundError,
  SECRET_NOT_FOUND,
  type SecretSource,
  type EnvSecretSourceOptions,
  envSecretSuffix,
} from './secrets/index.js';
export {
  createContainerRuntime,
  type ContainerRuntime,
  type ContainerRuntimeOptions,
  type ContainerRuntimeStats,
  type SweepResult,
} from './container-runtime/runtime.js';
export {
  discoverContainerEngine,
  engineAddresses,
  type EngineDiscovery,
  type EngineDiscoveryOptions,
} from './container-runtime/discovery.js';
export { CONTAINER_LABELS } from './container-runtime/container-spec.js';
export {
  EngineError,
  parseEngineAddress,
  type EngineAddress,
  type EngineErrorCode,
} from './container-runtime/engine-client.js';
export type { EngineVersion } from './container-runtime/engine-api.js';
export {
  secretsFile,
  localSecretSource,
  SECRETS_FILE_MODE,
  SECRETS_FILE_NAME,
  SECRET_ENV_PREFIX,
  SECRET_NAME_PATTERN,
  type SecretsFile,
  type SecretsFileOptions,
  type SecretEntry,
  type LocalSecrets,
} from './secrets/secrets-file.js';
