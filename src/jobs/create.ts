import { sql } from 'kysely';
/**
 * CreateJob (aws-wire-protocols.md §3.3): the job and one QUEUED execution per
 * targeted thing, written in one transaction.
 */
import { alreadyExists, invalidInput } from '../errors.js';
import type { Principal } from '../iam/principal.js';
import type { Registry, Tag } from '../registry/index.js';
import { isUniqueViolation } from '../registry/deps.js';
import { parseJobDocument, refuseUnservedPlaceholders } from './document.js';
import { readDocumentSource, type ObjectReader } from './document-source.js';
import type { Job, PresignedUrlConfig } from './job.js';
import { checkPresignedUrls, type PresignChecks } from './presign-check.js';
import { pendingOfMany } from './queries.js';
import { executionRow, jobOf, type JobRow } from './rows.js';
import { MAX_TIMEOUT_MINUTES } from './state-machine.js';
import { expandTargets } from './targets.js';
import type { JobExecution } from './types.js';
import { inTransaction, settleJob, type EngineDeps, type Unit } from './unit.js';
import type { Changes } from './changes.js';
import { checkJobConfigs, scheduleTimeMs, type JobConfigs, type RawJobConfigs } from './configs.js';
import { advanceRollout } from './rollout.js';
import { refuseOverQuota } from './concurrency.js';
import { openWindow } from './windows.js';
import { checkParameters, fillParameters } from './parameters.js';
import { applyJobTemplate } from './templates.js';

export interface CreateJobInput {
  jobId: string;
  targets: string[];
  /** Inline document text; exactly one of document and documentSource. */
  document?: string | undefined;
  documentSource?: string | undefined;
  description?: string | undefined;
  targetSelection?: string | undefined;
  presignedUrlConfig?: PresignedUrlConfig | undefined;
  inProgressTimeoutInMinutes?: number | undefined;
  tags?: Tag[] | undefined;
  /** jobExecutionsRolloutConfig, abortConfig, jobExecutionsRetryConfig, schedulingConfig as the request gave them (checked here). */
  configs?: RawJobConfigs | undefined;
  /** The custom or AWS-managed template the job is made from (templates.ts); the job's own fields override its. */
  jobTemplateArn?: string | undefined;
  /** Values of an AWS-managed template's `${aws:iot:parameter:NAME}` placeholders (parameters.ts). */
  documentParameters?: Record<string, string> | undefined;
  /**
   * Fields Ferry does not enforce yet, by name, as the request gave them
   * (namespaceId, destinationPackageVersions): any that is set is refused,
   * never stored and ignored.
   */
  notYetSupported?: Record<string, unknown> | undefined;
}

export interface CreateDeps extends EngineDeps {
  registry: Registry;
  presignChecks: PresignChecks;
  readObject: ObjectReader;
  s3Origins: () => string[];
}

// aws-wire-protocols.md §3.3, §9.
const JOB_ID = /^[a-zA-Z0-9_-]{1,64}$/;
const MAX_DESCRIPTION = 2028;

