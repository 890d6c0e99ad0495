/** Core's store contract suite, unchanged, against PostgreSQL (one database for this file). */
import { afterAll, beforeAll } from 'vitest';
import { storeContractSuite } from '@kontroler/core/testing';
import { createTestDatabase, type TestDatabase } from '@kontroler/postgres/testing';
import { createPostgresStore } from '@kontroler/postgres';

let db: TestDatabase | undefined;

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await db?.drop();
});

storeContractSuite(
  () => {
    if (!db) throw new Error('test database not created');
    return createPostgresStore({ url: db.url, poolSize: 12 });
  },
  { name: 'postgres' },
);
