/**
 * What a live job page shows of a rollout (pure, on the time given): the rate
 * it notifies at now, when the pacer will next notify devices, and how far the
 * job is from each abort criterion. Built from the pacer's own arithmetic
 * (paceAt, ratePerMinute, failuresToAbort), so the page says what the engine does.
 */
import type { AbortCriteria } from './configs.js';
import { failuresToAbort, ratePerMinute, type AttemptCounts } from './rollout-math.js';
import { paceAt, type PacerInput } from './rollout.js';

export interface AbortDistance {
  failureType: AbortCriteria['failureType'];
  thresholdPercentage: number;
  /** Failures of the criterion's type so far, of `ended` executions ended. */
  failures: number;
  ended: number;
  /** More failures (each also one more ended) that would cancel the job; null: none can (a 100 % threshold not met). */
  moreToAbort: number | null;
  /** The criterion is not looked at before this many things were notified. */
  minNumberOfExecutedThings: number;
}

export interface RolloutState {
  /** Things per minute now; null: no rollout config, unlimited. */
  ratePerMinute: number | null;
  rateKind: 'unlimited' | 'constant' | 'exponential';
  /** When devices are next notified: `nowMs` if some are due now; undefined when none is waiting. */
  nextNotifyAtMs: number | undefined;
  /** How many this minute still may take (of ratePerMinute). */
  leftThisMinute: number | null;
  abort: AbortDistance[];
}

export function rolloutState(input: PacerInput & { abortCriteria?: readonly AbortCriteria[]; attempts: AttemptCounts }, nowMs: number): RolloutState {
  const rate = ratePerMinute(input.rollout, input);
  const step = paceAt(input, nowMs);
  const limited = Number.isFinite(rate);
  return {
    ratePerMinute: limited ? rate : null,
    rateKind: !input.rollout ? 'unlimited' : input.rollout.exponentialRate ? 'exponential' : 'constant',
    nextNotifyAtMs: step.take > 0 ? nowMs : step.nextAtMs,
    leftThisMinute: limited ? Math.max(0, rate - step.minuteCount) : null,
    abort: (input.abortCriteria ?? []).map((criterion) => abortDistance(criterion, input.attempts)),
  };
}

export function abortDistance(criterion: AbortCriteria, attempts: AttemptCounts): AbortDistance {
  const ended = attempts.SUCCEEDED + attempts.FAILED + attempts.REJECTED + attempts.TIMED_OUT;
  const failures = criterion.failureType === 'ALL' ? attempts.FAILED + attempts.REJECTED + attempts.TIMED_OUT : attempts[criterion.failureType];
  const more = failuresToAbort(criterion, attempts);
  return {
    failureType: criterion.failureType,
    thresholdPercentage: criterion.thresholdPercentage,
    failures,
    ended,
    moreToAbort: Number.isFinite(more) ? more : null,
    minNumberOfExecutedThings: criterion.minNumberOfExecutedThings,
  };
}
