/** Timestamps read through the store's pool (postgres-date 2, not pg's default parser) are exact. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@kontroler/postgres/testing';
import { createPostgresStore, type PostgresStoreBase } from '@kontroler/postgres';

let db: TestDatabase;
let store: PostgresStoreBase;

beforeAll(async () => {
  db = await createTestDatabase();
  store = await createPostgresStore({ url: db.url, poolSize: 2, orm: false });
});

afterAll(async () => {
  await store?.close();
  await db?.drop();
});

const INSTANTS = [
  '2026-12-07T09:30:00.123Z',
  '2026-12-07T09:30:00.000Z',
  '2026-03-29T01:00:00.500Z', // a daylight-saving change in Europe
  '2000-02-29T23:59:59.999Z',
  '1969-12-31T23:59:59.999Z',
  '1970-01-01T00:00:00.000Z',
  '0999-06-15T12:00:00.001Z',
  '9999-12-31T23:59:59.999Z',
];

describe("the store pool's timestamptz parser", () => {
  for (const zone of ['UTC', 'Asia/Kolkata', 'America/St_Johns', 'Pacific/Chatham', 'America/Sao_Paulo']) {
    it(`reads every instant exactly, to the millisecond, in session time zone ${zone}`, async () => {
      const read = await store.transaction(async (sql) => {
        await sql(`select set_config('TimeZone', $1, true)`, [zone]);
        return sql<{ t: Date; text: string }>(
          `select v::timestamptz as t, v::timestamptz::text as text from unnest($1::text[]) v`,
          [INSTANTS],
        );
      });
      expect(read.map((r) => r.t.toISOString())).toEqual(INSTANTS);
      // The text PostgreSQL sent carries the zone's offset (not always whole hours): the parser read it.
      if (zone !== 'UTC') expect(read.some((r) => !r.text.endsWith('+00'))).toBe(true);
    });
  }

  it('drops microseconds below the millisecond, as Date holds milliseconds', async () => {
    const [row] = await store.sql<{ t: Date }>(`select '2026-12-07 09:30:00.123987+00'::timestamptz as t`);
    expect(row?.t.toISOString()).toBe('2026-12-07T09:30:00.123Z');
  });

  it('reads null as null, and infinity as an infinite number', async () => {
    const [row] = await store.sql<{ n: Date | null; inf: unknown; neg: unknown }>(
      `select null::timestamptz as n, 'infinity'::timestamptz as inf, '-infinity'::timestamptz as neg`,
    );
    expect(row).toEqual({ n: null, inf: Infinity, neg: -Infinity });
  });
});
