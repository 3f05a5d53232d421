/**
 * The abort evaluator (aws-wire-protocols.md §9, abortConfig): looked at in
 * the same transaction as every execution that ends (and every rollout step),
 * under the job's row lock, so it runs exactly once per change cluster-wide
 * and a node's death cannot lose it.
 *
 * The share: of the job's execution attempts that ended SUCCEEDED, FAILED,
 * REJECTED or TIMED_OUT (every attempt, retried ones included; CANCELED and
 * REMOVED say nothing about the job), the part that ended with the criterion's
 * failureType (ALL: FAILED, REJECTED or TIMED_OUT). A criterion fires once at
 * least minNumberOfExecutedThings things have been notified and the share
 * reaches thresholdPercentage: the job is CANCELED as CancelJob without force
 * does it (QUEUED executions canceled and their devices told, IN_PROGRESS ones
 * go on, a queued retry is dropped with the rest).
 */
import type { AbortCriteria } from './configs.js';
import { cancelJobInUnit } from './control.js';
import { lockJob } from './queries.js';
import { jobOf } from './rows.js';
import type { Unit } from './unit.js';
import type { JobExecutionStatus } from './types.js';

export interface AttemptCounts {
  SUCCEEDED: number;
  FAILED: number;
  REJECTED: number;
  TIMED_OUT: number;
}

export const REASON_ABORTED = 'ABORT_CRITERIA_MET';

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
  return Math.max(0, Math.ceil((t * ended - failures * 10_000) / (10_000 - t)));
}

export async function attemptCounts(u: Pick<Unit, 'trx'>, jobId: string): Promise<AttemptCounts> {
  const rows = await u.trx
    .selectFrom('job_executions')
    .select(['status', (eb) => eb.fn.countAll<string | number>().as('n')])
    .where('job_id', '=', jobId)
    .where('status', 'in', ['SUCCEEDED', 'FAILED', 'REJECTED', 'TIMED_OUT'])
    .groupBy('status')
    .execute();
  const out: AttemptCounts = { SUCCEEDED: 0, FAILED: 0, REJECTED: 0, TIMED_OUT: 0 };
  for (const row of rows) out[row.status as keyof AttemptCounts & JobExecutionStatus] = Number(row.n);
  return out;
}

/** Cancels the job if one of its abort criteria is met; true when it did. */
export async function evaluateAbort(u: Unit, jobId: string): Promise<boolean> {
  const row = await lockJob(u.trx, u.dialect, jobId);
  if (!row || row.status !== 'IN_PROGRESS' || row.abort_config === null) return false;
  const criteria = jobOf(row).abortCriteria ?? [];
  const hit = abortBy(criteria, await attemptCounts(u, jobId), row.n_notified);
  if (!hit) return false;
  const { criterion, failures, ended } = hit;
  const type = criterion.failureType === 'ALL' ? 'FAILED, REJECTED or TIMED_OUT' : criterion.failureType;
  const comment =
    `abortConfig criterion met: ${failures} of ${ended} ended executions ${type} ` +
    `(${((failures * 100) / ended).toFixed(2)}% >= thresholdPercentage ${criterion.thresholdPercentage}) ` +
    `with ${row.n_notified} things notified (minNumberOfExecutedThings ${criterion.minNumberOfExecutedThings}); failureType ${criterion.failureType}, action ${criterion.action}.`;
  await cancelJobInUnit(u, row, { force: false, reasonCode: REASON_ABORTED, comment });
  return true;
}
