/** Checks of the options a run is submitted with, shared by every host that submits runs. */
import { MAX_RUN_DEADLINE_SECONDS } from '../dag/limits.js';
import { Errors } from '../errors/kontroler-error.js';

export { MAX_RUN_DEADLINE_SECONDS };

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
