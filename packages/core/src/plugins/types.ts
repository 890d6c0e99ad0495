/**
 * The plugin API. A plugin is a plain object `{name, setup(host)}`; through `host` it registers task types,
 * runtimes, notifiers and hooks, and reads services from the container by the tokens in `di/tokens.ts`.
 */
import type { DependencyContainer } from 'tsyringe';
import type { CompiledDag, CompiledTask } from '../dag/compiled.js';
import type { EngineEventBus, EngineEventName, EngineEventPayload } from '../events/engine-events.js';
import type { DeliveryAttempt, OutboxMessage, OutboxRecord, RunRecord } from '../model/records.js';
import type { Logger } from '../ports/logger.js';
import type { AttemptContext, Runtime, TaskOutcome } from '../ports/runtime.js';

/** What `beforeTaskStart` may answer: go on (optionally with amended parameters) or veto. */
export type BeforeTaskStartResult =
  | void
  | { readonly veto: { reason: string; message: string; retryable?: boolean } }
  | { readonly parameters: AttemptContext['parameters'] };

export interface TaskHooks {
  /** Runs before an attempt is handed to its runtime; may veto (the attempt fails) or amend parameters. */
  beforeTaskStart?(context: AttemptContext): BeforeTaskStartResult | Promise<BeforeTaskStartResult>;
  /** Observes every outcome after it is recorded. Errors are logged, never fatal. */
  afterTaskEnd?(context: AttemptContext, outcome: TaskOutcome): void | Promise<void>;
}

/** An event the engine offers notifiers when it commits a state change. */
export type NotifiableEvent = {
  [K in EngineEventName]: { readonly name: K; readonly payload: EngineEventPayload<K> };
}[EngineEventName];

/**
 * Turns engine events into durable outbox messages (written in the same transaction as the state change)
 * and delivers them. Delivery is retried by the dispatcher with backoff.
 */
export interface Notifier {
  readonly name: string;
  /** The outbox topic this notifier consumes. */
  readonly topic: string;
  /** Pure: which message (if any) an event becomes for this DAG. */
  select(event: NotifiableEvent, dag: CompiledDag): Omit<OutboxMessage, 'id' | 'createdAt' | 'topic'> | null;
  /** Sends one message once; the dispatcher records the attempt and schedules retries. */
  deliver(message: OutboxRecord): Promise<Omit<DeliveryAttempt, 'outboxId' | 'attempt' | 'at'>>;
  /** How long the dispatcher keeps retrying a message before marking it failed. @default 24h */
  readonly maxAgeMs?: number;
}

export interface PluginHost {
  /** Makes tasks with `type: <type>` run on `runtime`. */
  registerTaskType(type: string, runtime: Runtime): void;
  /** Adds a runtime that the engine can select by name (`defaultRuntime`). */
  registerRuntime(runtime: Runtime): void;
  registerNotifier(notifier: Notifier): void;
  registerHooks(hooks: TaskHooks): void;
  readonly events: EngineEventBus;
  readonly container: DependencyContainer;
  readonly logger: Logger;
}

export interface Plugin {
  readonly name: string;
  setup(host: PluginHost): void | Promise<void>;
}

/** Identity helper that types a plugin object. */
export function definePlugin(plugin: Plugin): Plugin {
  return plugin;
}

export type { CompiledTask, RunRecord };
