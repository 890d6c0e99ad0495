/**
 * `@kontroler/client`: the Kontroler API's typed client. Types are generated from the API's OpenAPI
 * document (`openapi.json`, shipped with the package) by openapi-typescript; calls go through
 * openapi-fetch. See README.md.
 */
export { createKontrolerClient, parseRunEvent, unwrap } from './client.js';
export type { FetchResult, KontrolerClient, KontrolerClientOptions, RunEventsOptions } from './client.js';
export type { FetchLike, TokenSource } from './auth.js';
export { ApiProblem, NETWORK_ERROR } from './problem.js';
export { SseParser, type SseMessage } from './sse.js';
export type { StreamOptions } from './stream.js';
export type * from './types.js';
export { RUN_EVENT_NAMES } from './types.js';
