/**
 * The PostgreSQL store, connected with retries: a controller that starts while its database restarts
 * (or before it is up, as in a fresh cluster) waits for it instead of crash-looping. Opened without
 * MikroORM (`orm: false`, from the `/store` entry that exports no entities): the controller never uses it,
 * and loading it cost about 17 MB resident (issue 19).
 */
import { KontrolerError, type Clock, type Logger } from '@kontroler/core';
import { createPostgresStore, type PostgresStoreBase } from '@kontroler/postgres/store';

export async function connectStore(options: {
  url: string;
  schema: string;
  applicationName: string;
  clock: Clock;
  logger: Logger;
  /** Give up after this long. @default 60000 */
  timeoutMs?: number;
}): Promise<PostgresStoreBase> {
  const { clock, logger } = options;
  const deadline = clock.now() + (options.timeoutMs ?? 60_000);
  for (let attempt = 1; ; attempt++) {
    try {
      return await createPostgresStore({
        url: options.url,
        schema: options.schema,
        applicationName: options.applicationName,
        orm: false,
        onError: (error) => logger.warn({ err: error }, 'PostgreSQL connection error; reconnecting'),
      });
    } catch (error) {
      const retryable = KontrolerError.is(error, 'STORE_UNAVAILABLE');
      if (!retryable || clock.now() >= deadline) throw error;
      const delay = Math.min(5000, 250 * 2 ** Math.min(attempt, 5));
      logger.warn({ err: error, attempt, retryInMs: delay }, 'PostgreSQL is not reachable yet; retrying');
      // A plain (ref'd) timer: nothing else keeps the process alive yet, and the clock's timers are unref'd.
      await new Promise<void>((resolve) => setTimeout(resolve, delay));
    }
  }
}
