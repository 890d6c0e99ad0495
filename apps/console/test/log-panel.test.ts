import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import LogPanel from '../src/components/LogPanel.vue';
import { fakeFetch, json, makeAttempt } from './helpers';

const line = (seq: number, text: string, stream = 'stdout') => ({
  seq,
  ts: '2026-11-25T10:00:00Z',
  stream,
  line: text,
});

describe('LogPanel', () => {
  beforeEach(() => setActivePinia(createPinia()));
  afterEach(() => vi.unstubAllGlobals());

  it('shows the tail, follows the live stream without duplicates, and stops at the end event', async () => {
    const sse =
      [line(2, 'two'), line(3, 'three')].map((l) => `event: log\ndata: ${JSON.stringify(l)}\n\n`).join('') +
      'event: end\ndata: {}\n\n';
    const { fetch, calls } = fakeFetch({
      'GET /api/v1/namespaces/default/runs/r1/attempts/a1/logs': () =>
        json(200, { lines: [line(1, 'one'), line(2, 'two')] }),
      'GET /api/v1/namespaces/default/runs/r1/attempts/a1/logs/stream': () =>
        new Response(new Blob([sse]).stream(), {
          status: 200,
          headers: { 'Content-Type': 'text/event-stream' },
        }),
    });
    vi.stubGlobal('fetch', fetch);
    const w = mount(LogPanel, { props: { run: { namespace: 'default', id: 'r1' }, attempt: makeAttempt() } });
    await vi.waitFor(() => expect(w.find('[data-testid="log-output"]').text()).toContain('three'));
    const text = w.find('[data-testid="log-output"]').text();
    expect(text.match(/two/g)).toHaveLength(1);
    expect(text.indexOf('one')).toBeLessThan(text.indexOf('three'));
    const stream = calls.find((c) => c.url.includes('/logs/stream'))!;
    expect(stream.url).toContain('afterSeq=2');
    w.unmount();
  });

  it('filters and highlights by search, and does not stream a finished attempt', async () => {
    const { fetch, calls } = fakeFetch({
      'GET /api/v1/namespaces/default/runs/r1/attempts/a1/logs': () =>
        json(200, { lines: [line(1, 'hello world'), line(2, 'boom', 'stderr')] }),
    });
    vi.stubGlobal('fetch', fetch);
    const w = mount(LogPanel, {
      props: {
        run: { namespace: 'default', id: 'r1' },
        attempt: makeAttempt({ state: 'failed', exitCode: 1 }),
      },
    });
    await flushPromises();
    await w.find('[data-testid="log-search"]').setValue('WORLD');
    const out = w.find('[data-testid="log-output"]');
    expect(out.text()).toContain('hello world');
    expect(out.text()).not.toContain('boom');
    expect(out.find('mark').text()).toBe('world');
    expect(calls.some((c) => c.url.includes('/stream'))).toBe(false);
    w.unmount();
  });
});
