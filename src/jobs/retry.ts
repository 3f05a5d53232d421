/**
 * The retry config (aws-wire-protocols.md §9, jobExecutionsRetryConfig): a
 * FAILED or TIMED_OUT execution is queued again as a new execution (next
 * executionNumber, retryAttempt + 1) and its device told, while the criterion
 * for its failure type (or ALL) has retries left. Runs in the transaction that
 * ended the execution, under the job's lock.
 *
 * A retry goes to a thing the rollout already reached: it does not count
 * against the rollout rate, nor as another notified thing. Its ended attempts
 * do count in the abort share (abort.ts), so a job failing again and again is
 * stopped sooner, never later.
 */
import type { RetryCriteria } from './configs.js';
import { moveCounters } from './queries.js';
import { executionRow, jobOf, type JobRow } from './rows.js';
import { applyServiceTransition } from './state-machine.js';
import type { JobExecution, JobExecutionStatus } from './types.js';
import type { Unit } from './unit.js';

// aws-wire-protocols.md §9: at most 10 retries per device in all.
const MAX_ATTEMPTS_RETRIED = 10;

/** The criterion that governs a failure of this status: its own, else ALL. */
function criterionFor(criteria: readonly RetryCriteria[], status: JobExecutionStatus): RetryCriteria | undefined {
  return criteria.find((c) => c.failureType === status) ?? criteria.find((c) => c.failureType === 'ALL');
}

/** The failure statuses a criterion governs (ALL: those without a criterion of their own). */
function governedBy(criteria: readonly RetryCriteria[], criterion: RetryCriteria): JobExecutionStatus[] {
  if (criterion.failureType !== 'ALL') return [criterion.failureType];
  return (['FAILED', 'TIMED_OUT'] as const).filter((s) => !criteria.some((c) => c.failureType === s));
}

/** Queues the next attempt of `ended` if its job's retry config allows one; the new execution, or undefined. */
export async function retryIfAllowed(u: Unit, row: JobRow, ended: JobExecution): Promise<JobExecution | undefined> {
  const criteria = jobOf(row).retryCriteria;
  if (!criteria || row.status !== 'IN_PROGRESS' || (ended.status !== 'FAILED' && ended.status !== 'TIMED_OUT')) return undefined;
  const criterion = criterionFor(criteria, ended.status);
  if (!criterion || ended.retryAttempt >= MAX_ATTEMPTS_RETRIED) return undefined;
  const { n } = await u.trx
    .selectFrom('job_executions')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .where('job_id', '=', ended.jobId)
    .where('thing_name', '=', ended.thingName)
    .where('status', 'in', governedBy(criteria, criterion))
    .executeTakeFirstOrThrow();
  // `n` counts this failure too: the criterion allows numberOfRetries further attempts.
  if (Number(n) > criterion.numberOfRetries) return undefined;
  const result = applyServiceTransition(ended, { kind: 'retry' }, u.nowMs);
  if (!result.ok) return undefined;
  await u.trx.insertInto('job_executions').values(executionRow(result.next)).execute();
  await moveCounters(u.trx, ended.jobId, ended.status, 'QUEUED', u.nowMs);
  u.changes.changed(undefined, result.next);
  return result.next;
}
