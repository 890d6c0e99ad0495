export {
  KontrolerError,
  Errors,
  type ErrorCode,
  type ErrorDetails,
  type TaskActionRefusal,
} from './kontroler-error.js';
export { NonRetryableError, RetryAfterError, TaskStartError, TransientTaskError } from './task-errors.js';
