/**
 * Verifies an inbound trigger request the Standard Webhooks way, with any of the trigger's secrets (two
 * during a rotation). The HMAC and the timestamp tolerance are `@kontroler/plugins`' `verifyWebhook`
 * (built on the `standardwebhooks` package, a run-time dependency of plugins), so what we send and what
 * we accept are checked by one implementation.
 */
import { verifyWebhook, WebhookVerificationError } from '@kontroler/plugins';
import type { IncomingHttpHeaders } from 'node:http';
import { ApiError } from '../../problem.js';

/** Stable problem codes of refused signatures, per verification failure. */
const PROBLEMS: Readonly<Record<WebhookVerificationError['code'], { status: number; code: string }>> = {
  'missing-headers': { status: 401, code: 'SIGNATURE_MISSING' },
  'bad-timestamp': { status: 401, code: 'SIGNATURE_TIMESTAMP_INVALID' },
  'too-old': { status: 401, code: 'SIGNATURE_TIMESTAMP_EXPIRED' },
  'too-new': { status: 401, code: 'SIGNATURE_TIMESTAMP_EXPIRED' },
  'bad-signature': { status: 401, code: 'SIGNATURE_INVALID' },
  'bad-body': { status: 400, code: 'PAYLOAD_INVALID' },
};

/**
 * Returns the parsed JSON body when some secret's signature matches and the timestamp is within
 * `toleranceSeconds` of `now`; throws an ApiError (401, or 400 for a signed body that is not JSON).
 */
export function verifyTriggerRequest(
  secrets: readonly string[],
  headers: IncomingHttpHeaders,
  rawBody: Buffer,
  toleranceSeconds: number,
  now: number,
): unknown {
  let last: WebhookVerificationError | undefined;
  for (const secret of secrets) {
    try {
      return verifyWebhook(secret, headers, rawBody, { toleranceSeconds, now }) as unknown;
    } catch (error) {
      if (!(error instanceof WebhookVerificationError)) throw error;
      last = error;
      // Only the signature depends on the secret: any other failure is the same with every secret.
      if (error.code !== 'bad-signature') break;
    }
  }
  const problem = PROBLEMS[last?.code ?? 'bad-signature'];
  throw new ApiError(problem.status, problem.code, last?.message ?? 'the trigger has no secret');
}
