/**
 * Pieces the entity files share. The entities state the same schema as the migrations — column types,
 * nullability, defaults, checks, indexes, foreign keys, and the constraint names PostgreSQL gave them — and
 * `test/schema-diff.test.ts` fails when the two disagree.
 */
import type { IndexCallback } from '@mikro-orm/core';

export const tz = { type: 'Date', columnType: 'timestamptz' } as const;
export const tzNull = { ...tz, nullable: true } as const;
export const textNull = { type: 'text', nullable: true } as const;

/**
 * A foreign key as the migrations declare it: rows go with their parent, and no update rule (MikroORM would
 * otherwise add `on update cascade`). Name it with `foreignKeyName`: PostgreSQL's `<table>_<column>_fkey`.
 */
export const cascade = { deleteRule: 'cascade', updateRule: 'no action' } as const;

/** An index MikroORM 6 can state only as SQL; see {@link sqlIndex}. */
export interface SqlIndex<T> {
  name: string;
  expression: IndexCallback<T>;
}

/**
 * An index with descending keys or a partial `WHERE`, which MikroORM 6.6's `properties` cannot express, given as
 * the SQL that creates it (`definition` is what follows the table name). MikroORM diffs such an index by name
 * only; the schema-diff test compares its definition through pg_catalog.
 */
export function sqlIndex<T>(name: string, definition: string, unique = false): SqlIndex<T> {
  return {
    name,
    expression: (table) =>
      `create ${unique ? 'unique ' : ''}index "${name}" on ${String(table)} ${definition}`,
  };
}
