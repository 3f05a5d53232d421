/**
 * The operator's changes to jobs and executions (aws-wire-protocols.md §3.3):
 * CancelJob, DeleteJob, CancelJobExecution, DeleteJobExecution.
 */
import { sql } from 'kysely';
import { invalidInput, invalidState, notFound } from '../errors.js';
import type { Registry } from '../registry/index.js';
import { findExecution, lockJob, moveCounters, pendingOfMany, recount, writeExecution } from './queries.js';
import { executionOf, jobOf, type JobRow } from './rows.js';
import { applyServiceTransition, isTerminal, refusalError } from './state-machine.js';
import type { JobExecution } from './types.js';
import { commitExecution, inTransaction, lockedJob, settleJob, track, type EngineDeps, type Unit } from './unit.js';
import type { Job } from './job.js';
import type { Changes } from './changes.js';

type Outcome<T> = Promise<{ value: T; changes: Changes }>;

export interface CancelJobInput {
  force: boolean;
  reasonCode?: string | undefined;
  comment?: string | undefined;
}

// aws-wire-protocols.md §3.3: reasonCode [\p{Upper}\p{Digit}_]+ (≤128), comment ≤2028.
const REASON_CODE = /^[\p{Lu}\p{Nd}_]{1,128}$/u;
const MAX_COMMENT = 2028;

/**
 * CancelJob: QUEUED executions are CANCELED; with force, IN_PROGRESS ones too
 * (§3.3). A job canceled without force may be canceled again with force.
 */
export function cancelJob(deps: EngineDeps, jobId: string, input: CancelJobInput): Outcome<Job> {
  if (input.reasonCode !== undefined && !REASON_CODE.test(input.reasonCode)) throw invalidInput('reasonCode must be 1 to 128 upper-case letters, digits and underscores.');
  if (input.comment !== undefined && input.comment.length > MAX_COMMENT) throw invalidInput(`comment must be at most ${MAX_COMMENT} characters.`);
  return inTransaction(deps, async (u) => {
    const row = await lockedJob(u, jobId);
    if (row.status === 'DELETION_IN_PROGRESS') throw invalidState('job', `Job ${jobId} is being deleted and cannot be canceled.`);
    if (row.status === 'COMPLETED') throw invalidState('job', `Job ${jobId} is COMPLETED and cannot be canceled.`);
    return cancelJobInUnit(u, row, input);
  });
}

/**
 * Cancels the locked job (CancelJob, an abort criterion, an endTime): QUEUED
 * executions (rolled out or not) are CANCELED, with force the IN_PROGRESS ones
 * too; the pacer stops.
 */
export async function cancelJobInUnit(u: Unit, row: JobRow, input: CancelJobInput): Promise<Job> {
  const jobId = row.job_id;
  const update = {
    status: 'CANCELED',
    force_canceled: input.force || row.force_canceled !== 0 ? 1 : 0,
    reason_code: input.reasonCode ?? row.reason_code,
    comment: input.comment ?? row.comment,
    last_updated_at: u.nowMs,
    rollout_next_at: null,
  };
  await u.trx.updateTable('jobs').set(update).where('job_id', '=', jobId).execute();
  const statuses = input.force ? ['QUEUED', 'IN_PROGRESS'] : ['QUEUED'];
  const rows = await u.trx.selectFrom('job_executions').selectAll().where('job_id', '=', jobId).where('status', 'in', statuses).execute();
  await cancelAll(u, rows.map(executionOf), input.force);
  await recount(u.trx, jobId, u.nowMs);
  const after = (await settleJob(u, jobId))!;
  if (row.status !== 'CANCELED') u.changes.job('canceled', jobOf(after));
  return jobOf(after);
}

async function cancelAll(u: Unit, executions: JobExecution[], force: boolean): Promise<void> {
  const things = [...new Set(executions.map((e) => e.thingName))].filter((t) => !u.changes.knows(t));
  for (const [thing, pending] of await pendingOfMany(u.trx, things)) u.changes.track(thing, pending);
  for (const exec of executions) {
    const result = applyServiceTransition(exec, { kind: 'cancel', force }, u.nowMs);
    if (!result.ok) continue;
    await writeExecution(u.trx, exec, result.next);
    u.changes.changed(exec, result.next);
  }
}

/**
 * DeleteJob: without force only a COMPLETED, CANCELED or SCHEDULED job (§3.3). The job
 * is marked DELETION_IN_PROGRESS, then purged (purgeJob); a crash between
 * the two leaves the mark, and the scheduler finishes the purge.
 */
