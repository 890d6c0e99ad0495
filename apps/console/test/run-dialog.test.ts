import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import RunDialog from '../src/components/RunDialog.vue';
import { fakeFetch, json, problem } from './helpers';

const parameters = [
  { name: 'region', defaultValue: 'eu', description: 'Where to run' },
  { name: 'apiKey', defaultFromSecret: 'vendor-key' },
  { name: 'date' },
];

describe('RunDialog', () => {
  beforeEach(() => setActivePinia(createPinia()));
  afterEach(() => vi.unstubAllGlobals());

  it('builds the form from the parameters: defaults filled, secrets masked', async () => {
    const w = mount(RunDialog, {
      props: { dag: { namespace: 'default', name: 'etl' }, parameters, open: false },
      attachTo: document.body,
    });
    await w.setProps({ open: true });
    const region = w.find<HTMLInputElement>('[data-testid="param-region"]');
    const key = w.find<HTMLInputElement>('[data-testid="param-apiKey"]');
    expect(region.element.value).toBe('eu');
    expect(region.attributes('type')).toBe('text');
    expect(key.attributes('type')).toBe('password');
    expect(key.element.value).toBe('');
    expect(key.attributes('placeholder')).toBe('from secret vendor-key');
    expect(w.find('label[for="param-date"]').text()).toBe('date');
    w.unmount();
  });

  it('sends typed values, leaves untouched secrets to the server, and shows field errors', async () => {
    let attempt = 0;
    const { fetch, calls } = fakeFetch({
      'POST /api/v1/namespaces/default/dags/etl/runs': () =>
        ++attempt === 1
          ? problem(422, 'MISSING_PARAMETER', {
              detail: 'date is required',
              errors: [{ path: '/parameters/date', message: 'required', code: 'MISSING_PARAMETER' }],
            })
          : json(201, { id: 'r1' }),
    });
    vi.stubGlobal('fetch', fetch);
    const w = mount(RunDialog, {
      props: { dag: { namespace: 'default', name: 'etl' }, parameters, open: false },
      attachTo: document.body,
    });
    await w.setProps({ open: true });
    await w.find('form').trigger('submit');
    await flushPromises();
    expect(calls[0]!.body).toMatchObject({ parameters: { region: 'eu' } });
    expect((calls[0]!.body as { parameters: Record<string, string> }).parameters).not.toHaveProperty(
      'apiKey',
    );
    expect(w.find('[data-testid="run-error"]').text()).toBe('date is required');
    expect(w.find('[data-testid="param-date"]').classes()).toContain('invalid');

    await w.find('[data-testid="param-date"]').setValue('2026-11-25');
    await w.find('form').trigger('submit');
    await flushPromises();
    expect(calls[1]!.body).toMatchObject({ parameters: { region: 'eu', date: '2026-11-25' } });
    expect(w.emitted('started')?.[0]).toEqual([{ id: 'r1' }]);
    w.unmount();
  });
});
