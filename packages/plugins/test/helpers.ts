/** Builds attempt contexts by hand, so runtime tests need no engine (core's test kit does the work). */
export {
  compileUnchecked as compile,
  makeTestAttempt as attemptOf,
  type TestAttempt,
} from '@kontroler/core/testing';
