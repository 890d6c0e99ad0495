/** Workflows as code: a typed builder for DAG documents, and a runtime for inline function tasks. */
export * from './refs.js';
export * from './workflow.js';
export * from './function-runtime.js';
