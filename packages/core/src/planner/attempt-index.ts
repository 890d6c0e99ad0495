/**
 * One pass over a run's attempts that the planner (and the engine) read instead of scanning the attempt
 * list per task: the latest attempt of every task and how many attempts it has had in the current round.
 */
import type { AttemptRecord, RunSnapshot } from '../model/records.js';

export interface TaskAttempts {
  /** The attempt with the highest number (attempt numbers increase across rounds). */
  readonly latest: AttemptRecord;
  /** Attempts of this task in the run's current round: what the retry limit counts. */
  readonly inRound: number;
}

export function indexAttempts(snapshot: RunSnapshot): Map<string, TaskAttempts> {
  const round = snapshot.run.round;
  const index = new Map<string, { latest: AttemptRecord; inRound: number }>();
  for (const attempt of snapshot.attempts) {
    const entry = index.get(attempt.taskName);
    const counts = attempt.round === round ? 1 : 0;
    if (entry === undefined) index.set(attempt.taskName, { latest: attempt, inRound: counts });
    else {
      entry.inRound += counts;
      if (attempt.attempt > entry.latest.attempt) entry.latest = attempt;
    }
  }
  return index;
}