export async function createJob(deps: CreateDeps, principal: Principal, request: CreateJobInput): Promise<{ value: Job; changes: Changes }> {
  checkInput(request);
  const { input, managed } = await applyJobTemplate(deps, request);
  checkInput(input);
  const configs = checkJobConfigs(input.configs ?? {}, { nowMs: deps.clock.now(), hasTimeout: input.inProgressTimeoutInMinutes !== undefined });
  const origins = deps.s3Origins();
  const filled = managed ? { ...input, document: JSON.stringify(fillParameters(parseJobDocument(managed.document), checkParameters(managed, input.documentParameters ?? {}))) } : input;
  const text = await checkedDocument(deps, principal, filled, input.presignedUrlConfig, origins);
  const things = await expandTargets(deps.registry, input.targets);
  const jobArn = deps.registry.arns.of('job', input.jobId);
  try {
    return await inTransaction(deps, async (u) => {
      // Without a rollout or scheduling config every thing is notified at once, as before; otherwise the pacer decides.
      const paced = isPaced(configColumns(configs));
      const row = jobRowFor(input, configs, jobArn, text, origins, things.length, u.nowMs, paced);
      await u.trx.insertInto('jobs').values(row).execute();
      u.changes.jobHistory('created', jobOf(row));
      await u.trx.insertInto('job_targets').values([...new Set(input.targets)].map((target_arn) => ({ job_id: input.jobId, target_arn }))).execute();
      await deps.registry.tags.put(u.trx, jobArn, input.tags ?? []);
      await queueExecutions(u, input.jobId, things, paced ? undefined : u.nowMs);
      if (paced) await advanceRollout(u, input.jobId);
      const created = (await settleJob(u, input.jobId)) ?? row;
      await refuseOverQuota(u, created);
      return jobOf(created);
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw alreadyExists('job', `Job ${input.jobId} already exists.`);
    throw error;
  }
}

/**
 * The document text of a job or a job template, read (documentSource) and
 * checked: valid JSON, only placeholders Ferry serves, presigned links the
 * role may sign.
 */
export async function checkedDocument(deps: CreateDeps, principal: Principal, source: Pick<CreateJobInput, 'document' | 'documentSource'>, presign: PresignedUrlConfig | undefined, origins: string[]): Promise<string> {
  const text = await documentText(deps, principal, source, origins);
  const document = parseJobDocument(text);
  refuseUnservedPlaceholders(document);
  await checkPresignedUrls(deps.presignChecks, document, presign, origins);
  return text;
}

function checkInput(input: CreateJobInput): void {
  if (!JOB_ID.test(input.jobId)) throw invalidInput(`jobId ${JSON.stringify(input.jobId)} is not valid: it must be 1 to 64 characters from a-z, A-Z, 0-9, underscore and hyphen.`);
  for (const [field, value] of Object.entries(input.notYetSupported ?? {})) {
    if (isSet(value)) throw invalidInput(`${field} is not supported by Ferry yet: create the job without it.`, 'not-yet-supported');
  }
  // aws-wire-protocols.md §9: CONTINUOUS jobs follow group membership (continuous.ts).
  if (input.targetSelection !== undefined && input.targetSelection !== 'SNAPSHOT' && input.targetSelection !== 'CONTINUOUS') {
    throw invalidInput(`targetSelection must be SNAPSHOT or CONTINUOUS (got ${JSON.stringify(input.targetSelection)}).`);
  }
  if (input.description !== undefined && input.description.length > MAX_DESCRIPTION) throw invalidInput(`description must be at most ${MAX_DESCRIPTION} characters.`);
  const minutes = input.inProgressTimeoutInMinutes;
  if (minutes !== undefined && (!Number.isInteger(minutes) || minutes < 1 || minutes > MAX_TIMEOUT_MINUTES)) {
    throw invalidInput(`timeoutConfig.inProgressTimeoutInMinutes must be an integer from 1 to ${MAX_TIMEOUT_MINUTES} (got ${minutes}).`);
  }
  if (input.document !== undefined && input.documentSource !== undefined) throw invalidInput('Give either document or documentSource, not both.');
  if (input.document === undefined && input.documentSource === undefined && input.jobTemplateArn === undefined) {
    throw invalidInput('A job needs a document: give document (the JSON text), documentSource (an S3 object URL) or jobTemplateArn (a job template).');
  }
}

/** Set means anything but absent, null, or an empty object / list (which configure nothing). */
function isSet(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

async function documentText(deps: CreateDeps, principal: Principal, input: Pick<CreateJobInput, 'document' | 'documentSource'>, origins: string[]): Promise<string> {
  if (input.document !== undefined) return input.document;
  return readDocumentSource(deps.readObject, principal, input.documentSource!, origins);
}

function jobRowFor(input: CreateJobInput, configs: JobConfigs, jobArn: string, document: string, origins: string[], queued: number, nowMs: number, paced: boolean): JobRow {
  const startAt = configs.scheduling?.startTime === undefined ? null : scheduleTimeMs(configs.scheduling.startTime)!;
  const endAt = configs.scheduling?.endTime === undefined ? null : scheduleTimeMs(configs.scheduling.endTime)!;
  return {
    job_id: input.jobId,
    job_arn: jobArn,
    // aws-wire-protocols.md §9: SCHEDULED until schedulingConfig.startTime.
    status: startAt === null ? 'IN_PROGRESS' : 'SCHEDULED',
    target_selection: input.targetSelection ?? 'SNAPSHOT',
    targets: JSON.stringify(input.targets),
    description: input.description ?? null,
    document,
    document_source: input.documentSource ?? null,
    s3_origins: JSON.stringify(origins),
    presign_role_arn: input.presignedUrlConfig?.roleArn ?? null,
    presign_expires_sec: input.presignedUrlConfig?.expiresInSec ?? null,
    in_progress_timeout_minutes: input.inProgressTimeoutInMinutes ?? null,
    force_canceled: 0,
    reason_code: null,
    comment: null,
    created_at: nowMs,
    last_updated_at: nowMs,
    completed_at: null,
    n_queued: queued,
    n_in_progress: 0,
    n_succeeded: 0,
    n_failed: 0,
    n_rejected: 0,
    n_canceled: 0,
    n_removed: 0,
    n_timed_out: 0,
    ...configColumns(configs),
    start_at: startAt,
    end_at: endAt,
    rollout_next_at: null,
    rollout_minute_start: null,
    rollout_minute_count: 0,
    n_notified: paced ? 0 : queued,
    end_done: 0,
    rollout_owner: null,
    rollout_lease_until: null,
    job_template_arn: input.jobTemplateArn ?? null,
    document_parameters: input.documentParameters === undefined ? null : JSON.stringify(input.documentParameters),
  };
}

/** The configurations' columns (JSON; NULL when not given). */
export function configColumns(configs: JobConfigs): Pick<JobRow, 'rollout_config' | 'abort_config' | 'retry_config' | 'scheduling_config'> {
  const json = (v: unknown) => (v === undefined ? null : JSON.stringify(v));
  return { rollout_config: json(configs.rollout), abort_config: json(configs.abort), retry_config: json(configs.retry), scheduling_config: json(configs.scheduling) };
}

const INSERT_CHUNK = 500;

/** One QUEUED execution per thing (version 1, execution number 1; §1.4), notified at `notifiedAtMs` (or left for the pacer). */
export async function queueExecutions(u: Unit, jobId: string, things: string[], notifiedAtMs: number | undefined): Promise<void> {
  const before = await pendingOfMany(u.trx, things);
  for (const [thing, pending] of before) u.changes.track(thing, pending);
  const executions: JobExecution[] = things.map((thingName) => ({
    jobId,
    thingName,
    status: 'QUEUED',
    statusDetails: {},
    queuedAtMs: u.nowMs,
    lastUpdatedAtMs: u.nowMs,
    executionNumber: 1,
    versionNumber: 1,
    retryAttempt: 0,
    forceCanceled: false,
    ...(notifiedAtMs === undefined ? {} : { notifiedAtMs }),
  }));
  for (let i = 0; i < executions.length; i += INSERT_CHUNK) {
    await u.trx.insertInto('job_executions').values(executions.slice(i, i + INSERT_CHUNK).map(executionRow)).execute();
  }
  for (const exec of executions) u.changes.changed(undefined, exec);
}

/** Whether a job's executions wait for the pacer (a rollout or scheduling config) rather than being notified at once. */
export const isPaced = (row: Pick<JobRow, 'rollout_config' | 'scheduling_config'>): boolean => row.rollout_config !== null || row.scheduling_config !== null;

/**
 * Things that join a running job later (a continuous job's late joiners,
 * AssociateTargetsWithJob): notified at once, as at creation, unless the job
 * is paced — then the pacer notifies them in turn. `outsideRate`: notified at
 * once even so (a continuous job's late joiners, see joinsOutsideRate).
 */
export async function queueJoiners(u: Unit, row: JobRow, things: string[], outsideRate = false): Promise<void> {
  const paced = isPaced(row) && !outsideRate;
  await queueExecutions(u, row.job_id, things, paced ? undefined : u.nowMs);
  if (paced) await advanceRollout(u, row.job_id);
  else await u.trx.updateTable('jobs').set({ n_notified: sql`n_notified + ${things.length}` }).where('job_id', '=', row.job_id).execute();
}

/**
 * AWS (§9): things that join a continuous job's groups after it started get
 * their executions in near real time, outside the rollout rate. Ferry keeps
 * the job's schedule: not before it starts, not after its endTime stopped the
 * rollout, and only inside a maintenance window when it has them (else the
 * pacer notifies them when the next window opens).
 */
export function joinsOutsideRate(row: JobRow, nowMs: number): boolean {
  if (row.status !== 'IN_PROGRESS' || row.end_done !== 0) return false;
  const windows = jobOf(row).schedulingConfig?.maintenanceWindows;
  return windows === undefined || openWindow(windows, nowMs) !== undefined;
}
