/** `TriggerStore` on PostgreSQL: the `triggers` and `trigger_messages` tables. */
import type { DagRef, TriggerRecord, TriggerSecret, TriggerStore } from '@kontroler/core';
import { millis, type RunStatement } from './run.js';

interface TriggerRow {
  id: string;
  namespace: string;
  dag_name: string;
  name: string;
  secrets: TriggerSecret[];
  mapping: Record<string, string>;
  tolerance_seconds: number;
  rate_per_minute: number;
  created_at: Date;
  updated_at: Date;
  created_by: string | null;
}

const toTrigger = (row: TriggerRow): TriggerRecord => ({
  id: row.id,
  namespace: row.namespace,
  dagName: row.dag_name,
  name: row.name,
  secrets: row.secrets,
  mapping: row.mapping,
  toleranceSeconds: row.tolerance_seconds,
  ratePerMinute: row.rate_per_minute,
  createdAt: millis(row.created_at),
  updatedAt: millis(row.updated_at),
  createdBy: row.created_by,
});

export function triggerQueries(run: RunStatement): TriggerStore {
  const byId = async (id: string): Promise<TriggerRecord | undefined> => {
    const { rows } = await run<TriggerRow>('select * from triggers where id = $1', [id]);
    return rows[0] ? toTrigger(rows[0]) : undefined;
  };
  return {
    async createTrigger(t) {
      const { rows } = await run<TriggerRow>(
        `insert into triggers (id, namespace, dag_name, name, secrets, mapping, tolerance_seconds,
           rate_per_minute, created_at, updated_at, created_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         on conflict (namespace, dag_name, name) do nothing returning *`,
        [
          t.id,
          t.namespace,
          t.dagName,
          t.name,
          JSON.stringify(t.secrets),
          JSON.stringify(t.mapping),
          t.toleranceSeconds,
          t.ratePerMinute,
          new Date(t.createdAt),
          new Date(t.updatedAt),
          t.createdBy,
        ],
      );
      if (rows[0]) return { trigger: toTrigger(rows[0]), created: true };
      const existing = await run<TriggerRow>(
        'select * from triggers where namespace = $1 and dag_name = $2 and name = $3',
        [t.namespace, t.dagName, t.name],
      );
      const found = existing.rows[0];
      // Deleted between the two statements: try again (the name is free now).
      return found ? { trigger: toTrigger(found), created: false } : this.createTrigger(t);
    },
    getTrigger: byId,
    async listTriggers(dag: DagRef) {
      const { rows } = await run<TriggerRow>(
        'select * from triggers where namespace = $1 and dag_name = $2 order by name',
        [dag.namespace, dag.name],
      );
      return rows.map(toTrigger);
    },
    async setTriggerSecrets(id, secrets, now) {
      const { rows } = await run<TriggerRow>(
        'update triggers set secrets = $2, updated_at = $3 where id = $1 returning *',
        [id, JSON.stringify(secrets), new Date(now)],
      );
      return rows[0] ? toTrigger(rows[0]) : undefined;
    },
    async deleteTrigger(id) {
      const { rowCount } = await run('delete from triggers where id = $1', [id]);
      return (rowCount ?? 0) > 0;
    },
    async recordTriggerMessage(triggerId, messageId, expiresAt, now) {
      // Forget this trigger's other expired ids; an unexpired duplicate conflicts and is not updated (a
      // replay), an expired one is taken over. Concurrent inserts of one id wait on each other's commit.
      await run(
        'delete from trigger_messages where trigger_id = $1 and expires_at <= $2 and message_id <> $3',
        [triggerId, new Date(now), messageId],
      );
      const { rows } = await run<{ inserted: boolean }>(
        `insert into trigger_messages (trigger_id, message_id, expires_at) values ($1, $2, $3)
         on conflict (trigger_id, message_id) do update set expires_at = excluded.expires_at
           where trigger_messages.expires_at <= $4
         returning true as inserted`,
        [triggerId, messageId, new Date(expiresAt), new Date(now)],
      );
      return rows.length > 0;
    },
  };
}
