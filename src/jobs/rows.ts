/** Rows of the jobs tables ↔ the engine's records. */
import type { Selectable } from 'kysely';
import type { JobExecutionsTable, JobsTable } from '../store/tables/jobs.js';
import type { AbortCriteria, RetryCriteria, RolloutConfig, SchedulingConfig } from './configs.js';
import type { Job } from './job.js';
import { nextTimeoutAtMs } from './state-machine.js';
import type { JobExecution, JobExecutionStatus, JobProcessCounters, JobStatus, TargetSelection } from './types.js';

export type JobRow = Selectable<JobsTable>;
export type ExecutionRow = Omit<Selectable<JobExecutionsTable>, 'timer_owner' | 'timer_lease_until'>;

/** Which counter column holds each execution status. */
export const COUNTER_COLUMN: Record<JobExecutionStatus, keyof JobsTable & `n_${string}`> = {
  QUEUED: 'n_queued',
  IN_PROGRESS: 'n_in_progress',
  SUCCEEDED: 'n_succeeded',
  FAILED: 'n_failed',
  REJECTED: 'n_rejected',
  CANCELED: 'n_canceled',
  REMOVED: 'n_removed',
  TIMED_OUT: 'n_timed_out',
};

export function countersOf(row: JobRow): JobProcessCounters {
  return {
    numberOfQueuedThings: row.n_queued,
    numberOfInProgressThings: row.n_in_progress,
    numberOfSucceededThings: row.n_succeeded,
    numberOfFailedThings: row.n_failed,
    numberOfRejectedThings: row.n_rejected,
    numberOfCanceledThings: row.n_canceled,
    numberOfRemovedThings: row.n_removed,
    numberOfTimedOutThings: row.n_timed_out,
  };
}

/** Things whose execution the rollout has not reached: every thing counted, less those notified. */
export function awaitingRollout(row: JobRow): number {
  const things = Object.values(countersOf(row)).reduce((n, c) => n + c, 0);
  return Math.max(0, things - row.n_notified);
}

export function jobOf(row: JobRow): Job {
  const job: Job = {
    jobId: row.job_id,
    jobArn: row.job_arn,
    status: row.status as JobStatus,
    targetSelection: row.target_selection as TargetSelection,
    targets: JSON.parse(row.targets) as string[],
    document: row.document,
    s3Origins: JSON.parse(row.s3_origins) as string[],
    forceCanceled: row.force_canceled !== 0,
    createdAtMs: row.created_at,
    lastUpdatedAtMs: row.last_updated_at,
    counters: countersOf(row),
    notifiedThings: row.n_notified,
    awaitingRollout: awaitingRollout(row),
  };
  if (row.description !== null) job.description = row.description;
  if (row.document_source !== null) job.documentSource = row.document_source;
  if (row.presign_role_arn !== null && row.presign_expires_sec !== null) job.presignedUrlConfig = { roleArn: row.presign_role_arn, expiresInSec: row.presign_expires_sec };
  if (row.in_progress_timeout_minutes !== null) job.inProgressTimeoutInMinutes = row.in_progress_timeout_minutes;
  if (row.reason_code !== null) job.reasonCode = row.reason_code;
  if (row.comment !== null) job.comment = row.comment;
  if (row.completed_at !== null) job.completedAtMs = row.completed_at;
  if (row.rollout_config !== null) job.rolloutConfig = JSON.parse(row.rollout_config) as RolloutConfig;
  if (row.abort_config !== null) job.abortCriteria = JSON.parse(row.abort_config) as AbortCriteria[];
  if (row.retry_config !== null) job.retryCriteria = JSON.parse(row.retry_config) as RetryCriteria[];
  if (row.scheduling_config !== null) job.schedulingConfig = JSON.parse(row.scheduling_config) as SchedulingConfig;
  if (row.job_template_arn !== null) job.jobTemplateArn = row.job_template_arn;
  if (row.document_parameters !== null) job.documentParameters = JSON.parse(row.document_parameters) as Record<string, string>;
  return job;
}

export function executionOf(row: ExecutionRow): JobExecution {
  const exec: JobExecution = {
    jobId: row.job_id,
    thingName: row.thing_name,
    status: row.status as JobExecutionStatus,
    statusDetails: JSON.parse(row.status_details) as Record<string, string>,
    queuedAtMs: row.queued_at,
    lastUpdatedAtMs: row.last_updated_at,
    executionNumber: row.execution_number,
    versionNumber: row.version_number,
    retryAttempt: row.retry_attempt,
    forceCanceled: row.force_canceled !== 0,
  };
  if (row.started_at !== null) exec.startedAtMs = row.started_at;
  if (row.step_timeout_at !== null) exec.stepTimeoutAtMs = row.step_timeout_at;
  if (row.in_progress_timeout_at !== null) exec.inProgressTimeoutAtMs = row.in_progress_timeout_at;
  if (row.notified_at !== null) exec.notifiedAtMs = row.notified_at;
  return exec;
}

/** The row's changeable columns for an execution (the key columns are the caller's). */
export function executionColumns(exec: JobExecution) {
  return {
    status: exec.status,
    status_details: JSON.stringify(exec.statusDetails),
    queued_at: exec.queuedAtMs,
    started_at: exec.startedAtMs ?? null,
    last_updated_at: exec.lastUpdatedAtMs,
    version_number: exec.versionNumber,
    retry_attempt: exec.retryAttempt,
    step_timeout_at: exec.stepTimeoutAtMs ?? null,
    in_progress_timeout_at: exec.inProgressTimeoutAtMs ?? null,
    timeout_at: nextTimeoutAtMs(exec) ?? null,
    force_canceled: exec.forceCanceled ? 1 : 0,
    notified_at: exec.notifiedAtMs ?? null,
  };
}

export function executionRow(exec: JobExecution): ExecutionRow {
  return { job_id: exec.jobId, thing_name: exec.thingName, execution_number: exec.executionNumber, ...executionColumns(exec) };
}
