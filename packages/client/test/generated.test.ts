import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RUN_EVENT_NAMES as CORE_RUN_EVENT_NAMES } from '@kontroler/core';
import { describe, expect, it } from 'vitest';
import { RUN_EVENT_NAMES } from '../src/index.js';
import { OPENAPI_FILE, SCHEMA_FILE, openApiJson, schemaSource } from '../scripts/generated-sources.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const committed = (file: string) => readFileSync(join(root, file), 'utf8');

describe('the generated files (run `npm run generate -w @kontroler/client` when one fails)', () => {
  it('openapi.json is the document the API builds today', async () => {
    expect(committed(OPENAPI_FILE)).toBe(await openApiJson(join(root, OPENAPI_FILE)));
  });

  it('schema.generated.ts is what openapi-typescript makes of the committed openapi.json', async () => {
    expect(committed(SCHEMA_FILE)).toBe(await schemaSource(committed(OPENAPI_FILE), join(root, SCHEMA_FILE)));
  });

  it('lists login and refresh, and no secured path, among the paths that take no token', async () => {
    const { unsecuredPaths } = await import('../src/schema.generated.js');
    expect(unsecuredPaths).toEqual(
      expect.arrayContaining(['/api/v1/auth/login', '/api/v1/auth/refresh', '/healthz']),
    );
    expect(unsecuredPaths).not.toContain('/api/v1/me');
    expect(unsecuredPaths).not.toContain('/api/v1/auth/logout');
  });

  it('names the run events the engine emits, no more and no fewer', () => {
    expect([...RUN_EVENT_NAMES].sort()).toEqual([...CORE_RUN_EVENT_NAMES].sort());
  });
});
