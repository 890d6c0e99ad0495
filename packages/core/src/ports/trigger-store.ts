/**
 * Inbound triggers: named, signed endpoints that start runs of one DAG (`POST /api/v1/hooks/{id}`). The
 * store keeps each trigger with its signing secrets and the message ids it has accepted, so replay
 * protection holds across API replicas and restarts.
 */
import type { DagRef } from '../model/dag-ref.js';

/** A Standard Webhooks signing secret (`whsec_<base64>`) and when it was made. */
export interface TriggerSecret {
  readonly secret: string;
  readonly createdAt: number;
}

export interface TriggerRecord {
  /** Unguessable, URL-safe: the `{id}` of `/api/v1/hooks/{id}`. */
  readonly id: string;
  readonly namespace: string;
  readonly dagName: string;
  /** Unique per DAG. */
  readonly name: string;
  /** Newest first; one, or two while a rotation is in progress (both verify). */
  readonly secrets: readonly TriggerSecret[];
  /** Run parameter name → JSON Pointer (RFC 6901) into the request body. */
  readonly mapping: Readonly<Record<string, string>>;
  /** How far `webhook-timestamp` may be from the server's clock, either way. */
  readonly toleranceSeconds: number;
  /** Accepted requests per minute (per API replica). */
  readonly ratePerMinute: number;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly createdBy: string | null;
}

export interface TriggerStore {
  /** Saves a new trigger; `created: false` (and the existing one) when the DAG already has one of that name. */
  createTrigger(trigger: TriggerRecord): Promise<{ trigger: TriggerRecord; created: boolean }>;
  getTrigger(id: string): Promise<TriggerRecord | undefined>;
  /** The triggers of one DAG, by name. */
  listTriggers(dag: DagRef): Promise<TriggerRecord[]>;
  /** Replaces the secrets (rotation); undefined when there is no such trigger. */
  setTriggerSecrets(
    id: string,
    secrets: readonly TriggerSecret[],
    now: number,
  ): Promise<TriggerRecord | undefined>;
  /** Deletes the trigger and its remembered message ids. */
  deleteTrigger(id: string): Promise<boolean>;
  /**
   * Remembers message `messageId` of trigger `triggerId` until `expiresAt`; false when it is already
   * remembered and not expired (a replay). Atomic: of two concurrent calls with one id, one gets true.
   * Forgets expired ids of the trigger on the way.
   */
  recordTriggerMessage(
    triggerId: string,
    messageId: string,
    expiresAt: number,
    now: number,
  ): Promise<boolean>;
}
