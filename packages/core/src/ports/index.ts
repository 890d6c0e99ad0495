export type * from './store.js';
export type * from './runtime.js';
export type { Clock } from './clock.js';
export { systemClock } from './clock.js';
export type { Logger } from './logger.js';
export { silentLogger } from './logger.js';
