/**
 * A notifier plugin for chat tools' incoming webhooks (Slack's Block Kit format; Mattermost and others
 * accept the same `text`). It shows the two halves every notifier has:
 *
 * - `select(event, dag)` is pure and runs inside the engine's commit: the message it returns is stored in
 *   the outbox in the same transaction as the state change, so a crash cannot lose it.
 * - `deliver(message)` makes one attempt; the engine's dispatcher records it and retries with backoff.
 */
import {
  definePlugin,
  type AttemptRecord,
  type NotifiableEvent,
  type Notifier,
  type Plugin,
  type RunRecord,
} from '@kontroler/core';

export interface ChatNotifierOptions {
  /** The incoming-webhook URL for DAGs without a route. Without it, unrouted DAGs are not reported. */
  readonly url?: string;
  /** Per-DAG URLs (a team's channel), by DAG name. @default {} */
  readonly routes?: Readonly<Record<string, string>>;
  /** Report every finished run (true) or only failed and canceled ones (false). @default false */
  readonly reportSuccess?: boolean;
  /** Links run ids to a console, e.g. `https://kontroler.example/runs/`. @default none */
  readonly consoleUrl?: string;
  /** Delivery deadline. @default 10000 */
  readonly timeoutMs?: number;
  /** The outbox topic. @default 'chat' */
  readonly topic?: string;
}

/** Slack Block Kit, the subset used here. */
export type Block =
  | { type: 'header'; text: { type: 'plain_text'; text: string } }
  | {
      type: 'section';
      text?: { type: 'mrkdwn'; text: string };
      fields?: Array<{ type: 'mrkdwn'; text: string }>;
    }
  | { type: 'context'; elements: Array<{ type: 'mrkdwn'; text: string }> };

export interface ChatMessage {
  /** The fallback shown in notifications and by tools that ignore blocks. */
  readonly text: string;
  readonly blocks: Block[];
}

const ICON: Record<string, string> = {
  succeeded: ':white_check_mark:',
  failed: ':x:',
  canceled: ':no_entry_sign:',
};

/** Slack mrkdwn needs `&`, `<` and `>` escaped in user text. */
function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function duration(from: number | null, to: number | null): string {
  if (from === null || to === null) return 'n/a';
  const s = Math.round((to - from) / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m ${s % 60}s`;
}

function runLink(run: RunRecord, consoleUrl: string | undefined): string {
  return consoleUrl ? `<${consoleUrl}${encodeURIComponent(run.id)}|${run.id}>` : `\`${run.id}\``;
}

/** Formats a finished run. Pure: everything comes from the record. */
export function formatRunFinished(
  run: RunRecord,
  options: Pick<ChatNotifierOptions, 'consoleUrl'> = {},
): ChatMessage {
  const icon = ICON[run.state] ?? ':grey_question:';
  const title = `${run.dagName} ${run.state}`;
  return {
    text: `${icon} DAG ${run.dagName} ${run.state}${run.reason ? `: ${run.reason}` : ''}`,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: `${title}`.slice(0, 150) } },
      {
        type: 'section',
        fields: [
          { type: 'mrkdwn', text: `*Run*\n${runLink(run, options.consoleUrl)}` },
          { type: 'mrkdwn', text: `*Version*\n${run.dagVersion}` },
          { type: 'mrkdwn', text: `*Trigger*\n${run.trigger}` },
          { type: 'mrkdwn', text: `*Duration*\n${duration(run.startedAt, run.finishedAt)}` },
        ],
      },
      ...(run.reason
        ? [
            {
              type: 'section' as const,
              text: { type: 'mrkdwn' as const, text: `${icon} ${escape(run.reason)}` },
            },
          ]
        : []),
      { type: 'context', elements: [{ type: 'mrkdwn', text: `namespace ${run.namespace} · Kontroler` }] },
    ],
  };
}

