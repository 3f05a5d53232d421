/**
 * The rollout's arithmetic, pure (no I/O, no storage): the pacer's rate and
 * the abort criteria's share, shared by the engine and `ferry job watch`.
 */
import { MAX_RATE_PER_MINUTE, type AbortCriteria, type RolloutConfig } from './configs.js';

/**
 * Things per minute the rollout may notify now: maximumPerMinute, or
 * baseRatePerMinute × incrementFactor^k where k counts how many times another
 * N things met the criterion (AWS's example: base 50, factor 2, N = 1,000
 * notified → 50, 100, 200, 400 at 1,000, 2,000, 3,000 notified), capped by
 * maximumPerMinute (1,000 when not given). Unlimited without a rollout config.
 */
export function ratePerMinute(config: RolloutConfig | undefined, counts: { notified: number; succeeded: number }): number {
  if (!config) return Infinity;
  const cap = config.maximumPerMinute ?? MAX_RATE_PER_MINUTE;
  const exp = config.exponentialRate;
  if (!exp) return cap;
  const criteria = exp.rateIncreaseCriteria;
  const [count, every] = 'numberOfNotifiedThings' in criteria ? [counts.notified, criteria.numberOfNotifiedThings] : [counts.succeeded, criteria.numberOfSucceededThings];
  const steps = Math.floor(count / every);
  return Math.min(cap, Math.floor(exp.baseRatePerMinute * exp.incrementFactor ** steps + 1e-9));
}

/** What a job's executions ended as, attempt by attempt (retried attempts included). */
export interface AttemptCounts {
  SUCCEEDED: number;
  FAILED: number;
  REJECTED: number;
  TIMED_OUT: number;
}

/** The first criterion the counts meet, with its share, or undefined (pure). */
export function abortBy(criteria: readonly AbortCriteria[], attempts: AttemptCounts, notified: number): { criterion: AbortCriteria; failures: number; ended: number } | undefined {
  const ended = attempts.SUCCEEDED + attempts.FAILED + attempts.REJECTED + attempts.TIMED_OUT;
  if (ended === 0) return undefined;
  for (const criterion of criteria) {
    if (notified < criterion.minNumberOfExecutedThings) continue;
    const failures = criterion.failureType === 'ALL' ? attempts.FAILED + attempts.REJECTED + attempts.TIMED_OUT : attempts[criterion.failureType];
    // In hundredths of a percent, so 2 of 10 meets 20.00 exactly.
    if (failures * 10_000 >= Math.round(criterion.thresholdPercentage * 100) * ended) return { criterion, failures, ended };
  }
  return undefined;
}

/** How many more failures of the criterion's type would fire it, the numbers notified and ended staying as they are (ferry job watch). */
export function failuresToAbort(criterion: AbortCriteria, attempts: AttemptCounts): number {
  const ended = attempts.SUCCEEDED + attempts.FAILED + attempts.REJECTED + attempts.TIMED_OUT;
  const failures = criterion.failureType === 'ALL' ? attempts.FAILED + attempts.REJECTED + attempts.TIMED_OUT : attempts[criterion.failureType];
  const t = Math.round(criterion.thresholdPercentage * 100);
  // Each further failure adds one to both: (f + x) * 10000 >= t * (e + x).
  if (t >= 10_000) return failures === ended && ended > 0 ? 0 : Number.POSITIVE_INFINITY;
  // With nothing ended yet, one failure is a share of 100 %.
  return Math.max(ended === 0 ? 1 : 0, Math.ceil((t * ended - failures * 10_000) / (10_000 - t)));
}

export const REASON_ABORTED = 'ABORT_CRITERIA_MET';
