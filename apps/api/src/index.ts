/** `@kontroler/api`: the API server as a library (`createApp`) for embedding and tests. */
export { createApp, type KontrolerApp } from './app.js';
export { buildOpenApiDocument, type OpenApiDocument } from './openapi/document.js';
export { OPERATION_RULES, type AccessRule, type OperationId } from './rbac/rules.js';
export { loadConfig, ConfigError, type ApiConfig } from './config.js';
export type {
  AppDeps,
  ApiEngine,
  ApiRunService,
  AuthOptions,
  Grant,
  OidcOptions,
  Principal,
  Role,
  Sql,
} from './types.js';
