/**
 * `@kontroler/core/testing`: the test kit we use ourselves: MemoryStore, FakeRuntime, FakeClock, hand-made
 * attempt contexts, and the store and runtime contract suites.
 */
export { FakeClock, FAKE_CLOCK_START, type FakeTimerHandle } from './fake-clock.js';
export { applyRunCommit, evaluateRunCommit, type CommitEffects } from '../model/apply-commit.js';
export { MemoryStore, createMemoryStore, type MemoryStoreOptions } from '../memory-store/memory-store.js';
export {
  testId,
  uniqueName,
  makeDagSpec,
  specHash,
  makeDagVersionInput,
  makeRun,
  makeAttempt,
  makeOutboxMessage,
} from './builders.js';
export { storeContractSuite } from './contract/store-contract-suite.js';
export type { StoreContractOptions, MakeStore } from './contract/fixture.js';
export {
  FakeRuntime,
  type ScriptedOutcome,
  type FakeRuntimeCall,
  type FakeRuntimeOptions,
} from './fake-runtime.js';
export {
  makeTestAttempt,
  compileUnchecked,
  type TestAttempt,
  type TestAttemptOptions,
} from './attempt-context.js';
export { runtimeContractSuite, type RuntimeContractOptions } from './runtime-contract.js';
