/**
 * Issue 15, under `npm start`: the process runtime ignores images (a Kontroler manifest then fails with
 * exit 127), and `defaultFromSecret` had no secret source. The API says the first where the user looks
 * (save, validate, run detail, /info) and lets admins manage the second without ever echoing a value.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { secretsFile } from '@kontroler/plugins';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleDag, startHarness, type Harness } from './support/harness.js';

const V1 = '/api/v1';
const NS = `${V1}/namespaces/default`;
let h: Harness;
let plain: Harness;
let dir: string;
let admin: string;
let editor: string;
let viewer: string;

interface Issue {
  code: string;
  path: string;
  task?: string;
  message: string;
}

beforeAll(async () => {
  dir = await mkdtemp(join(os.tmpdir(), 'kontroler-api-secrets-'));
  h = await startHarness({
    deps: {
      runtime: { runtime: 'process', runsImages: false },
      secrets: secretsFile(join(dir, 'secrets.json')),
    },
  });
  plain = await startHarness();
  admin = (await h.user('boss', [{ role: 'admin', namespace: null }])).token;
  editor = (await h.user('ed', [{ role: 'editor', namespace: null }])).token;
  viewer = (await h.user('vi', [{ role: 'viewer', namespace: null }])).token;
});
afterAll(async () => {
  await h?.close();
  await plain?.close();
  await rm(dir, { recursive: true, force: true });
});

const imageIgnored = (task: string, index: number) => ({
  code: 'IMAGE_IGNORED',
  path: `/tasks/${index}/image`,
  task,
  message: `task "${task}" names image alpine, but the process runtime of this server ignores images and runs the command on the host`,
});

describe('images under a runtime that ignores them', () => {
  it('warns at save time, in validation and in the run detail', async () => {
    const saved = await h.request<{ warnings: Issue[] }>('POST', `${NS}/dags`, {
      token: editor,
      body: sampleDag('images'),
    });
    expect(saved.status).toBe(201);
    expect(saved.body.warnings).toEqual([imageIgnored('extract', 0), imageIgnored('load', 1)]);

    const validated = await h.request<{ ok: boolean; warnings: Issue[] }>('POST', `${V1}/dags/validate`, {
      token: viewer,
      body: sampleDag('images'),
    });
    expect(validated.body.ok).toBe(true);
    expect(validated.body.warnings).toEqual([imageIgnored('extract', 0), imageIgnored('load', 1)]);

    const run = await h.request<{ id: string }>('POST', `${NS}/dags/images/runs`, {
      token: editor,
      body: {},
    });
    const detail = await h.request<{ warnings: Issue[] }>('GET', `${NS}/runs/${run.body.id}`, {
      token: viewer,
    });
    expect(detail.body.warnings.map((w) => w.task)).toEqual(['extract', 'load']);
  });

  it('says nothing on a host whose runtime runs images, and /info tells the console which it is', async () => {
    const token = (await plain.user('ed', [{ role: 'editor', namespace: null }])).token;
    const saved = await plain.request<{ warnings: Issue[] }>('POST', `${NS}/dags`, {
      token,
      body: sampleDag('images'),
    });
    expect(saved.body.warnings).toEqual([]);
    expect((await plain.request('GET', `${V1}/info`, { token })).body).toEqual({
      runtime: { name: 'kubernetes', runsImages: true },
      secrets: { managed: false },
    });
    expect((await h.request('GET', `${V1}/info`, { token: viewer })).body).toEqual({
      runtime: { name: 'process', runsImages: false },
      secrets: { managed: true },
    });
  });
});

describe('managed secrets', () => {
  it('sets, lists names only, deletes; the file is 0600 and values never come back', async () => {
    const set = await h.request<{ name: string; updatedAt: string }>('PUT', `${V1}/secrets/etl-token`, {
      token: admin,
      body: { value: 'hunter2-value' },
    });
    expect(set.status).toBe(200);
    expect(set.body.name).toBe('etl-token');
    expect(JSON.stringify(set.body)).not.toContain('hunter2');
    expect((await stat(join(dir, 'secrets.json'))).mode & 0o777).toBe(0o600);

    const list = await h.request<{ items: Array<{ name: string }>; store: string }>('GET', `${V1}/secrets`, {
      token: admin,
    });
    expect(list.body.items.map((i) => i.name)).toContain('etl-token');
    expect(list.body.store).toBe(`secrets file ${join(dir, 'secrets.json')}`);
    expect(list.text).not.toContain('hunter2');

    const audit = await h.request<{ items: Array<{ action: string; target: string; details: unknown }> }>(
      'GET',
      `${V1}/audit?action=secret.set`,
      { token: admin },
    );
    expect(audit.body.items[0]).toMatchObject({ action: 'secret.set', target: 'etl-token' });
    expect(JSON.stringify(audit.body)).not.toContain('hunter2');

    expect((await h.request('DELETE', `${V1}/secrets/etl-token`, { token: admin })).status).toBe(204);
    const again = await h.request<{ code: string }>('DELETE', `${V1}/secrets/etl-token`, { token: admin });
    expect(again.status).toBe(404);
    expect(again.body.code).toBe('SECRET_NOT_FOUND');
  });

  it('is for admins only, and refuses a name that is not a valid secret name', async () => {
    for (const token of [editor, viewer]) {
      expect((await h.request('GET', `${V1}/secrets`, { token })).status).toBe(403);
      expect((await h.request('PUT', `${V1}/secrets/x`, { token, body: { value: 'v' } })).status).toBe(403);
    }
    const bad = await h.request('PUT', `${V1}/secrets/-bad-`, { token: admin, body: { value: 'v' } });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
  });

  it('answers 404 SECRETS_NOT_MANAGED on a host that manages none', async () => {
    const token = (await plain.user('boss', [{ role: 'admin', namespace: null }])).token;
    const reply = await plain.request<{ code: string }>('GET', `${V1}/secrets`, { token });
    expect(reply.status).toBe(404);
    expect(reply.body.code).toBe('SECRETS_NOT_MANAGED');
  });
});
