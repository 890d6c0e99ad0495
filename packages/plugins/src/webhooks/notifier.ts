/**
 * The webhook notifier. `select` (pure, called by the engine inside the commit of a state change) turns an
 * event into an outbox message that carries the target and the payload; `deliver` (called by the engine's
 * outbox dispatcher, which records each attempt and retries with backoff) signs and POSTs it once.
 */
import type { CompiledDag, DeliveryAttempt, Notifier, OutboxRecord, Plugin } from '@kontroler/core';
import { describeHttpError, httpRequest } from '../shared/http-request.js';
import { SecretNotFoundError, type SecretSource } from '../secrets/index.js';
import { isWebhookEvent, webhookPayload } from './payload.js';
import { WEBHOOK_EVENTS, type WebhookEvent, type WebhookPayload } from './payload-schema.js';
import { signWebhook } from './signature.js';

export interface WebhookNotifierOptions {
  /**
   * Signing secret for DAGs whose `webhook` has none (`whsec_<base64>` or any string, see `verifyWebhook`).
   * Several secrets (an array, or whitespace-separated `whsec_…` secrets in one string, also in a DAG's
   * secret) sign each delivery with every one of them, for rotation (see `signingSecrets`).
   * Without any secret, deliveries go out unsigned (as Kontroler's did), with `webhook-id` and
   * `webhook-timestamp` still set.
   */
  readonly secret?: string | readonly string[];
  /**
   * When set, a DAG's `webhook.secret` is the *name* of a secret in this source (resolved at each delivery,
   * so rotation needs no new DAG version); without it, `webhook.secret` is the secret itself.
   */
  readonly secretSource?: SecretSource;
  /** Engine-wide target for DAGs without a `webhook`, and the `verifySSL` default. */
  readonly defaults?: { readonly url?: string; readonly verifySSL?: boolean };
  /** Per-delivery deadline (connect, send, response). @default 10000 (Kontroler's) */
  readonly timeoutMs?: number;
  /** How long the dispatcher keeps retrying a delivery. @default the engine's (24 h) */
  readonly maxAgeMs?: number;
  /** The events delivered. @default all of WEBHOOK_EVENTS */
  readonly events?: readonly WebhookEvent[];
  /** The receiver's response bytes kept for the delivery record. @default 1024 */
  readonly maxResponseBytes?: number;
  /** The signing clock (epoch ms). @default Date.now */
  readonly now?: () => number;
}

/** What the outbox row of a webhook holds: where to send, how, and the body. */
export interface WebhookEnvelope {
  readonly url: string;
  readonly verifySSL: boolean;
  /** The DAG's `webhook.secret` (a name when a secret source is configured); null: the notifier's secret. */
  readonly secret: string | null;
  readonly body: WebhookPayload;
}

export const WEBHOOK_TOPIC = 'webhook';

function isEnvelope(value: unknown): value is WebhookEnvelope {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.url === 'string' &&
    typeof v.verifySSL === 'boolean' &&
    (v.secret === null || typeof v.secret === 'string') &&
    typeof v.body === 'object' &&
    v.body !== null
  );
}

export function createWebhookNotifier(options: WebhookNotifierOptions = {}): Notifier {
  const events = new Set<string>(options.events ?? WEBHOOK_EVENTS);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxResponseBytes = options.maxResponseBytes ?? 1024;
  const now = options.now ?? Date.now;

  async function signingSecret(envelope: WebhookEnvelope): Promise<string | readonly string[] | undefined> {
    if (envelope.secret === null) return options.secret;
    return options.secretSource ? options.secretSource.resolve(envelope.secret) : envelope.secret;
  }

  return {
    name: 'webhook',
    topic: WEBHOOK_TOPIC,
    ...(options.maxAgeMs !== undefined ? { maxAgeMs: options.maxAgeMs } : {}),

    select(event, dag: CompiledDag) {
      if (!isWebhookEvent(event) || !events.has(event.name)) return null;
      const webhook = dag.spec.webhook;
      const url = webhook?.url ?? options.defaults?.url;
      if (url === undefined) return null;
      const envelope: WebhookEnvelope = {
        url,
        verifySSL: webhook?.verifySSL ?? options.defaults?.verifySSL ?? true,
        secret: webhook?.secret ?? null,
        body: webhookPayload(event),
      };
      return { runId: envelope.body.runId, payload: { ...envelope } };
    },

    async deliver(message: OutboxRecord): Promise<Omit<DeliveryAttempt, 'outboxId' | 'attempt' | 'at'>> {
      const started = performance.now();
      const failed = (error: string, statusCode: number | null = null) => ({
        ok: false,
        statusCode,
        error,
        durationMs: Math.round(performance.now() - started),
      });
      if (!isEnvelope(message.payload)) return failed('the outbox message is not a webhook envelope');
      const envelope = message.payload;

      let secret: string | readonly string[] | undefined;
      try {
        secret = await signingSecret(envelope);
      } catch (error) {
        return failed(
          error instanceof SecretNotFoundError
            ? `SecretNotFound: ${error.message}`
            : describeHttpError(error),
        );
      }
      const body = JSON.stringify(envelope.body);
      const timestamp = new Date(now());
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'user-agent': 'kontroler-webhooks/1',
        // The outbox id is stable across retries, so receivers can drop duplicates by it.
        'webhook-id': message.id,
        'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
        ...(secret !== undefined ? signWebhook(secret, message.id, timestamp, body) : {}),
      };
      try {
        const response = await httpRequest({
          method: 'POST',
          url: envelope.url,
          headers,
          body,
          timeoutMs,
          rejectUnauthorized: envelope.verifySSL,
          maxResponseBytes,
        });
        const durationMs = Math.round(response.durationMs);
        if (response.status >= 200 && response.status < 300) {
          return { ok: true, statusCode: response.status, error: null, durationMs };
        }
        const excerpt = response.body.trim().slice(0, 200);
        return {
          ...failed(`HTTP ${response.status}${excerpt ? `: ${excerpt}` : ''}`, response.status),
          durationMs,
        };
      } catch (error) {
        return failed(describeHttpError(error));
      }
    },
  };
}

/** The notifier as a plugin: `plugins: [webhookPlugin({secret})]`. */
export function webhookPlugin(options: WebhookNotifierOptions = {}): Plugin {
  return {
    name: '@kontroler/plugins/webhook',
    setup(host) {
      host.registerNotifier(createWebhookNotifier(options));
    },
  };
}
