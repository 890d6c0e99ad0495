export { KontrolerError, Errors, type ErrorCode, type ErrorDetails } from './kontroler-error.js';
export { NonRetryableError, RetryAfterError } from './task-errors.js';
