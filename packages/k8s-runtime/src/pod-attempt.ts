/**
 * One attempt's pod, followed from before it exists to its end: its watcher wakes it on every watch event
 * of the pod, on the attempt's abort and on its timers; each wake reads the pod from the informer and
 * decides. Once the pod has started it takes a log slot; a pod stuck pulling its image fails after the
 * deadline; a pod the watch has not delivered is asked for directly, less and less often.
 *
 * An object with its behaviour on the prototype, not an async loop: a controller follows ten thousand pods
 * at once, and a loop suspended at `await` would hold a frame per pod (about 300 bytes of registers, a
 * generator, and each wait's promise and closures; npm run bench -- controller).
 */
import type { AttemptContext, TaskOutcome } from '@kontroler/core';
import type { V1Pod } from '@kubernetes/client-node';
import type { Informer } from './informer.js';
import type { LogSlot, LogSlots } from './log-slots.js';
import type { LostPodChecks } from './lost-pod-checks.js';
import { classifyPod, collectOutputs, hasStarted, STUCK_REASONS, stuckOutcome } from './outcome.js';
import { outputNames } from './pod-spec.js';
import { PodWatcher, type PodWatchers } from './pod-watchers.js';

/** The longest wait between two direct checks of a pod the watch has not delivered. */
const LOST_POD_CHECK_MAX_MS = 300_000;

/** What every attempt's pod shares with its runtime. */
export interface PodAttemptDeps {
  readonly watchers: PodWatchers;
  readonly logSlots: LogSlots;
  readonly lostPodChecks: LostPodChecks;
  readonly lostPodCheckMs: number;
  readonly imagePullDeadlineMs: number;
  readonly logDrainTimeoutMs: number;
  /** The informer delivers every cached pod again now and then, so a running pod needs no timer. */
  readonly resyncing: boolean;
  readonly podsPath: (namespace: string) => string;
  /** Streams the container's log into `ctx.log` until it ends or `signal` aborts. */
  followLog(ctx: AttemptContext, namespace: string, pod: string, signal: AbortSignal): Promise<void>;
  deletePod(namespace: string, name: string): Promise<void>;
}

/**
 * `complete`: the pod ended, read the rest of its log; `delete`: stop it now (cancel, timeout, stuck);
 * `leave`: stop following and leave the pod to the worker that took the attempt over.
 */
type Ending = 'complete' | 'delete' | 'leave';

/**
 * `signal.reason` → Timeout, Canceled, or Lost (the engine lost its lease on the attempt: another worker
 * takes it over and adopts the pod, so the pod must be left alone).
 */
export function abortReason(signal: Pick<AbortSignal, 'reason'>): 'Timeout' | 'Canceled' | 'Lost' {
  const r: unknown = signal.reason;
  const text =
    typeof r === 'string'
      ? r
      : r && typeof r === 'object'
        ? [
            (r as { name?: unknown }).name,
            (r as { code?: unknown }).code,
            (r as { reason?: unknown }).reason,
            (r as { message?: unknown }).message,
          ]
            .filter((v) => typeof v === 'string')
            .join(' ')
        : '';
  if (/time.?out|deadline/i.test(text)) return 'Timeout';
  return /^lost$/i.test(text.trim()) ? 'Lost' : 'Canceled';
}

/** One attempt's pod (see above); `execute` makes it before the pod exists and `follow`s it once created. */
export class PodAttempt {
  /** Woken by the pod's watch events and the attempt's abort from the moment this exists. */
  readonly watcher = new PodWatcher();
  readonly #unlisten: () => void;
  #informer: Informer<V1Pod> | undefined;
  #resolve: ((outcome: TaskOutcome | Promise<TaskOutcome>) => void) | undefined;
  #reject: ((error: unknown) => void) | undefined;
  /** Set once the outcome is decided: later wakes change nothing. */
  #decided = false;
  #stuckSince: number | undefined;
  #lastCheck = Date.now();
  #checkEveryMs: number;
  #logSlot: LogSlot | undefined;
  #logs: Promise<void> | undefined;
  #logAbort: AbortController | undefined;
  /** Set once the attempt is over: a log slot granted after that is given back unused. */
  #ended = false;
  /** A watcher's wake decides in a microtask of its own, as the `await` of a loop would. */
  readonly #wake = (): void => queueMicrotask(this.#decide);
  readonly #decide = (): void => this.decide();

  constructor(
    private readonly deps: PodAttemptDeps,
    readonly ctx: AttemptContext,
    readonly namespace: string,
    readonly name: string,
  ) {
    this.#checkEveryMs = deps.lostPodCheckMs;
    // Followed from before the pod exists, so no event is missed.
    deps.watchers.add(namespace, name, this.watcher);
    this.#unlisten = listenForAbort(ctx, this.watcher);
  }

  /** Follows the created (or adopted) pod through `informer` until its outcome, then lets go of it. */
  follow(informer: Informer<V1Pod>): Promise<TaskOutcome> {
    this.#informer = informer;
    const outcome = new Promise<TaskOutcome>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.decide();
    return outcome;
  }

  /** Stops following: the watch, the direct checks, the abort and the log. Once, at the end. */
  close(): void {
    this.deps.watchers.remove(this.namespace, this.name, this.watcher);
    this.deps.lostPodChecks.cancel(this.watcher);
    this.#unlisten();
    this.#ended = true;
    this.#logAbort?.abort();
    this.#logSlot?.release();
  }