/** Formats a task that failed for good (no retry left). */
export function formatTaskFailed(
  run: RunRecord,
  attempt: AttemptRecord,
  options: Pick<ChatNotifierOptions, 'consoleUrl'> = {},
): ChatMessage {
  const exit = attempt.exitCode === null ? '' : ` (exit ${attempt.exitCode})`;
  return {
    text: `:x: ${run.dagName}/${attempt.taskName} failed after ${attempt.attempt} attempt(s)${exit}`,
    blocks: [
      {
        type: 'header',
        text: { type: 'plain_text', text: `${run.dagName} / ${attempt.taskName} failed`.slice(0, 150) },
      },
      {
        type: 'section',
        fields: [
          { type: 'mrkdwn', text: `*Run*\n${runLink(run, options.consoleUrl)}` },
          { type: 'mrkdwn', text: `*Attempt*\n${attempt.attempt}` },
          { type: 'mrkdwn', text: `*Reason*\n${escape(attempt.reason ?? 'unknown')}${exit}` },
          { type: 'mrkdwn', text: `*Duration*\n${duration(attempt.startedAt, attempt.finishedAt)}` },
        ],
      },
      ...(attempt.message
        ? [
            {
              type: 'section' as const,
              text: {
                type: 'mrkdwn' as const,
                text: `\`\`\`${escape(attempt.message).slice(0, 2900)}\`\`\``,
              },
            },
          ]
        : []),
    ],
  };
}

interface Envelope {
  readonly url: string;
  readonly message: ChatMessage;
}

function isEnvelope(value: unknown): value is Envelope {
  const v = value as Partial<Envelope> | null;
  return typeof v?.url === 'string' && typeof v.message === 'object' && v.message !== null;
}

export function createChatNotifier(options: ChatNotifierOptions): Notifier {
  const timeoutMs = options.timeoutMs ?? 10_000;

  function message(event: NotifiableEvent): ChatMessage | null {
    if (event.name === 'run.finished') {
      const { run } = event.payload;
      return run.state === 'succeeded' && !options.reportSuccess ? null : formatRunFinished(run, options);
    }
    // Failures that will be retried are noise in a channel: report only the final one.
    if (event.name === 'task.failed' && !event.payload.willRetry) {
      return formatTaskFailed(event.payload.run, event.payload.attempt, options);
    }
    return null;
  }

  return {
    name: 'chat',
    topic: options.topic ?? 'chat',
    select(event, dag) {
      const url = options.routes?.[dag.name] ?? options.url;
      if (url === undefined) return null;
      const formatted = message(event);
      if (formatted === null) return null;
      const runId = 'run' in event.payload ? event.payload.run.id : null;
      const envelope: Envelope = { url, message: formatted };
      return { runId, payload: { ...envelope } };
    },
    async deliver(record) {
      const started = performance.now();
      const elapsed = () => Math.round(performance.now() - started);
      if (!isEnvelope(record.payload))
        return { ok: false, statusCode: null, error: 'not a chat message', durationMs: 0 };
      try {
        const response = await fetch(record.payload.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(record.payload.message),
          signal: AbortSignal.timeout(timeoutMs),
        });
        const text = (await response.text()).slice(0, 200);
        return response.ok
          ? { ok: true, statusCode: response.status, error: null, durationMs: elapsed() }
          : {
              ok: false,
              statusCode: response.status,
              error: `HTTP ${response.status}: ${text}`,
              durationMs: elapsed(),
            };
      } catch (error) {
        // fetch says "fetch failed"; the reason (ECONNREFUSED, a timeout…) is in its cause.
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        const text = error instanceof Error ? error.message : String(error);
        const detail = cause?.code ?? cause?.message;
        return {
          ok: false,
          statusCode: null,
          error: detail ? `${text}: ${detail}` : text,
          durationMs: elapsed(),
        };
      }
    },
  };
}

/** `plugins: [chatNotifierPlugin({url: process.env.SLACK_WEBHOOK_URL})]` */
export function chatNotifierPlugin(options: ChatNotifierOptions): Plugin {
  return definePlugin({
    name: 'example/chat-notifier',
    setup(host) {
      host.registerNotifier(createChatNotifier(options));
    },
  });
}
