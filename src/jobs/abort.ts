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
import { abortBy, REASON_ABORTED, type AttemptCounts } from './rollout-math.js';
import { cancelJobInUnit } from './control.js';
import { lockJob } from './queries.js';
import { jobOf } from './rows.js';
import type { Unit } from './unit.js';
import type { JobExecutionStatus } from './types.js';

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
