/**
 * Issue 15 in the console: images ignored by the process runtime are said where the user looks (the editor
 * and the top of a run), and admins manage secrets by name without ever seeing a value again.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import RuntimeWarnings from '../src/components/RuntimeWarnings.vue';
import SecretsPanel from '../src/components/SecretsPanel.vue';
import { runtimeWarnings } from '../src/dag/core';
import { useServerStore } from '../src/stores/server';
import { fakeFetch, json } from './helpers';

const manifest = {
  name: 'etl',
  tasks: [
    { name: 'prepare', image: 'registry.example.com/etl:1', command: ['/scripts/prepare.sh'] },
    { name: 'local', script: 'echo hi', runAfter: ['prepare'] },
  ],
};

describe('RuntimeWarnings', () => {
  beforeEach(() => setActivePinia(createPinia()));
  afterEach(() => vi.unstubAllGlobals());

  it('names the tasks whose image the process runtime ignores, from the server’s capabilities', async () => {
    const { fetch } = fakeFetch({
      'GET /api/v1/info': () =>
        json(200, { runtime: { name: 'process', runsImages: false }, secrets: { managed: true } }),
    });
    vi.stubGlobal('fetch', fetch);
    const server = useServerStore();
    await server.load();
    const warnings = runtimeWarnings(manifest, server.capabilities!);
    const w = mount(RuntimeWarnings, { props: { warnings } });
    const box = w.find('[data-testid="runtime-warnings"]');
    expect(box.exists()).toBe(true);
    expect(box.text()).toContain('Images are ignored here.');
    expect(box.text()).toContain('1 task (prepare) may fail with “command not found” (exit 127)');
    expect(box.findAll('li').map((li) => li.attributes('data-code'))).toEqual(['IMAGE_IGNORED']);
    w.unmount();
  });

  it('shows the first 10 of a 1,000-task DAG’s warnings, and all of them on request', async () => {
    const tasks = Array.from({ length: 1000 }, (_, i) => ({
      name: `t${i}`,
      image: 'alpine:3.20',
      command: ['true'],
    }));
    const warnings = runtimeWarnings({ tasks }, { runsImages: false, runtime: 'process' });
    expect(warnings).toHaveLength(1000);
    const w = mount(RuntimeWarnings, { props: { warnings } });
    expect(w.findAll('li')).toHaveLength(10);
    expect(w.text()).toContain('1000 tasks (t0, t1, t2, t3, t4, t5, t6, t7, t8, t9 and 990 more) may fail');
    await w.find('[data-testid="runtime-warnings-toggle"]').trigger('click');
    expect(w.findAll('li')).toHaveLength(1000);
    await w.find('[data-testid="runtime-warnings-toggle"]').trigger('click');
    expect(w.findAll('li')).toHaveLength(10);
    w.unmount();
  });

  it('shows nothing on a server whose runtime runs images', async () => {
    const { fetch } = fakeFetch({
      'GET /api/v1/info': () =>
        json(200, { runtime: { name: 'kubernetes', runsImages: true }, secrets: { managed: false } }),
    });
    vi.stubGlobal('fetch', fetch);
    const server = useServerStore();
    await server.load();
    const w = mount(RuntimeWarnings, {
      props: { warnings: runtimeWarnings(manifest, server.capabilities!) },
    });
    expect(w.find('[data-testid="runtime-warnings"]').exists()).toBe(false);
    w.unmount();
  });
});

describe('SecretsPanel', () => {
  beforeEach(() => setActivePinia(createPinia()));
  afterEach(() => vi.unstubAllGlobals());

  it('lists names, sets a secret write-only and clears the value, deletes', async () => {
    let names = ['db-password'];
    const { fetch, calls } = fakeFetch({
      'GET /api/v1/secrets': () =>
        json(200, {
          items: names.map((name) => ({ name, updatedAt: '2026-12-06T08:00:00Z' })),
          store: 'secrets file /data/secrets.json',
        }),
      'PUT /api/v1/secrets/etl-token': () => {
        names = [...names, 'etl-token'];
        return json(200, { name: 'etl-token', updatedAt: '2026-12-06T08:01:00Z' });
      },
      'DELETE /api/v1/secrets/db-password': () => {
        names = names.filter((n) => n !== 'db-password');
        return new Response(null, { status: 204 });
      },
    });
    vi.stubGlobal('fetch', fetch);
    vi.stubGlobal('confirm', () => true);
    const w = mount(SecretsPanel, { attachTo: document.body });
    await flushPromises();
    expect(w.find('[data-testid="secret-row-db-password"]').exists()).toBe(true);
    expect(w.text()).toContain('secrets file /data/secrets.json');

    await w.find('[data-testid="secret-name"]').setValue('etl-token');
    await w.find('[data-testid="secret-value"]').setValue('hunter2');
    expect(w.find('[data-testid="secret-value"]').attributes('type')).toBe('password');
    await w.find('[data-testid="secret-form"]').trigger('submit');
    await flushPromises();
    expect(calls.find((c) => c.method === 'PUT')?.body).toEqual({ value: 'hunter2' });
    expect(w.find<HTMLInputElement>('[data-testid="secret-value"]').element.value).toBe('');
    expect(w.find('[data-testid="secret-row-etl-token"]').exists()).toBe(true);
    expect(w.html()).not.toContain('hunter2');

    await w.find('[data-testid="secret-row-db-password"] button').trigger('click');
    await flushPromises();
    expect(w.find('[data-testid="secret-row-db-password"]').exists()).toBe(false);
    w.unmount();
  });
});
