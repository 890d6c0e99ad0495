/**
 * Standard Webhooks signing (https://www.standardwebhooks.com): HMAC-SHA256 over `id.timestamp.body`,
 * sent as `webhook-id`, `webhook-timestamp` (Unix seconds) and `webhook-signature` (`v1,<base64>`).
 * Signing uses the `standardwebhooks` package; verification re-signs with it and compares in constant time,
 * with our own clock and tolerance so that receivers and tests can choose them.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { WebhookPayload } from './payload-schema.js';

/** The three Standard Webhooks headers. */
// A type alias, not an interface, so that it is assignable to header records.
export type WebhookSignatureHeaders = {
  readonly 'webhook-id': string;
  readonly 'webhook-timestamp': string;
  readonly 'webhook-signature': string;
};

/**
 * A secret is either Standard Webhooks' `whsec_<base64>` (the key is the decoded bytes: interoperable with
 * every Standard Webhooks library) or any other string (the key is its UTF-8 bytes).
 */
function webhookFor(secret: string): Webhook {
  if (secret.length === 0) throw new Error('a webhook secret must not be empty');
  return secret.startsWith('whsec_')
    ? new Webhook(secret)
    : new Webhook(Buffer.from(secret, 'utf8'), { format: 'raw' });
}

/** A fresh `whsec_…` secret (32 random bytes), for users who need one. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/**
 * The secrets to sign with. Several at once are how Standard Webhooks rotates a secret: the sender signs
 * with the old and the new one (space-separated `v1,…` signatures) until every receiver has the new one.
 * Besides an array, a string of several whitespace-separated `whsec_…` secrets counts as several, so a
 * secret source (an environment variable, a mounted Kubernetes Secret) can hold both during a rotation.
 */
export function signingSecrets(secret: string | readonly string[]): string[] {
  if (typeof secret !== 'string') return [...secret];
  const parts = secret.trim().split(/\s+/);
  return parts.length > 1 && parts.every((p) => p.startsWith('whsec_')) ? parts : [secret];
}

/**
 * Signs `body` for message `id` at `timestamp` with each secret (see `signingSecrets`); returns the three
 * headers, `webhook-signature` holding one `v1,…` signature per secret.
 */
export function signWebhook(
  secret: string | readonly string[],
  id: string,
  timestamp: Date,
  body: string,
): WebhookSignatureHeaders {
  const secrets = signingSecrets(secret);
  if (secrets.length === 0) throw new Error('signWebhook needs at least one secret');
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
    'webhook-signature': secrets.map((s) => webhookFor(s).sign(id, timestamp, body)).join(' '),
  };
}

export type WebhookVerificationCode =
  'missing-headers' | 'bad-timestamp' | 'too-old' | 'too-new' | 'bad-signature' | 'bad-body';

/** Why a delivery must be rejected; `code` is stable, the message is for humans. */
export class WebhookVerificationError extends Error {
  override readonly name = 'WebhookVerificationError';
  constructor(
    readonly code: WebhookVerificationCode,
    message: string,
  ) {
    super(message);
  }
}

export interface VerifyWebhookOptions {
  /** How far the timestamp may be from now, either way (replay protection). @default 300 */
  readonly toleranceSeconds?: number;
  /** The receiver's clock, epoch ms. @default Date.now() */
  readonly now?: number;
}

type HeaderBag = Readonly<Record<string, string | readonly string[] | undefined>> | Headers;

function header(headers: HeaderBag, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name) continue;
    if (typeof value === 'string') return value;
    if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  }
  return undefined;
}

/**
 * Verifies a delivery and returns its parsed payload. `headers` may be node's `IncomingHttpHeaders`, a
 * plain record or a fetch `Headers`; `body` must be the raw bytes as received (not re-serialised JSON).
 * Throws `WebhookVerificationError` for missing headers, a timestamp outside the tolerance, or no matching
 * `v1` signature (several space-separated signatures are accepted, for secret rotation).
 */
export function verifyWebhook(
  secret: string,
  headers: HeaderBag,
  body: string | Buffer,
  options: VerifyWebhookOptions = {},
): WebhookPayload {
  const id = header(headers, 'webhook-id');
  const timestampText = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  if (!id || !timestampText || !signatures) {
    throw new WebhookVerificationError(
      'missing-headers',
      'missing webhook-id, webhook-timestamp or webhook-signature header',
    );
  }
  if (!/^\d+$/.test(timestampText)) {
    throw new WebhookVerificationError(
      'bad-timestamp',
      `webhook-timestamp "${timestampText}" is not Unix seconds`,
    );
  }
  const timestamp = Number(timestampText);
  const now = Math.floor((options.now ?? Date.now()) / 1000);
  const tolerance = options.toleranceSeconds ?? 300;
  if (now - timestamp > tolerance) {
    throw new WebhookVerificationError(
      'too-old',
      `webhook timestamp is ${now - timestamp}s old (tolerance ${tolerance}s)`,
    );
  }
  if (timestamp - now > tolerance) {
    throw new WebhookVerificationError(
      'too-new',
      `webhook timestamp is ${timestamp - now}s in the future (tolerance ${tolerance}s)`,
    );
  }
  const text = typeof body === 'string' ? body : body.toString('utf8');
  const expected = Buffer.from(
    webhookFor(secret)
      .sign(id, new Date(timestamp * 1000), text)
      .slice('v1,'.length),
  );
  const matches = signatures.split(' ').some((versioned) => {
    const [version, signature] = versioned.split(',');
    if (version !== 'v1' || signature === undefined) return false;
    const given = Buffer.from(signature);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!matches)
    throw new WebhookVerificationError('bad-signature', 'no webhook-signature matches the body and secret');
  try {
    return JSON.parse(text) as WebhookPayload;
  } catch {
    throw new WebhookVerificationError('bad-body', 'the signed body is not JSON');
  }
}
