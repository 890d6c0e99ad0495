/** A MemoryStore + FakeRuntime + FakeClock engine, and an event recorder to wait on instead of sleeping. */
import {
  createEngine,
  RUN_EVENT_NAMES,
  type Engine,
  type EngineEventName,
  type EngineOptions,
  type EngineEventPayload,
} from '../../src/index.js';
import { FakeClock, FakeRuntime, createMemoryStore, type MemoryStore } from '../../src/testing/index.js';

export const EVENT_NAMES: EngineEventName[] = [...RUN_EVENT_NAMES, 'schedule.fired', 'engine.error'];

export interface Recorded {
  readonly name: EngineEventName;
  readonly payload: EngineEventPayload<EngineEventName>;
}

/** Records every engine event; `until` resolves at the first (past or future) event matching. */
export class Recorder {
  readonly events: Recorded[] = [];
  readonly #waiters: Array<{ match: (e: Recorded) => boolean; resolve: (e: Recorded) => void }> = [];

  constructor(engine: Engine) {
    for (const name of EVENT_NAMES) {
      engine.events.on(name, (payload: EngineEventPayload<EngineEventName>) => this.#push({ name, payload }));
    }
  }

  #push(event: Recorded): void {
    this.events.push(event);
    for (const waiter of [...this.#waiters]) {
      if (waiter.match(event)) {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        waiter.resolve(event);
      }
    }
  }

  until(match: (e: Recorded) => boolean): Promise<Recorded> {
    const found = this.events.find(match);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve) => this.#waiters.push({ match, resolve }));
  }

  /** Resolves with the finished run. */
  async finished(runId: string) {
    const event = await this.until((e) => e.name === 'run.finished' && runOf(e) === runId);
    return (event.payload as EngineEventPayload<'run.finished'>).run;
  }

  /** `name` or `name:task` per event, for exact sequence assertions. */
  trace(runId?: string): string[] {
    return this.events
      .filter((e) => runId === undefined || runOf(e) === runId)
      .map((e) => {
        const attempt = (e.payload as { attempt?: { taskName: string; attempt: number } }).attempt;
        return attempt === undefined ? e.name : `${e.name}:${attempt.taskName}`;
      });
  }
}

function runOf(e: Recorded): string | undefined {
  return (e.payload as { run?: { id: string } }).run?.id;
}

export interface Harness {
  readonly clock: FakeClock;
  readonly store: MemoryStore;
  readonly runtime: FakeRuntime;
  readonly engine: Engine;
  readonly recorder: Recorder;
}

/** Deterministic ids (`id-0001`…), so that claim order among equals is stable. */
export function counterIds(prefix = 'id'): () => string {
  let n = 0;
  return () => `${prefix}-${String(++n).padStart(6, '0')}`;
}

export async function harness(
  options: Partial<EngineOptions> & { clock?: FakeClock; store?: MemoryStore; runtime?: FakeRuntime } = {},
): Promise<Harness> {
  const clock = options.clock ?? new FakeClock();
  const store = options.store ?? createMemoryStore();
  const runtime = options.runtime ?? new FakeRuntime({ clock });
  const engine = createEngine({
    scheduler: false,
    newId: counterIds(),
    runtimes: [runtime],
    ...options,
    store,
    clock,
  });
  const recorder = new Recorder(engine);
  await engine.start();
  return { clock, store, runtime, engine, recorder };
}

export function dagDoc(
  name: string,
  tasks: Array<Record<string, unknown>>,
  extra: Record<string, unknown> = {},
) {
  return {
    name,
    ...extra,
    tasks: tasks.map((t) => ({ image: 'alpine:3', command: ['true'], ...t })),
  };
}

export const DIAMOND = dagDoc('diamond', [
  { name: 'a' },
  { name: 'b', runAfter: ['a'] },
  { name: 'c', runAfter: ['a'] },
  { name: 'd', runAfter: ['b', 'c'] },
]);
