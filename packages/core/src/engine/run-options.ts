/** Checks of the options a run is submitted with, shared by every host that submits runs. */
import { Errors } from '../errors/kontroler-error.js';

/**
 * The longest deadline a run may set (`SubmitOptions.activeDeadlineSeconds`): the largest PostgreSQL
 * `int`, about 68 years, so that every store keeps what it was given.
 */
export const MAX_RUN_DEADLINE_SECONDS = 2_147_483_647;

/** Throws RUN_OPTION_INVALID unless `seconds` is absent or a positive integer up to the maximum. */
export function checkRunDeadline(seconds: number | undefined): void {
  if (seconds === undefined) return;
  if (!Number.isSafeInteger(seconds) || seconds < 1 || seconds > MAX_RUN_DEADLINE_SECONDS) {
    throw Errors.runOptionInvalid(
      'activeDeadlineSeconds',
      `activeDeadlineSeconds must be an integer from 1 to ${MAX_RUN_DEADLINE_SECONDS} (got ${String(seconds)})`,
    );
  }
}
