/**
 * The OpenAPI 3.1 document, built from the operation list and core's DAG schema. Served at
 * `/api/openapi.json` and fed to express-openapi-validator.
 */
import { OPERATIONS, type OperationDef } from './operations.js';
import { componentSchemas, schemaRef } from './schemas.js';

export type OpenApiDocument = {
  openapi: '3.1.0';
  info: {
    title: string;
    version: string;
    description: string;
    license: { name: string; identifier: string };
  };
  servers: Array<{ url: string }>;
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
  security: Array<Record<string, string[]>>;
  tags: Array<{ name: string; description: string }>;
};

/** One line per tag, shown by documentation tools above the tag's operations. */
const TAG_DESCRIPTIONS: Readonly<Record<string, string>> = {
  health: 'Liveness, readiness and this document; no credential needed',
  auth: 'Log in, refresh and revoke sessions, the caller, and API tokens',
  dags: 'DAG documents, their immutable versions, validation and triggering',
  runs: 'Runs of a DAG version: state, tasks, logs, cancel and retry',
  events: 'Live run and task events (Server-Sent Events)',
  admin: 'Users, their role grants and the audit log (admins only)',
  backfills: "The runs of a scheduled DAG's past cron ticks, with a concurrency cap and progress",
  tasks: 'Shared task definitions (DagTask) per namespace, versioned; DAG tasks use them with taskRef',
  triggers: 'Signed inbound trigger endpoints of a DAG (Standard Webhooks), and the hook that starts runs',
};

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: schemaRef('Problem') } },
});

/**
 * The client errors every operation can answer, all as problem+json: the validator refuses any request
 * that does not match the operation (unknown query parameters included) with 400, secured operations
 * answer 401 without a valid credential and 403 when the role does not allow it, and an operation on a
 * named thing answers 404 when there is none. Operations list further 4xx (409, 422…) themselves.
 */
function clientErrors(def: OperationDef): Record<string, ReturnType<typeof problem>> {
  return {
    '400': problem('The request does not match this operation (the problem names the field)'),
    ...(def.secured
      ? {
          '401': problem('No credential, or an invalid or expired one'),
          '403': problem("The caller's role does not allow this operation"),
        }
      : {}),
    ...(def.parameters?.some((p) => p.in === 'path')
      ? { '404': problem('No such resource (or the caller may not see it)') }
      : {}),
  };
}

export function buildOpenApiDocument(): OpenApiDocument {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const def of OPERATIONS) {
    (paths[def.path] ??= {})[def.method] = {
      operationId: def.operationId,
      summary: def.summary,
      tags: [def.tag],
      security: def.secured ? [{ bearerAuth: [] }] : [],
      ...(def.parameters ? { parameters: def.parameters } : {}),
      ...(def.requestBody ? { requestBody: def.requestBody } : {}),
      responses: { ...clientErrors(def), ...def.responses, default: problem('A problem (RFC 9457)') },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Kontroler API',
      version: '1.0.0',
      description: 'DAGs, versions, runs, logs, events, auth and RBAC. See docs/api.md.',
      license: { name: 'Apache 2.0', identifier: 'Apache-2.0' },
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
    tags: [...new Set(OPERATIONS.map((o) => o.tag))].map((name) => ({
      name,
      description: TAG_DESCRIPTIONS[name] ?? name,
    })),
  };
}
