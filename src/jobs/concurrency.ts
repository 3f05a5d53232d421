/**
 * The account's job concurrency quota (AWS's "Active and concurrent job
 * limits"): a job is concurrent while it is IN_PROGRESS and still rolling out
 * — things it targets have not been notified yet (isConcurrent) — and at most
 * `maxConcurrentJobs` may be at once. CreateJob of a job that would be one more
 * is refused with LimitExceededException (nothing is created); a SCHEDULED job
 * reaching its startTime with the quota full is CANCELED, as AWS documents.
 * A job rolled out in full at creation (no rollout or scheduling config) is
 * never concurrent in Ferry, so the quota never refuses it.
 */
import { sql } from 'kysely';
import { limitExceeded } from '../errors.js';
import { INIT_LOCK_CLASS } from '../store/db.js';
import type { JobRow } from './rows.js';
import { awaitingRollout } from './rows.js';
import type { Unit } from './unit.js';

/** Ferry's default for the quota (AWS's is an adjustable account quota; set jobs.maxConcurrentJobs). */
export const DEFAULT_MAX_CONCURRENT_JOBS = 100;

export const isConcurrentRow = (row: JobRow): boolean => row.status === 'IN_PROGRESS' && awaitingRollout(row) > 0;

/**
 * How many jobs other than `jobId` are concurrent now. On PostgreSQL the count
 * is taken under a transaction-scoped advisory lock, so two jobs created at
 * once cannot both take the last place.
 */
export async function otherConcurrentJobs(u: Unit, jobId: string): Promise<number> {
  if (u.dialect === 'postgres') await sql`select pg_advisory_xact_lock(${INIT_LOCK_CLASS}, hashtext('job-concurrency'))`.execute(u.trx);
  const things = sql<number>`n_queued + n_in_progress + n_succeeded + n_failed + n_rejected + n_canceled + n_removed + n_timed_out`;
  const { n } = await u.trx
    .selectFrom('jobs')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .where('status', '=', 'IN_PROGRESS')
    .where('job_id', '!=', jobId)
    .where(things, '>', sql<number>`n_notified`)
    .executeTakeFirstOrThrow();
  return Number(n);
}

/** Refuses (LimitExceededException) a new job that is concurrent while the quota is full; the unit rolls back. */
export async function refuseOverQuota(u: Unit, row: JobRow): Promise<void> {
  if (!isConcurrentRow(row)) return;
  const others = await otherConcurrentJobs(u, row.job_id);
  if (others >= u.maxConcurrentJobs) {
    throw limitExceeded(
      'job',
      `The account's job concurrency limit is reached: ${others} jobs are rolling out (at most ${u.maxConcurrentJobs}). Create the job when one has finished rolling out, or without a rollout or scheduling configuration.`,
    );
  }
}

/** A SCHEDULED job at its startTime: whether the quota has room for it (else it is CANCELED). */
export async function roomAtStart(u: Unit, jobId: string): Promise<boolean> {
  return (await otherConcurrentJobs(u, jobId)) < u.maxConcurrentJobs;
}
