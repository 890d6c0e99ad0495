/**
 * `@kontroler/core/testing`: the test kit we use ourselves: MemoryStore, FakeRuntime, FakeClock and the
 * store contract suite.
 */
export {};