export function markJobDeleted(deps: EngineDeps, jobId: string, force: boolean): Outcome<void> {
  return inTransaction(deps, async (u) => {
    const row = await lockedJob(u, jobId);
    if (row.status === 'DELETION_IN_PROGRESS') return;
    // A SCHEDULED job has reached no device yet: it goes without force, as a finished one does.
    if (!force && row.status !== 'COMPLETED' && row.status !== 'CANCELED' && row.status !== 'SCHEDULED') {
      throw invalidState('job', `Job ${jobId} is ${row.status}: cancel it first, or delete it with force=true.`);
    }
    await u.trx.updateTable('jobs').set({ status: 'DELETION_IN_PROGRESS', last_updated_at: u.nowMs }).where('job_id', '=', jobId).execute();
  });
}

/** Removes a job marked DELETION_IN_PROGRESS with its executions, targets and tags. */
export function purgeJob(deps: EngineDeps & { registry: Registry }, jobId: string): Outcome<boolean> {
  return inTransaction(deps, async (u) => {
    const locked = await lockJob(u.trx, u.dialect, jobId);
    if (!locked || locked.status !== 'DELETION_IN_PROGRESS') return false;
    const pending = (await u.trx.selectFrom('job_executions').selectAll().where('job_id', '=', jobId).where('status', 'in', ['QUEUED', 'IN_PROGRESS']).execute()).map(executionOf);
    for (const [thing, list] of await pendingOfMany(u.trx, [...new Set(pending.map((e) => e.thingName))])) u.changes.track(thing, list);
    for (const exec of pending) u.changes.vanished(exec);
    await u.trx.deleteFrom('job_executions').where('job_id', '=', jobId).execute();
    await u.trx.deleteFrom('job_targets').where('job_id', '=', jobId).execute();
    await deps.registry.tags.removeAll(u.trx, locked.job_arn);
    await u.trx.deleteFrom('jobs').where('job_id', '=', jobId).execute();
    u.changes.job('deleted', jobOf({ ...locked, last_updated_at: u.nowMs }));
    return true;
  });
}

export interface CancelExecutionInput {
  force: boolean;
  expectedVersion?: unknown;
  statusDetails?: unknown;
}

/** CancelJobExecution: QUEUED → CANCELED; IN_PROGRESS only with force; expectedVersion checked (§3.3). */
export function cancelExecution(deps: EngineDeps, jobId: string, thingName: string, input: CancelExecutionInput): Outcome<void> {
  return inTransaction(deps, async (u) => {
    await lockedJob(u, jobId);
    const exec = await existingExecution(u, jobId, thingName);
    const result = applyServiceTransition(exec, { kind: 'cancel', force: input.force, expectedVersion: input.expectedVersion, statusDetails: input.statusDetails }, u.nowMs);
    if (!result.ok) throw refusalError(result);
    await commitExecution(u, exec, result.next);
    await settleJob(u, jobId);
  });
}

/** DeleteJobExecution: without force only an execution in a terminal state (§3.3). */
export function deleteExecution(deps: EngineDeps, jobId: string, thingName: string, executionNumber: number, force: boolean): Outcome<void> {
  return inTransaction(deps, async (u) => {
    await lockedJob(u, jobId);
    const exec = await existingExecution(u, jobId, thingName, executionNumber);
    if (!force && !isTerminal(exec.status)) {
      throw invalidState('job-execution', `The job execution of ${jobId} on ${thingName} is ${exec.status}: only an execution in a terminal state can be deleted without force=true.`);
    }
    await track(u, thingName);
    await u.trx
      .deleteFrom('job_executions')
      .where('job_id', '=', jobId)
      .where('thing_name', '=', thingName)
      .where('execution_number', '=', executionNumber)
      .execute();
    await moveCounters(u.trx, jobId, exec.status, undefined, u.nowMs);
    await forgetNotified(u, exec);
    u.changes.deleted(exec);
    await settleJob(u, jobId);
  });
}

/** The things notified count each thing once: a thing whose last execution is deleted is no longer one of them. */
async function forgetNotified(u: Unit, exec: JobExecution): Promise<void> {
  if (exec.notifiedAtMs === undefined) return;
  const left = await u.trx.selectFrom('job_executions').select('execution_number').where('job_id', '=', exec.jobId).where('thing_name', '=', exec.thingName).executeTakeFirst();
  if (!left) await u.trx.updateTable('jobs').set({ n_notified: sql`n_notified - 1` }).where('job_id', '=', exec.jobId).where('n_notified', '>', 0).execute();
}

export async function existingExecution(u: Unit, jobId: string, thingName: string, executionNumber?: number): Promise<JobExecution> {
  const exec = await findExecution(u.trx, jobId, thingName, executionNumber);
  if (!exec) {
    const which = executionNumber === undefined ? '' : ` number ${executionNumber}`;
    throw notFound('job-execution', `Job ${jobId} has no execution${which} on thing ${thingName}.`);
  }
  return exec;
}
