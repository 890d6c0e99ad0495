/**
 * Writes the client's generated files (`npm run generate -w @kontroler/client`): the API's OpenAPI
 * document as `openapi.json`, then `src/schema.generated.ts` from that file.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OPENAPI_FILE, SCHEMA_FILE, openApiJson, schemaSource } from './generated-sources.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const json = await openApiJson(join(root, OPENAPI_FILE));
writeFileSync(join(root, OPENAPI_FILE), json);
console.log(`wrote ${OPENAPI_FILE}`);
writeFileSync(join(root, SCHEMA_FILE), await schemaSource(json, join(root, SCHEMA_FILE)));
console.log(`wrote ${SCHEMA_FILE}`);
