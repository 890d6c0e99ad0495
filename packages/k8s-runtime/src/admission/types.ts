/**
 * The `admission.k8s.io/v1` AdmissionReview, as much of it as a validating webhook reads and writes.
 * See https://kubernetes.io/docs/reference/access-authn-authz/extensible-admission-controllers/.
 */

/** The resource kind of a request (`request.kind`). */
export interface GroupVersionKind {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

/** `request` of an AdmissionReview sent by the apiserver. */
export interface AdmissionRequest {
  readonly uid: string;
  readonly kind: GroupVersionKind;
  readonly operation: 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
  readonly name?: string;
  readonly namespace?: string;
  /** The object as it would be stored (absent for DELETE). */
  readonly object?: unknown;
  /** The stored object an UPDATE replaces. */
  readonly oldObject?: unknown;
  readonly dryRun?: boolean;
}

/** One field at fault, in the apiserver's `StatusCause` form (`kubectl` prints the message). */
export interface AdmissionCause {
  /** Field path as Kubernetes writes it, e.g. `spec.task[2].runAfter[0]`. */
  readonly field: string;
  readonly message: string;
  readonly reason: 'FieldValueInvalid' | 'FieldValueNotFound' | 'FieldValueRequired';
}

/** `response` of an AdmissionReview. */
export interface AdmissionResponse {
  readonly uid: string;
  readonly allowed: boolean;
  readonly status?: {
    readonly code: number;
    readonly message: string;
  };
  /** Shown by kubectl as `Warning: …` lines (at most a few, each short). */
  readonly warnings?: readonly string[];
}

export interface AdmissionReview {
  readonly apiVersion: 'admission.k8s.io/v1';
  readonly kind: 'AdmissionReview';
  readonly request?: AdmissionRequest;
  readonly response?: AdmissionResponse;
}
