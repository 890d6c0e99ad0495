/**
 * Prometheus metrics for one controller replica, fed by the engine's events. Counters are per replica;
 * Prometheus sums them across replicas.
 */
import type { EngineEventBus } from '@kontroler/core';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface ControllerMetrics {
  readonly registry: Registry;
  /** Counts apiserver request failures reported by the Kubernetes runtime and CRD sync. */
  readonly apiserverErrors: Counter<'operation'>;
  readonly leader: Gauge;
  /** Webhook delivery attempts by outcome (delivered, failed). */
  readonly webhookDeliveries: Counter<'outcome'>;
  /** Attempts this replica claimed, from the queue or in the commit that readied them. */
  readonly claims: Counter;
  /** Attempt lease renewals by result (renewed, lost). */
  readonly leaseRenewals: Counter<'result'>;
  /** Stops listening to the engine. */
  detach(): void;
}

export interface MetricsOptions {
  /** Attempts waiting for a worker, read at each scrape (the `kontroler_queue_depth` gauge). */
  readonly queueDepth?: () => Promise<number>;
  /** Live log follows and pods waiting for one (Kubernetes runtime), read at each scrape. */
  readonly logFollows?: () => { active: number; waiting: number } | undefined;
}

export function createMetrics(events: EngineEventBus, options: MetricsOptions = {}): ControllerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'kontroler_' });
  const runs = new Counter({
    name: 'kontroler_runs_total',
    help: 'Runs by the state they reached (created, started, succeeded, failed, canceled)',
    labelNames: ['state'] as const,
    registers: [registry],
  });
  const attempts = new Counter({
    name: 'kontroler_task_attempts_total',
    help: 'Task attempts by the state they reached',
    labelNames: ['state'] as const,
    registers: [registry],
  });
  const inFlight = new Gauge({
    name: 'kontroler_task_attempts_in_flight',
    help: 'Attempts this replica has started and not yet finished',
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'kontroler_dependency_start_latency_seconds',
    help: 'Time from a task becoming ready (its dependencies succeeded) to a worker starting it',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const apiserverErrors = new Counter({
    name: 'kontroler_apiserver_request_errors_total',
    help: 'Kubernetes apiserver requests that failed',
    labelNames: ['operation'] as const,
    registers: [registry],
  });
  const leader = new Gauge({
    name: 'kontroler_leader',
    help: '1 while this replica holds the leader Lease',
    registers: [registry],
  });

  const webhookDeliveries = new Counter({
    name: 'kontroler_webhook_deliveries_total',
    help: 'Webhook delivery attempts by outcome (delivered, failed)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const claims = new Counter({
    name: 'kontroler_attempt_claims_total',
    help: 'Task attempts this replica claimed, from the queue or in the commit that readied them',
    registers: [registry],
  });
  const leaseRenewals = new Counter({
    name: 'kontroler_attempt_lease_renewals_total',
    help: 'Attempt lease renewals by result (renewed, lost)',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  const queueDepth = options.queueDepth;
  if (queueDepth !== undefined) {
    new Gauge({
      name: 'kontroler_queue_depth',
      help: 'Attempts that are ready (or due to retry, or whose lease expired) and wait for a worker',
      registers: [registry],
      async collect() {
        try {
          this.set(await queueDepth());
        } catch {
          // The store is unreachable: /readyz says so; keep the last value.
        }
      },
    });
  }

  const logFollows = options.logFollows;
  if (logFollows !== undefined) {
    new Gauge({
      name: 'kontroler_log_follows',
      help: 'Pod log follows by state: active (streaming) or waiting (over KONTROLER_LOG_FOLLOWS)',
      labelNames: ['state'] as const,
      registers: [registry],
      collect() {
        const now = logFollows();
        if (now === undefined) return;
        this.set({ state: 'active' }, now.active);
        this.set({ state: 'waiting' }, now.waiting);
      },
    });
  }

  const handlers = {
    'run.created': () => runs.inc({ state: 'created' }),
    'run.started': () => runs.inc({ state: 'started' }),
    'run.finished': ({ run }: { run: { state: string } }) => runs.inc({ state: run.state }),
    'task.started': ({ attempt }: { attempt: { startedAt: number | null; availableAt: number | null } }) => {
      attempts.inc({ state: 'started' });
      inFlight.inc();
      if (attempt.startedAt !== null && attempt.availableAt !== null) {
        latency.observe(Math.max(0, attempt.startedAt - attempt.availableAt) / 1000);
      }
    },
    // An approval task decided by a person never started on a worker (docs/approval.md): not in flight.
    'task.succeeded': ({ attempt }: { attempt: { decidedBy?: string | null } }) => {
      attempts.inc({ state: 'succeeded' });
      if (attempt.decidedBy == null) inFlight.dec();
    },
    'task.failed': ({ attempt }: { attempt: { decidedBy?: string | null } }) => {
      attempts.inc({ state: 'failed' });
      if (attempt.decidedBy == null) inFlight.dec();
    },
    'task.retrying': () => attempts.inc({ state: 'retrying' }),
    'task.skipped': () => attempts.inc({ state: 'skipped' }),
    'task.canceled': () => attempts.inc({ state: 'canceled' }),
  } as const;
  for (const [name, handler] of Object.entries(handlers)) events.on(name as never, handler as never);

  return {
    registry,
    apiserverErrors,
    leader,
    webhookDeliveries,
    claims,
    leaseRenewals,
    detach() {
      for (const [name, handler] of Object.entries(handlers)) events.off(name as never, handler as never);
    },
  };
}