  /** Reads the pod and ends the attempt, or waits for the watcher's next wake. */
  private decide(): void {
    if (this.#decided) return;
    try {
      const waitMs = this.step();
      if (waitMs !== null) this.watcher.sleep(waitMs, this.#wake);
    } catch (error) {
      this.#decided = true;
      this.close();
      this.#reject?.(error);
    }
  }

  /** One look at the pod: null once the attempt ends, else how long to wait at most (undefined: no timer). */
  private step(): number | undefined | null {
    const { watcher, name, deps } = this;
    if (watcher.aborted) {
      const reason = abortReason(watcher);
      const message = {
        Timeout: 'the attempt timed out',
        Canceled: 'the attempt was canceled',
        Lost: `this worker lost the attempt; pod ${name} is left to the worker that took it over`,
      }[reason];
      return this.end(
        { status: 'failed', exitCode: null, reason, message },
        reason === 'Lost' ? 'leave' : 'delete',
      );
    }
    const current = this.#informer?.get(name);
    if (watcher.gone && !current) {
      const message = `pod ${name} was deleted by someone else`;
      return this.end({ status: 'failed', exitCode: null, reason: 'PodDeleted', message }, 'complete');
    }
    let waitMs: number | undefined;
    if (current) {
      if (!this.#logSlot && hasStarted(current))
        this.#logSlot = deps.logSlots.take((slot) => this.followLog(slot));
      const view = classifyPod(current);
      if (view.kind === 'done') {
        if (view.outcome.failureKind === 'start') {
          this.ctx.log({ stream: 'system', line: `${view.outcome.reason}: ${view.outcome.message ?? name}` });
        }
        return this.end(collectOutputs(view.outcome, current, outputNames(this.ctx.task.spec)), 'complete');
      }
      if (view.kind === 'pending' && view.waitingReason && STUCK_REASONS.has(view.waitingReason)) {
        this.#stuckSince ??= Date.now();
        const waited = Date.now() - this.#stuckSince;
        if (waited >= deps.imagePullDeadlineMs) {
          const stuck = stuckOutcome(view.waitingReason, view.message, waited);
          // The container never ran: without this line its log would be empty.
          this.ctx.log({ stream: 'system', line: `${stuck.reason}: ${stuck.message ?? view.waitingReason}` });
          return this.end(stuck, 'delete');
        }
        waitMs = deps.imagePullDeadlineMs - waited;
      } else this.#stuckSince = undefined;
    } else if (watcher.missing) {
      return this.end(
        { status: 'failed', exitCode: null, reason: 'Lost', message: `pod ${name} disappeared` },
        'leave',
      );
    } else if (!watcher.seen) {
      // The watch has not delivered it: ask directly, and less often each time, since a watch far more
      // often lags than misses. The answer wakes the attempt only when the pod is gone.
      const dueInMs = this.#lastCheck + this.#checkEveryMs - Date.now();
      if (dueInMs <= 0) {
        this.#lastCheck = Date.now();
        deps.lostPodChecks.request(watcher, `${deps.podsPath(this.namespace)}/${name}`);
        this.#checkEveryMs = Math.max(
          deps.lostPodCheckMs,
          Math.min(this.#checkEveryMs * 2, LOST_POD_CHECK_MAX_MS),
        );
      }
      waitMs = dueInMs <= 0 ? this.#checkEveryMs : dueInMs;
    }
    // Watch events wake the attempt. A running pod needs no timer of its own while the informer resyncs
    // (every cached pod is delivered again): one timer per running attempt adds up at ten thousand.
    return waitMs ?? (current && deps.resyncing ? undefined : 60_000);
  }

  /** Decides the outcome: settles once the log is read (and the pod deleted), then lets go. */
  private end(outcome: TaskOutcome, how: Ending): null {
    this.#decided = true;
    this.#resolve?.(this.finish(outcome, how).finally(() => this.close()));
    return null;
  }

  private async finish(outcome: TaskOutcome, how: Ending): Promise<TaskOutcome> {
    const logSlot = this.#logSlot;
    if (logSlot) {
      // Still waiting for a follow: the container has ended, so its whole log comes in one short read.
      if (how === 'complete') logSlot.promote();
      const logs = this.#logs;
      const drained =
        logs === undefined ||
        (await Promise.race([
          logs.then(() => true),
          new Promise<boolean>((r) =>
            setTimeout(() => r(false), how === 'complete' ? this.deps.logDrainTimeoutMs : 0).unref(),
          ),
        ]));
      if (!drained && how === 'complete')
        this.ctx.log({ stream: 'system', line: 'log stream did not complete in time' });
      this.#ended = true;
      this.#logAbort?.abort();
    }
    if (how === 'delete') await this.deps.deletePod(this.namespace, this.name);
    return outcome;
  }

  /** Made when the slot is granted: most attempts of a busy controller wait for one (maxLogFollows). */
  private followLog(slot: LogSlot): void {
    if (this.#ended) return slot.release();
    this.#logAbort = new AbortController();
    this.#logs = this.deps
      .followLog(this.ctx, this.namespace, this.name, this.#logAbort.signal)
      .finally(() => slot.release());
  }
}

/**
 * Wakes `watcher` when the attempt is aborted: through `ctx.onAbort` when the engine offers it (no
 * AbortSignal per attempt), else through the signal. Returns what stops listening.
 */
function listenForAbort(ctx: AttemptContext, watcher: PodWatcher): () => void {
  if (ctx.onAbort) return ctx.onAbort((reason) => watcher.abort(reason));
  const signal = ctx.signal;
  if (signal.aborted) {
    watcher.abort(signal.reason);
    return () => {};
  }
  signal.addEventListener('abort', watcher);
  return () => signal.removeEventListener('abort', watcher);
}
