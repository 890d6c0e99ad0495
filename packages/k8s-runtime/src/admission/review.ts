/**
 * `reviewAdmission`: answers one AdmissionReview for the DAG, DagTask and DagRun resources. The decisions
 * are the pure verdicts of `verdict.ts`; the only I/O is the caller's `lookupDag` for a DagRun's DAG.
 *
 * Always admitted, whatever their spec: deletes (and CONNECT), objects being deleted (a finalizer change
 * must never be refused), and updates that leave the spec as it was (labels, annotations, finalizers of an
 * object stored before the webhook existed). Kinds this webhook does not know are admitted too.
 */
import { canonicalJson } from '@kontroler/core';
import { CRD_GROUP } from '../rbac.js';
import type { AdmissionRequest, AdmissionResponse, AdmissionReview } from './types.js';
import {
  dagRunVerdict,
  dagTaskVerdict,
  dagVerdict,
  readDagRun,
  type KnownDag,
  type Verdict,
} from './verdict.js';

/** What the webhook reads from outside: the DAG a DagRun names, or undefined when there is none. */
export interface AdmissionLookups {
  lookupDag(namespace: string, name: string): Promise<KnownDag | undefined>;
}

/** The body was not an AdmissionReview with a request (answered with HTTP 400). */
export class AdmissionReviewError extends Error {
  override readonly name = 'AdmissionReviewError';
  readonly code = 'ADMISSION_REVIEW_INVALID';
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The request of an AdmissionReview body, or `AdmissionReviewError`. */
export function readAdmissionRequest(body: unknown): AdmissionRequest {
  if (!isRecord(body) || body.kind !== 'AdmissionReview' || !isRecord(body.request)) {
    throw new AdmissionReviewError('expected an admission.k8s.io/v1 AdmissionReview with a request');
  }
  const request = body.request;
  if (typeof request.uid !== 'string' || !isRecord(request.kind) || typeof request.operation !== 'string') {
    throw new AdmissionReviewError('the AdmissionReview request has no uid, kind or operation');
  }
  return request as unknown as AdmissionRequest;
}

interface ObjectView {
  readonly name: string;
  readonly deleting: boolean;
  readonly spec: unknown;
}

function view(object: unknown, fallbackName: string): ObjectView {
  const metadata = isRecord(object) && isRecord(object.metadata) ? object.metadata : {};
  const name = typeof metadata.name === 'string' && metadata.name !== '' ? metadata.name : fallbackName;
  return {
    name,
    deleting: metadata.deletionTimestamp !== undefined && metadata.deletionTimestamp !== null,
    spec: isRecord(object) ? object.spec : undefined,
  };
}

/** The verdict on one request, with every cause (the wire response carries them in its message only). */
export async function decideAdmission(
  request: AdmissionRequest,
  lookups: AdmissionLookups,
): Promise<Verdict> {
  const pass: Verdict = { allowed: true, warnings: [] };
  if (request.operation !== 'CREATE' && request.operation !== 'UPDATE') return pass;
  if (request.kind.group !== CRD_GROUP) return pass;
  const object = view(request.object, request.name ?? '');
  if (object.deleting) return pass;
  if (
    request.operation === 'UPDATE' &&
    canonicalJson(object.spec ?? null) === canonicalJson(view(request.oldObject, '').spec ?? null)
  ) {
    return pass;
  }
  const namespace = request.namespace ?? 'default';
  switch (request.kind.kind) {
    case 'DAG':
      return dagVerdict(object.name, namespace, object.spec);
    case 'DagTask':
      return dagTaskVerdict(object.name, namespace, object.spec);
    case 'DagRun': {
      const run = readDagRun(object.name, namespace, object.spec);
      if (!run.ok) return run.verdict;
      return dagRunVerdict(object.name, namespace, run, await lookups.lookupDag(namespace, run.dagName));
    }
    default:
      return pass;
  }
}

/** The response AdmissionReview for a request body (`readAdmissionRequest` throws on a malformed one). */
export async function reviewAdmission(body: unknown, lookups: AdmissionLookups): Promise<AdmissionReview> {
  const request = readAdmissionRequest(body);
  const verdict = await decideAdmission(request, lookups);
  const response: AdmissionResponse = verdict.allowed
    ? {
        uid: request.uid,
        allowed: true,
        ...(verdict.warnings.length > 0 ? { warnings: verdict.warnings } : {}),
      }
    : {
        uid: request.uid,
        allowed: false,
        // No `reason` and no `details.causes`: with them kubectl prints only "The request is invalid: …",
        // without the object's name or the webhook's; this message names both (see `refuse`).
        status: { code: 422, message: verdict.message },
      };
  return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response };
}
