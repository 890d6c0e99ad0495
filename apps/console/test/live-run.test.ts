import { describe, expect, it, vi } from 'vitest';
import { defineComponent, h, ref } from 'vue';
import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { api } from '../src/api';
import { useLiveRun } from '../src/composables/useLiveRun';
import { useRunsStore } from '../src/stores/runs';

/**
 * Regression: the run page read the run, then opened the event stream, and re-read the run only after a
 * *re*-connect. A run that finished between the first read and the subscription stayed "running" on screen
 * (seen in the e2e run under load). The run is now re-read each time the stream opens.
 */
describe('useLiveRun', () => {
  it('re-reads the open run when the stream first opens, and again after each reconnect', async () => {
    setActivePinia(createPinia());
    const store = useRunsStore();
    const open = vi.spyOn(store, 'open').mockResolvedValue(undefined as never);
    let report: ((s: 'open' | 'reconnecting' | 'closed') => void) | undefined;
    vi.spyOn(api.client, 'runEvents').mockImplementation(async (options) => {
      report = options.onStatus;
      await new Promise<void>((resolve) => options.signal?.addEventListener('abort', () => resolve()));
    });

    const wrapper = mount(
      defineComponent({
        setup() {
          useLiveRun(ref({ namespace: 'team-a', id: 'run-1' }));
          return () => h('div');
        },
      }),
    );
    expect(open).not.toHaveBeenCalled();
    report?.('open');
    expect(open).toHaveBeenCalledTimes(1);
    expect(open).toHaveBeenLastCalledWith({ namespace: 'team-a', id: 'run-1' });
    report?.('reconnecting');
    report?.('open');
    expect(open).toHaveBeenCalledTimes(2);
    wrapper.unmount();
  });

  it('applies the events that wait for a frame before re-reading the run, so the read lands on top', async () => {
    setActivePinia(createPinia());
    const store = useRunsStore();
    const order: string[] = [];
    vi.spyOn(store, 'open').mockImplementation(async () => {
      order.push('read');
      return undefined as never;
    });
    vi.spyOn(store, 'applyEvents').mockImplementation((events) => {
      order.push(`apply ${events.length}`);
    });
    let options: Parameters<typeof api.client.runEvents>[0] | undefined;
    vi.spyOn(api.client, 'runEvents').mockImplementation(async (o) => {
      options = o;
      await new Promise<void>((resolve) => o.signal.addEventListener('abort', () => resolve()));
    });
    const wrapper = mount(
      defineComponent({
        setup() {
          useLiveRun(ref({ namespace: 'team-a', id: 'run-1' }));
          return () => h('div');
        },
      }),
    );
    const event = { id: '1', event: 'task.started' as const, data: { run: {} as never } };
    options?.onEvent(event);
    options?.onEvent({ ...event, id: '2' });
    expect(order).toEqual([]);
    options?.onStatus?.('open');
    expect(order).toEqual(['apply 2', 'read']);
    wrapper.unmount();
  });
});
