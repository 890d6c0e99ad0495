/** Task logs in the PostgreSQL store: numbered appends (retried on a concurrent append) and reads by position or tail. */
import type { LogLine, Store, StoredLogLine } from '@kontroler/core';
import { sqlState } from '../db.js';
import { toLogLine, type LogLineRow } from '../rows.js';
import type { StoreContext } from './context.js';

export type LogOperations = Pick<Store, 'appendLogs' | 'readLogs'>;

export function logOperations(ctx: StoreContext): LogOperations {
  const { run } = ctx;
  return {
    async appendLogs(attemptId: string, lines: readonly LogLine[]): Promise<void> {
      if (lines.length === 0) return;
      const params = [
        attemptId,
        lines.map((l) => new Date(l.ts)),
        lines.map((l) => l.stream),
        lines.map((l) => l.line),
      ];
      // seq continues from the attempt's last line; a concurrent append of the same attempt collides on
      // the primary key and is retried on the new maximum.
      for (let tries = 0; ; tries++) {
        try {
          await run(
            `insert into log_lines (attempt_id, seq, ts, stream, line)
             select $1, m.last + u.n, u.ts, u.stream, u.line
               from unnest($2::timestamptz[], $3::text[], $4::text[]) with ordinality as u(ts, stream, line, n),
                    (select coalesce(max(seq), 0) as last from log_lines where attempt_id = $1) m`,
            params,
          );
          return;
        } catch (error) {
          if (sqlState(error) !== '23505' || tries >= 20) throw error;
        }
      }
    },

    async readLogs(
      attemptId: string,
      options: { afterSeq?: number; limit?: number; tail?: number } = {},
    ): Promise<StoredLogLine[]> {
      const after = Math.max(0, Math.floor(options.afterSeq ?? 0));
      if (options.tail !== undefined) {
        if (!(options.tail > 0)) return [];
        const rows = await run<LogLineRow>(
          `select * from (select seq, ts, stream, line from log_lines where attempt_id = $1 and seq > $2
             order by seq desc limit $3) t order by seq`,
          [attemptId, after, Math.floor(options.tail)],
        );
        return rows.rows.map(toLogLine);
      }
      const limited = options.limit !== undefined;
      const rows = await run<LogLineRow>(
        `select seq, ts, stream, line from log_lines where attempt_id = $1 and seq > $2 order by seq
         ${limited ? 'limit $3' : ''}`,
        limited ? [attemptId, after, Math.max(0, Math.floor(options.limit ?? 0))] : [attemptId, after],
      );
      return rows.rows.map(toLogLine);
    },
  };
}
