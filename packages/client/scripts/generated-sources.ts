/**
 * The two generated files of the client, as text: the API's OpenAPI document as JSON (built by the API
 * server's own code, so it is the document `/api/openapi.json` serves) and the TypeScript types that
 * openapi-typescript makes from it. Node-only: used by `npm run generate -w @kontroler/client` and by the
 * test that fails when a committed file is stale.
 */
import { buildOpenApiDocument } from '@kontroler/api';
import openapiTS, { astToString, type OpenAPI3 } from 'openapi-typescript';
import { format, resolveConfig } from 'prettier';

/** Where the committed OpenAPI document lives, relative to the package root. */
export const OPENAPI_FILE = 'openapi.json';
/** Where the generated types live, relative to the package root. */
export const SCHEMA_FILE = 'src/schema.generated.ts';

/** The document exactly as the API serves it, formatted as the repo formats JSON. */
export async function openApiJson(filepath: string): Promise<string> {
  const options = (await resolveConfig(filepath)) ?? {};
  return format(JSON.stringify(buildOpenApiDocument()), { ...options, filepath });
}

/** The `paths`, `components` and `operations` types of the document, formatted as the repo formats code. */
export async function schemaSource(json: string, filepath: string): Promise<string> {
  const ast = await openapiTS(JSON.parse(json) as OpenAPI3, {
    // The API's schemas close their objects; an open object in the document stays open in the types.
    additionalProperties: false,
    // Values with a default are always present in answers (the server fills them in).
    defaultNonNullable: true,
    // A bare `{ type: 'object' }` (a DAG document, this document itself) takes any properties.
    emptyObjectsUnknown: true,
    silent: true,
  });
  const header = [
    '// Generated from openapi.json by `npm run generate -w @kontroler/client`: do not edit.',
    '',
  ].join('\n');
  const options = (await resolveConfig(filepath)) ?? {};
  return format(header + astToString(ast) + unsecuredPathsSource(json), { ...options, filepath });
}

/**
 * The path templates whose operations need no credential (`security: []`): the client sends no bearer
 * token to them and never renews a session because one answered 401 (a failed login is not an expiry).
 */
function unsecuredPathsSource(json: string): string {
  const doc = JSON.parse(json) as { paths: Record<string, Record<string, { security?: unknown[] }>> };
  const unsecured = Object.entries(doc.paths)
    .filter(([, ops]) => Object.values(ops).every((op) => op.security?.length === 0))
    .map(([path]) => path);
  return [
    '',
    '/** Path templates whose operations need no credential (their `security` is empty). */',
    `export const unsecuredPaths: readonly (keyof paths)[] = ${JSON.stringify(unsecured)};`,
    '',
  ].join('\n');
}
