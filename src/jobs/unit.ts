/**
 * A unit of work: one transaction, the changes it made, and the helpers every
 * execution change goes through (counters, the job's own status, events).
 * Announcements are made by the caller once the transaction has committed.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Clock } from '../clock.js';
import { notFound } from '../errors.js';
import type { SqlDialect } from '../store/db.js';
import type { Database } from '../store/schema.js';
import type { HistorySink } from '../history/events.js';
import { Changes } from './changes.js';
import { DEFAULT_MAX_CONCURRENT_JOBS } from './concurrency.js';
import { lockJob, moveCounters, pendingOf, writeExecution } from './queries.js';
import { countersOf, jobOf, type JobRow } from './rows.js';
import { jobStatusAfter } from './state-machine.js';
import type { JobExecution } from './types.js';

export interface EngineDeps {
  db: Kysely<Database>;
  dialect: SqlDialect;
  clock: Clock;
  /** The account's job concurrency quota (concurrency.ts); DEFAULT_MAX_CONCURRENT_JOBS when absent. */
  maxConcurrentJobs?: number | undefined;
  /** Where each committed unit's transitions are recorded (the event history). */
  history?: HistorySink | undefined;
}

export interface Unit {
  trx: Transaction<Database>;
  dialect: SqlDialect;
  nowMs: number;
  changes: Changes;
  maxConcurrentJobs: number;
}

/** Runs `work` in one transaction; returns its value and what it changed (to announce after commit). */
export async function inTransaction<T>(deps: EngineDeps, work: (u: Unit) => Promise<T>): Promise<{ value: T; changes: Changes }> {
  const changes = new Changes();
  const maxConcurrentJobs = deps.maxConcurrentJobs ?? DEFAULT_MAX_CONCURRENT_JOBS;
  const value = await deps.db.transaction().execute((trx) => work({ trx, dialect: deps.dialect, nowMs: deps.clock.now(), changes, maxConcurrentJobs }));
  // Committed: now it is history (in memory at once, written in the history's next batch).
  if (deps.history) for (const event of changes.history) deps.history.record(event);
  return { value, changes };
}

/** Locks the job's row (first lock of every unit that changes executions); NotFound when there is none. */
export async function lockedJob(u: Unit, jobId: string): Promise<JobRow> {
  const row = await lockJob(u.trx, u.dialect, jobId);
  if (!row) throw notFound('job', `Job ${jobId} does not exist.`);
  return row;
}

/** Reads the thing's pending list into the unit's changes, once. */
export async function track(u: Unit, thingName: string): Promise<void> {
  if (!u.changes.knows(thingName)) u.changes.track(thingName, await pendingOf(u.trx, thingName));
}

/** Writes one execution's transition (its job locked): the row, the counters, the changes. */
export async function commitExecution(u: Unit, prev: JobExecution, next: JobExecution): Promise<void> {
  await track(u, prev.thingName);
  await writeExecution(u.trx, prev, next);
  await moveCounters(u.trx, prev.jobId, prev.status, next.status, u.nowMs);
  u.changes.changed(prev, next);
}

/**
 * The job's own status after its executions changed (§9): an IN_PROGRESS
 * snapshot job with nothing QUEUED or IN_PROGRESS left is COMPLETED.
 */
export async function settleJob(u: Unit, jobId: string): Promise<JobRow | undefined> {
  const row = await u.trx.selectFrom('jobs').selectAll().where('job_id', '=', jobId).executeTakeFirst();
  if (!row) return undefined;
  const job = jobOf(row);
  const status = jobStatusAfter(job.status, countersOf(row), { targetSelection: job.targetSelection, rolloutComplete: true });
  if (status === job.status) return row;
  await u.trx.updateTable('jobs').set({ status, completed_at: u.nowMs, last_updated_at: u.nowMs }).where('job_id', '=', jobId).execute();
  const completed = { ...row, status, completed_at: u.nowMs, last_updated_at: u.nowMs };
  u.changes.job('completed', jobOf(completed));
  return completed;
}
