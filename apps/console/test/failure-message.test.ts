/** Regression (issue 15): why a task failed was only in a tooltip on its reason, and reasons were cut with "…". */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import FailureMessage from '../src/components/FailureMessage.vue';
import LogPanel from '../src/components/LogPanel.vue';
import { failureToShow } from '../src/components/failure';
import type { Attempt } from '../src/api';
import { fakeFetch, json } from './helpers';

const LONG =
  'spawn /scripts/prepare.sh ENOENT: the command was not found on this host; the process runtime ignores ' +
  'the image alpine:3.20 and runs commands on the machine itself, ' +
  'so /a/very/long/path/that/does/not/exist/anywhere/on/this/machine/prepare-the-data-set.sh cannot start';

function attempt(over: Partial<Attempt>): Attempt {
  return {
    id: 'a1',
    taskName: 'extract',
    attempt: 1,
    state: 'failed',
    exitCode: 127,
    reason: 'StartError',
    message: LONG,
    createdAt: '2026-11-25T10:00:00Z',
    startedAt: '2026-11-25T10:00:00Z',
    finishedAt: '2026-11-25T10:00:01Z',
    durationMs: 1000,
    failureKind: null,
    outputs: null,
    instance: null,
    ...over,
  };
}

describe('failureToShow', () => {
  const ok = attempt({ id: 'ok', taskName: 'first', state: 'succeeded', reason: 'Completed', message: null });
  const first = attempt({ id: 'f1', taskName: 'flaky' });
  const second = attempt({ id: 'f2', taskName: 'flaky', attempt: 2, message: 'exited with code 3' });

  it('explains the selected attempt when it failed', () => {
    expect(failureToShow([ok, first, second], 'f2')).toBe(second);
  });

  it('falls back to the first failed attempt when the selection did not fail or nothing is selected', () => {
    expect(failureToShow([ok, first, second], 'ok')).toBe(first);
    expect(failureToShow([ok, first, second], null)).toBe(first);
  });

  it('explains nothing when no attempt failed', () => {
    expect(failureToShow([ok], null)).toBeNull();
    expect(failureToShow([attempt({ state: 'running', reason: null, message: null })], 'a1')).toBeNull();
  });
});

describe('FailureMessage', () => {
  it('shows the whole message, the reason and the exit code, without an ellipsis', () => {
    const w = mount(FailureMessage, { props: { attempt: attempt({}) } });
    expect(w.find('[data-testid="failure-text"]').text()).toBe(LONG);
    expect(w.find('[data-testid="failure-reason"]').text()).toBe('StartError');
    expect(w.text()).toContain('extract failed');
    expect(w.text()).toContain('exit code 127');
    expect(w.text()).not.toContain('…');
    expect(w.find('[title]').exists()).toBe(false);
  });
});

describe('LogPanel', () => {
  beforeEach(() => setActivePinia(createPinia()));
  afterEach(() => vi.unstubAllGlobals());

  it("shows a failed attempt's message in full above its log, and none for a running attempt", async () => {
    const { fetch } = fakeFetch({
      'GET /api/v1/namespaces/default/runs/r1/attempts/a1/logs': () => json(200, { lines: [] }),
      'GET /api/v1/namespaces/default/runs/r1/attempts/a1/logs/stream': () =>
        new Response('event: end\ndata: {}\n\n', {
          status: 200,
          headers: { 'Content-Type': 'text/event-stream' },
        }),
    });
    vi.stubGlobal('fetch', fetch);
    const failed = mount(LogPanel, {
      props: { run: { namespace: 'default', id: 'r1' }, attempt: attempt({}) },
    });
    await flushPromises();
    expect(failed.find('[data-testid="log-failure"] [data-testid="failure-text"]').text()).toBe(LONG);
    failed.unmount();

    const running = mount(LogPanel, {
      props: {
        run: { namespace: 'default', id: 'r1' },
        attempt: attempt({ state: 'running', reason: null, message: null, exitCode: null }),
      },
    });
    await flushPromises();
    expect(running.find('[data-testid="log-failure"]').exists()).toBe(false);
    running.unmount();
  });
});
