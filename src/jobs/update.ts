/**
 * UpdateJob (aws-wire-protocols.md §3.3): description, presignedUrlConfig,
 * jobExecutionsRolloutConfig, abortConfig, timeoutConfig and
 * jobExecutionsRetryConfig; an absent field is left as it is. The one
 * validator (configs.ts) checks the configurations, and nothing changes on a
 * refusal. A new rollout rate applies from the pacer's next minute (the
 * current minute's quota is already out); a new timeout applies only to
 * executions that start afterwards (a running execution's deadline was fixed
 * when it started, §9); new abort and retry criteria apply to the next
 * execution that ends.
 */
import { invalidInput, invalidState } from '../errors.js';
import type { Changes } from './changes.js';
import { checkAbortConfig, checkRetryConfig, checkRolloutConfig, type RawJobConfigs } from './configs.js';
import { parseJobDocument } from './document.js';
import type { Job, PresignedUrlConfig } from './job.js';
import { checkPresignedUrls, type PresignChecks } from './presign-check.js';
import { jobOf, type JobRow } from './rows.js';
import { MAX_TIMEOUT_MINUTES } from './state-machine.js';
import { inTransaction, lockedJob, type EngineDeps } from './unit.js';

export interface UpdateJobInput extends Omit<RawJobConfigs, 'schedulingConfig'> {
  description?: string | undefined;
  presignedUrlConfig?: PresignedUrlConfig | undefined;
  inProgressTimeoutInMinutes?: number | undefined;
}

export interface UpdateDeps extends EngineDeps {
  presignChecks: PresignChecks;
}

const MAX_DESCRIPTION = 2028;

export async function updateJob(deps: UpdateDeps, jobId: string, input: UpdateJobInput): Promise<{ value: Job; changes: Changes }> {
  if (input.description !== undefined && input.description.length > MAX_DESCRIPTION) throw invalidInput(`description must be at most ${MAX_DESCRIPTION} characters.`);
  const minutes = input.inProgressTimeoutInMinutes;
  if (minutes !== undefined && (!Number.isInteger(minutes) || minutes < 1 || minutes > MAX_TIMEOUT_MINUTES)) {
    throw invalidInput(`timeoutConfig.inProgressTimeoutInMinutes ${minutes} is not valid: it must be an integer from 1 to ${MAX_TIMEOUT_MINUTES}.`);
  }
  const rollout = checkRolloutConfig(input.jobExecutionsRolloutConfig);
  const abort = checkAbortConfig(input.abortConfig);
  const current = await inTransaction(deps, (u) => lockedJob(u, jobId));
  const hasTimeout = minutes !== undefined || current.value.in_progress_timeout_minutes !== null;
  const retry = checkRetryConfig(input.jobExecutionsRetryConfig, hasTimeout);
  if (input.presignedUrlConfig) await checkPresignedUrls(deps.presignChecks, parseJobDocument(current.value.document), input.presignedUrlConfig, JSON.parse(current.value.s3_origins) as string[]);
  return inTransaction(deps, async (u) => {
    const row = await lockedJob(u, jobId);
    if (row.status === 'DELETION_IN_PROGRESS') throw invalidState('job', `Job ${jobId} is being deleted and cannot be updated.`);
    const set: Partial<JobRow> = { last_updated_at: u.nowMs };
    if (input.description !== undefined) set.description = input.description;
    if (input.presignedUrlConfig) Object.assign(set, { presign_role_arn: input.presignedUrlConfig.roleArn, presign_expires_sec: input.presignedUrlConfig.expiresInSec });
    if (minutes !== undefined) set.in_progress_timeout_minutes = minutes;
    if (rollout) set.rollout_config = JSON.stringify(rollout);
    if (abort) set.abort_config = JSON.stringify(abort);
    if (retry) set.retry_config = JSON.stringify(retry);
    await u.trx.updateTable('jobs').set(set).where('job_id', '=', jobId).execute();
    return jobOf({ ...row, ...set });
  });
}
