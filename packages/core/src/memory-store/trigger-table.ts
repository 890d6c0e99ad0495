/** Inbound triggers and the message ids they accepted, for the memory store. */
import type { DagRef } from '../model/dag-ref.js';
import type { TriggerRecord, TriggerSecret } from '../ports/trigger-store.js';
import { frozenCopy } from '../dag/freeze.js';

export class TriggerTable {
  readonly #triggers = new Map<string, TriggerRecord>();
  /** Per trigger: message id → when it may be forgotten. */
  readonly #messages = new Map<string, Map<string, number>>();

  create(trigger: TriggerRecord): { trigger: TriggerRecord; created: boolean } {
    for (const existing of this.#triggers.values()) {
      if (
        existing.namespace === trigger.namespace &&
        existing.dagName === trigger.dagName &&
        existing.name === trigger.name
      ) {
        return { trigger: existing, created: false };
      }
    }
    const stored = frozenCopy(trigger);
    this.#triggers.set(trigger.id, stored);
    return { trigger: stored, created: true };
  }

  get(id: string): TriggerRecord | undefined {
    return this.#triggers.get(id);
  }

  list(dag: DagRef): TriggerRecord[] {
    return [...this.#triggers.values()]
      .filter((t) => t.namespace === dag.namespace && t.dagName === dag.name)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  setSecrets(id: string, secrets: readonly TriggerSecret[], now: number): TriggerRecord | undefined {
    const existing = this.#triggers.get(id);
    if (existing === undefined) return undefined;
    const updated = frozenCopy({ ...existing, secrets: [...secrets], updatedAt: now });
    this.#triggers.set(id, updated);
    return updated;
  }

  delete(id: string): boolean {
    this.#messages.delete(id);
    return this.#triggers.delete(id);
  }

  recordMessage(triggerId: string, messageId: string, expiresAt: number, now: number): boolean {
    let seen = this.#messages.get(triggerId);
    if (seen === undefined) {
      seen = new Map();
      this.#messages.set(triggerId, seen);
    }
    for (const [id, until] of seen) if (until <= now) seen.delete(id);
    if (seen.has(messageId)) return false;
    seen.set(messageId, expiresAt);
    return true;
  }
}
