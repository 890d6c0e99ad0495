/**
 * The OpenAPI 3.1 document, built from the operation list and core's DAG schema. Served at
 * `/api/openapi.json` and fed to express-openapi-validator.
 */
import { OPERATIONS } from './operations.js';
import { componentSchemas, schemaRef } from './schemas.js';

export type OpenApiDocument = {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  servers: Array<{ url: string }>;
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
  security: Array<Record<string, string[]>>;
  tags: Array<{ name: string }>;
};

export function buildOpenApiDocument(): OpenApiDocument {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const def of OPERATIONS) {
    const problem = {
      description: 'A problem (RFC 9457)',
      content: { 'application/problem+json': { schema: schemaRef('Problem') } },
    };
    (paths[def.path] ??= {})[def.method] = {
      operationId: def.operationId,
      summary: def.summary,
      tags: [def.tag],
      security: def.secured ? [{ bearerAuth: [] }] : [],
      ...(def.parameters ? { parameters: def.parameters } : {}),
      ...(def.requestBody ? { requestBody: def.requestBody } : {}),
      responses: { ...def.responses, default: problem },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Kontroler API',
      version: '1.0.0',
      description: 'DAGs, versions, runs, logs, events, auth and RBAC. See docs/api.md.',
    },
    servers: [{ url: '/' }],
    paths,
    components: {
      schemas: componentSchemas(),
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          description: 'An access JWT from login, an API token (kt_…) or an OIDC JWT',
        },
      },
    },
    security: [{ bearerAuth: [] }],
    tags: [...new Set(OPERATIONS.map((o) => o.tag))].map((name) => ({ name })),
  };
}
