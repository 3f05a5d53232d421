/**
 * What a device asks of its own executions (aws-wire-protocols.md §1.3, §2):
 * its pending list, StartNext, Describe (by job or `$next`), Update. Both
 * device protocols — the Jobs MQTT API and the HTTPS data plane — call these
 * same functions and only shape the answers.
 */
import { notFound } from '../errors.js';
import type { Changes } from './changes.js';
import type { Job } from './job.js';
import { findExecution, findJob, pendingOf, type Db } from './queries.js';
import { jobOf } from './rows.js';
import { applyDeviceUpdate, startNext, type DeviceUpdateRequest, type Refusal, type StartNextRequest } from './state-machine.js';
import type { JobExecution } from './types.js';
import { commitExecution, inTransaction, lockedJob, settleJob, type EngineDeps } from './unit.js';
import { existingExecution } from './control.js';
import type { SchedulingConfig } from './configs.js';
import { openWindow } from './windows.js';
import { afterExecutionEnded } from './ending.js';

// aws-wire-protocols.md §1.4, §9 and AWS's job-limits table: GetPendingJobExecutions and notify list at most
// 10 executions, and up to 5 more of jobs with a scheduling config while their maintenance window is open.
export const MAX_PENDING_LISTED = 10;
export const MAX_EXTRA_IN_WINDOW = 5;

export interface PendingLists {
  inProgress: JobExecution[];
  queued: JobExecution[];
}

/** The first ten pending executions, then up to five more for which `inWindow` holds; IN_PROGRESS ones first. */
export function pendingLists(pending: readonly JobExecution[], inWindow: (e: JobExecution) => boolean = () => false): PendingLists {
  const shown = [...pending.slice(0, MAX_PENDING_LISTED), ...pending.slice(MAX_PENDING_LISTED).filter(inWindow).slice(0, MAX_EXTRA_IN_WINDOW)];
  return { inProgress: shown.filter((e) => e.status === 'IN_PROGRESS'), queued: shown.filter((e) => e.status === 'QUEUED') };
}

export async function pendingForDevice(db: Db, thingName: string, nowMs: number): Promise<PendingLists> {
  return shownPending(db, await pendingOf(db, thingName), nowMs);
}

/**
 * What GetPendingJobExecutions and `notify` show of a pending list at `nowMs`
 * (AWS's job-limits table: 10, and 15 with a scheduling configuration, the
 * extra 5 only during a maintenance window): the first ten, then up to five
 * more of jobs whose maintenance window is open.
 */
export async function shownPending(db: Db, pending: readonly JobExecution[], nowMs: number): Promise<PendingLists> {
  if (pending.length <= MAX_PENDING_LISTED) return pendingLists(pending);
  const jobIds = [...new Set(pending.slice(MAX_PENDING_LISTED).map((e) => e.jobId))];
  const scheduled = await db.selectFrom('jobs').select(['job_id', 'scheduling_config']).where('job_id', 'in', jobIds).where('scheduling_config', 'is not', null).execute();
  const open = new Set(
    scheduled.filter((r) => {
      const windows = (JSON.parse(r.scheduling_config!) as SchedulingConfig).maintenanceWindows;
      return windows !== undefined && openWindow(windows, nowMs) !== undefined;
    }).map((r) => r.job_id),
  );
  return pendingLists(pending, (e) => open.has(e.jobId));
}

/** An execution with its job (for the document and the in-progress timeout). */
export interface ExecutionWithJob {
  execution: JobExecution;
  job: Job;
}

export type DeviceOutcome<T> = { ok: true; value: T } | { ok: false; refusal: Refusal; current: JobExecution };

/** Describe: the given execution (latest when no number), or `$next` (undefined when nothing is pending). */
export async function describeForDevice(db: Db, thingName: string, jobId: string, executionNumber?: number): Promise<ExecutionWithJob | undefined> {
  const execution = jobId === '$next' ? (await pendingOf(db, thingName))[0] : await findExecution(db, jobId, thingName, executionNumber);
  if (!execution) {
    if (jobId === '$next') return undefined;
    throw notFound('job-execution', `Job ${jobId} has no execution${executionNumber === undefined ? '' : ` number ${executionNumber}`} on thing ${thingName}.`);
  }
  visibleToDevice(execution);
  const job = await findJob(db, execution.jobId);
  if (!job) throw notFound('job', `Job ${execution.jobId} does not exist.`);
  return { execution, job: jobOf(job) };
}

/** A thing the rollout has not reached sees nothing of the job: the same answer as for no execution at all. */
function visibleToDevice(execution: JobExecution): JobExecution {
  if (execution.notifiedAtMs === undefined) throw notFound('job-execution', `Job ${execution.jobId} has no execution on thing ${execution.thingName}.`);
  return execution;
}

/** The head changed under us (another request of the same thing won the race): pick again. */
class HeadMoved extends Error {}
const START_NEXT_ATTEMPTS = 5;

/**
 * StartNextPendingJobExecution (§1.3): the head of the pending list; a QUEUED
 * one becomes IN_PROGRESS with the request's statusDetails and step timer,
 * an IN_PROGRESS one is returned unchanged. Undefined when nothing is pending.
 */
export async function startNextForDevice(
  deps: EngineDeps,
  thingName: string,
  request: StartNextRequest,
): Promise<{ value: DeviceOutcome<ExecutionWithJob | undefined>; changes: Changes }> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await inTransaction(deps, async (u) => {
        const head = (await pendingOf(u.trx, thingName))[0];
        if (!head) return { ok: true as const, value: undefined };
        const job = await lockedJob(u, head.jobId);
        const pending = await pendingOf(u.trx, thingName);
        const current = pending[0];
        if (!current || current.jobId !== head.jobId || current.executionNumber !== head.executionNumber) throw new HeadMoved();
        u.changes.track(thingName, pending);
        const result = startNext(current, request, { nowMs: u.nowMs, ...timeoutOf(job.in_progress_timeout_minutes) });
        if (!result.ok) return { ok: false as const, refusal: result, current };
        if (result.changed) await commitExecution(u, current, result.next);
        return { ok: true as const, value: { execution: result.next, job: jobOf(job) } };
      });
    } catch (error) {
      if (!(error instanceof HeadMoved) || attempt >= START_NEXT_ATTEMPTS) throw error;
    }
  }
}

export interface DeviceUpdate extends DeviceUpdateRequest {
  executionNumber?: number | undefined;
}

/** UpdateJobExecution (§1.3, §1.7); a refusal carries the execution as it is (for executionState). */
export function updateFromDevice(deps: EngineDeps, thingName: string, jobId: string, request: DeviceUpdate): Promise<{ value: DeviceOutcome<ExecutionWithJob>; changes: Changes }> {
  return inTransaction(deps, async (u) => {
    const job = await lockedJob(u, jobId);
    const current = visibleToDevice(await existingExecution(u, jobId, thingName, request.executionNumber));
    const result = applyDeviceUpdate(current, request, { nowMs: u.nowMs, ...timeoutOf(job.in_progress_timeout_minutes) });
    if (!result.ok) return { ok: false as const, refusal: result, current };
    await commitExecution(u, current, result.next);
    await afterExecutionEnded(u, result.next);
    const settled = (await settleJob(u, jobId)) ?? job;
    return { ok: true as const, value: { execution: result.next, job: jobOf(settled) } };
  });
}

const timeoutOf = (minutes: number | null) => (minutes === null ? {} : { inProgressTimeoutInMinutes: minutes });
