/** Cron scheduling: pure tick arithmetic and the loop that fires runs. */
export { dueTicks, nextTick, latestTick, upcomingTicks, ticksBetween } from './due-ticks.js';
export {
  createScheduler,
  type Scheduler,
  type SchedulerDeps,
  type SchedulerOptions,
  type FiredTick,
} from './scheduler.js';
