import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleDag, startHarness, type Harness } from './support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());

describe('smoke', () => {
  it('serves health and the document, and creates a DAG', async () => {
    expect((await h.request('GET', '/healthz')).status).toBe(200);
    expect((await h.request('GET', '/readyz')).status).toBe(200);
    const doc = await h.request<{ openapi: string }>('GET', '/api/openapi.json');
    expect(doc.body.openapi).toBe('3.1.0');
    const admin = await h.user('root', [{ role: 'admin', namespace: null }]);
    const created = await h.request('POST', '/api/v1/namespaces/default/dags', {
      token: admin.token,
      body: sampleDag(),
    });
    expect(created.status, created.text).toBe(201);
    const list = await h.request('GET', '/api/v1/dags', { token: admin.token });
    expect(list.status, list.text).toBe(200);
    const run = await h.request<{ id: string }>('POST', '/api/v1/namespaces/default/dags/etl/runs', {
      token: admin.token,
      body: {},
    });
    expect(run.status, run.text).toBe(201);
    const detail = await h.request('GET', `/api/v1/namespaces/default/runs/${run.body.id}`, {
      token: admin.token,
    });
    expect(detail.status, detail.text).toBe(200);
  });
});

describe('console files', () => {
  it('serves the built console at / with an SPA fallback, and problems for unknown API paths', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'kontroler-console-'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Kontroler</title>');
    writeFileSync(join(dir, 'app.js'), 'console.log(1)');
    const withConsole = await startHarness({ deps: { consoleDir: dir } });
    try {
      const index = await withConsole.request('GET', '/');
      expect(index.status).toBe(200);
      expect(index.text).toContain('<title>Kontroler</title>');
      // No inline or evaluated script may run in the console.
      const csp = index.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toMatch(/unsafe-eval|script-src[^;]*unsafe-inline/);
      expect(csp).toContain("frame-ancestors 'none'");
      expect((await withConsole.request('GET', '/app.js')).text).toBe('console.log(1)');
      const deep = await withConsole.request('GET', '/runs/123/logs');
      expect(deep.text).toContain('<title>Kontroler</title>');
      const api = await withConsole.request<{ code: string }>('GET', '/api/v1/nothing-here');
      expect(api.status).toBe(404);
      expect(api.headers.get('content-type')).toContain('application/problem+json');
    } finally {
      await withConsole.close();
    }
  });
});
