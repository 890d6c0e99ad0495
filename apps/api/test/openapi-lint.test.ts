/**
 * Users meet the API through their own OpenAPI tooling: the document served at /api/openapi.json passes
 * Redocly's linter with its `recommended` rules (no errors and no warnings), and the client errors it
 * declares for every operation are what the server answers.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../src/openapi/document.js';
import { startHarness, type Harness } from './support/harness.js';

interface LintReport {
  totals: { errors: number; warnings: number };
  problems: Array<{ ruleId: string; message: string; location: Array<{ pointer: string }> }>;
}

/** Runs `redocly lint --extends=recommended` on `file` with the CLI's JSON report. */
async function redoclyLint(file: string): Promise<LintReport> {
  const cli = join(
    dirname(createRequire(import.meta.url).resolve('@redocly/cli/package.json')),
    'bin/cli.js',
  );
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [cli, 'lint', '--extends=recommended', '--format=json', file],
    {
      // No telemetry or update check from a test run; a non-zero exit (errors found) still prints the report.
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
      maxBuffer: 16 * 1024 * 1024,
    },
  ).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
  return JSON.parse(stdout) as LintReport;
}

describe('the OpenAPI document and @redocly/cli lint', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kontroler-openapi-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('passes the recommended rules with no errors and no warnings', async () => {
    const file = join(dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(buildOpenApiDocument(), null, 2));
    const report = await redoclyLint(file);
    const problems = report.problems.map((p) => `${p.ruleId} at ${p.location[0]?.pointer}: ${p.message}`);
    expect(problems).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  });

  it('finds the problems it is meant to find (a document without responses fails)', async () => {
    const broken = buildOpenApiDocument();
    const [path] = Object.keys(broken.paths);
    broken.paths[path!] = { get: { operationId: 'broken', responses: {} } };
    const file = join(dir, 'broken.json');
    writeFileSync(file, JSON.stringify(broken));
    const report = await redoclyLint(file);
    expect(report.totals.errors).toBeGreaterThan(0);
  });
});

describe('the declared client errors are what the server answers', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h?.close());

  it('400 for an unknown query parameter (even on /healthz), 401 without a credential, 403 for a viewer, 404 for no such run', async () => {
    const doc = buildOpenApiDocument();
    const responses = (path: string, method: string) =>
      Object.keys((doc.paths[path]?.[method] as { responses: object }).responses);
    expect(responses('/healthz', 'get')).toContain('400');
    const bogus = await h.request('GET', '/healthz?bogus=1');
    expect(bogus.status).toBe(400);
    expect(bogus.headers.get('content-type')).toMatch(/application\/problem\+json/);

    expect(responses('/api/v1/me', 'get')).toEqual(expect.arrayContaining(['400', '401', '403']));
    expect((await h.request('GET', '/api/v1/me')).status).toBe(401);

    const viewer = await h.user('lint-viewer', [{ role: 'viewer', namespace: null }]);
    expect(responses('/api/v1/users', 'get')).toContain('403');
    expect((await h.request('GET', '/api/v1/users', { token: viewer.token })).status).toBe(403);

    expect(responses('/api/v1/namespaces/{namespace}/runs/{id}', 'get')).toContain('404');
    const missing = await h.request('GET', '/api/v1/namespaces/default/runs/no-such-run', {
      token: viewer.token,
    });
    expect(missing.status).toBe(404);
  });
});
