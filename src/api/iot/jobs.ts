import type { FastifyInstance } from 'fastify';
import { denied, invalidInput } from '../../errors.js';
import { documentBeforeSubstitution, documentParametersIn, nextWindowStarts, presignedUrlConfigIn, scheduleTimeMs, type CreateJobInput, type Job, type JobSummary } from '../../jobs/index.js';
import { epochSeconds, jsonBody, pathLabel, queryBoolean, queryInteger, queryString } from '../../protocols/rest-json.js';
import { optionalString, stringList } from '../../registry/validate.js';
import { serverCertificateNames, urlHost } from '../../server/config.js';
import type { AppContext } from '../../server/context.js';
import { iotOperation } from './route.js';
import { tagsIn } from './tags.js';

/**
 * CreateJob fields Ferry does not enforce yet (a later issue): refused when set,
 * never stored and ignored.
 */
const NOT_YET_SUPPORTED = ['namespaceId', 'destinationPackageVersions'] as const;

/** DescribeJob lists the next seven maintenance-window starts (aws-wire-protocols.md §9). */
const SCHEDULED_ROLLOUTS_SHOWN = 7;

/** Every origin of Ferry's S3 listener (each name its certificate covers), so placeholders may name any of them. */
export function ownS3Origins(ctx: AppContext): string[] {
  const port = new URL(ctx.endpoints.s3).port;
  const names = serverCertificateNames(ctx.options);
  const hosts = [ctx.advertisedHost, ...names.dnsNames.filter((n) => !n.startsWith('*.')), ...names.ipAddresses];
  return [ctx.endpoints.s3, ...new Set(hosts.map((h) => `https://${urlHost(h)}:${port}`))];
}

export function timeoutConfigIn(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidInput('timeoutConfig must be an object.');
  const minutes = (value as { inProgressTimeoutInMinutes?: unknown }).inProgressTimeoutInMinutes;
  if (minutes === undefined || minutes === null) return undefined;
  if (typeof minutes !== 'number') throw invalidInput('timeoutConfig.inProgressTimeoutInMinutes must be a number of minutes.');
  return minutes;
}

function createInput(jobId: string, body: Record<string, unknown>): CreateJobInput {
  return {
    jobId,
    targets: stringList(body.targets, 'targets'),
    document: optionalString(body.document, 'document', Number.MAX_SAFE_INTEGER),
    documentSource: optionalString(body.documentSource, 'documentSource', Number.MAX_SAFE_INTEGER),
    description: optionalString(body.description, 'description', Number.MAX_SAFE_INTEGER),
    targetSelection: optionalString(body.targetSelection, 'targetSelection', 64),
    presignedUrlConfig: presignedUrlConfigIn(body.presignedUrlConfig),
    inProgressTimeoutInMinutes: timeoutConfigIn(body.timeoutConfig),
    tags: tagsIn(body.tags),
    jobTemplateArn: optionalString(body.jobTemplateArn, 'jobTemplateArn', 1600),
    documentParameters: documentParametersIn(body.documentParameters),
    configs: {
      jobExecutionsRolloutConfig: body.jobExecutionsRolloutConfig,
      abortConfig: body.abortConfig,
      jobExecutionsRetryConfig: body.jobExecutionsRetryConfig,
      schedulingConfig: body.schedulingConfig,
    },
    notYetSupported: Object.fromEntries(NOT_YET_SUPPORTED.map((field) => [field, body[field]])),
  };
}

/** "YYYY-MM-DDTHH:MM" in UTC, schedulingConfig's own form. */
const scheduleTime = (ms: number) => new Date(ms).toISOString().slice(0, 16);

/** True while the job is rolling out (things not yet notified) (§9; a SCHEDULED job is not rolling out yet). */
const isConcurrent = (job: Pick<Job, 'status' | 'awaitingRollout'>) => job.status === 'IN_PROGRESS' && job.awaitingRollout > 0;

/** Windows count from the job's startTime when that is still ahead. */
function rolloutFromMs(job: Job, nowMs: number): number {
  const start = job.schedulingConfig?.startTime;
  return start === undefined ? nowMs : Math.max(nowMs, scheduleTimeMs(start) ?? nowMs);
}

/** DescribeJob's `job` (aws-wire-protocols.md §3.3): float-second timestamps, exact counters. */
export function jobOut(job: Job, nowMs: number) {
  const windows = job.schedulingConfig?.maintenanceWindows;
  return {
    jobArn: job.jobArn,
    jobId: job.jobId,
    targetSelection: job.targetSelection,
    status: job.status,
    forceCanceled: job.forceCanceled,
    ...(job.reasonCode !== undefined ? { reasonCode: job.reasonCode } : {}),
    ...(job.comment !== undefined ? { comment: job.comment } : {}),
    targets: job.targets,
    ...(job.description !== undefined ? { description: job.description } : {}),
    ...(job.presignedUrlConfig ? { presignedUrlConfig: { ...job.presignedUrlConfig } } : {}),
    // A real describe-job shows {} when unset (§3.3).
    jobExecutionsRolloutConfig: job.rolloutConfig ?? {},
    ...(job.abortCriteria ? { abortConfig: { criteriaList: job.abortCriteria } } : {}),
    ...(job.retryCriteria ? { jobExecutionsRetryConfig: { criteriaList: job.retryCriteria } } : {}),
    ...(job.schedulingConfig ? { schedulingConfig: job.schedulingConfig } : {}),
    ...(windows ? { scheduledJobRollouts: nextWindowStarts(windows, rolloutFromMs(job, nowMs), SCHEDULED_ROLLOUTS_SHOWN).map((ms) => ({ startTime: scheduleTime(ms) })) } : {}),
    createdAt: epochSeconds(job.createdAtMs),
    lastUpdatedAt: epochSeconds(job.lastUpdatedAtMs),
    ...(job.completedAtMs !== undefined ? { completedAt: epochSeconds(job.completedAtMs) } : {}),
    // processingTargets: the targets still being rolled out; omitted once every thing was notified.
    jobProcessDetails: { ...(isConcurrent(job) ? { processingTargets: job.targets } : {}), ...job.counters },
    ...(job.inProgressTimeoutInMinutes !== undefined ? { timeoutConfig: { inProgressTimeoutInMinutes: job.inProgressTimeoutInMinutes } } : {}),
    isConcurrent: isConcurrent(job),
    ...(job.jobTemplateArn !== undefined ? { jobTemplateArn: job.jobTemplateArn } : {}),
    ...(job.documentParameters !== undefined ? { documentParameters: job.documentParameters } : {}),
  };
}

function summaryOut(job: JobSummary) {
  return {
    jobArn: job.jobArn,
    jobId: job.jobId,
    targetSelection: job.targetSelection,
    status: job.status,
    createdAt: epochSeconds(job.createdAtMs),
    lastUpdatedAt: epochSeconds(job.lastUpdatedAtMs),
    ...(job.completedAtMs !== undefined ? { completedAt: epochSeconds(job.completedAtMs) } : {}),
    isConcurrent: isConcurrent(job),
  };
}

/** Jobs (aws-wire-protocols.md §3.3): CreateJob, DescribeJob, GetJobDocument, ListJobs, CancelJob, DeleteJob. */
export function registerJobRoutes(app: FastifyInstance, ctx: AppContext): void {
  const jobs = () => ctx.services.jobs;
  // Fixed once the listeners are bound; every delivery of a presigned link asks (and hostname() is a system call).
  let origins: string[] | undefined;
  ctx.services.jobs.useS3Origins(() => (origins ??= ownS3Origins(ctx)));

  iotOperation(app, ctx, 'PUT', '/jobs/:jobId', async (request) => {
    if (!request.principal) throw denied('The request is not authenticated.');
    const job = await jobs().createJob(request.principal, createInput(pathLabel(request, 'jobId'), jsonBody(request)));
    return { jobArn: job.jobArn, jobId: job.jobId, ...(job.description !== undefined ? { description: job.description } : {}) };
  });

  iotOperation(app, ctx, 'GET', '/jobs/:jobId', async (request) => {
    const job = await jobs().describeJob(pathLabel(request, 'jobId'));
    // documentSource is a sibling of job (§3.3).
    return { ...(job.documentSource !== undefined ? { documentSource: job.documentSource } : {}), job: jobOut(job, ctx.clock.now()) };
  });

  // UpdateJob (§3.3): only the fields given change.
  iotOperation(app, ctx, 'PATCH', '/jobs/:jobId', async (request) => {
    if (queryString(request, 'namespaceId') !== undefined) throw invalidInput('namespaceId is not supported by Ferry yet: Ferry\'s jobs have no namespace.', 'not-yet-supported');
    const body = jsonBody(request);
    await jobs().updateJob(pathLabel(request, 'jobId'), {
      description: optionalString(body.description, 'description', Number.MAX_SAFE_INTEGER),
      presignedUrlConfig: presignedUrlConfigIn(body.presignedUrlConfig),
      inProgressTimeoutInMinutes: timeoutConfigIn(body.timeoutConfig),
      jobExecutionsRolloutConfig: body.jobExecutionsRolloutConfig,
      abortConfig: body.abortConfig,
      jobExecutionsRetryConfig: body.jobExecutionsRetryConfig,
    });
    return {};
  });

  // §3.3, §5: the stored document, presigned-URL placeholders not substituted; documentParameters filled
  // unless beforeSubstitution asks for the managed template's own text.
  iotOperation(app, ctx, 'GET', '/jobs/:jobId/job-document', async (request) => {
    const job = await jobs().describeJob(pathLabel(request, 'jobId'));
    return { document: queryBoolean(request, 'beforeSubstitution') ? documentBeforeSubstitution(job) : job.document };
  });

  iotOperation(app, ctx, 'GET', '/jobs', async (request) => {
    const groupName = queryString(request, 'thingGroupName');
    const groupId = queryString(request, 'thingGroupId');
    // Ferry's jobs have no namespace: a namespace filter matches none of them.
    if (queryString(request, 'namespaceId') !== undefined) return { jobs: [] };
    const thingGroupArn = groupName !== undefined ? ctx.services.registry.arns.thingGroup(groupName) : groupId !== undefined ? await groupArnById(ctx, groupId) : undefined;
    if (groupId !== undefined && thingGroupArn === undefined) return { jobs: [] };
    const page = await jobs().listJobs({
      status: queryString(request, 'status'),
      targetSelection: queryString(request, 'targetSelection'),
      thingGroupArn,
      limit: queryInteger(request, 'maxResults', 1, 250),
      token: queryString(request, 'nextToken'),
    });
    return { jobs: page.items.map(summaryOut), ...(page.next ? { nextToken: page.next } : {}) };
  });

  iotOperation(app, ctx, 'POST', '/jobs/:jobId/targets', async (request) => {
    const body = jsonBody(request);
    if (queryString(request, 'namespaceId') !== undefined) throw invalidInput('namespaceId is not supported by Ferry yet: Ferry\'s jobs have no namespace.', 'not-yet-supported');
    const job = await jobs().associateTargets(pathLabel(request, 'jobId'), stringList(body.targets, 'targets'), optionalString(body.comment, 'comment', 2028));
    return { jobArn: job.jobArn, jobId: job.jobId, ...(job.description !== undefined ? { description: job.description } : {}) };
  });

  iotOperation(app, ctx, 'PUT', '/jobs/:jobId/cancel', async (request) => {
    const body = jsonBody(request);
    const job = await jobs().cancelJob(pathLabel(request, 'jobId'), {
      force: queryBoolean(request, 'force') ?? false,
      reasonCode: optionalString(body.reasonCode, 'reasonCode', 128),
      comment: optionalString(body.comment, 'comment', 2028),
    });
    return { jobArn: job.jobArn, jobId: job.jobId, ...(job.description !== undefined ? { description: job.description } : {}) };
  });

  iotOperation(app, ctx, 'DELETE', '/jobs/:jobId', async (request) => {
    if (queryString(request, 'namespaceId') !== undefined) throw invalidInput('namespaceId is not supported by Ferry yet: Ferry\'s jobs have no namespace.', 'not-yet-supported');
    await jobs().deleteJob(pathLabel(request, 'jobId'), queryBoolean(request, 'force') ?? false);
    return {};
  });
}

/** The ARN of the thing group with this id, if any (ListJobs' thingGroupId filter). */
async function groupArnById(ctx: AppContext, groupId: string): Promise<string | undefined> {
  const row = await ctx.store.db.selectFrom('iot_thing_groups').select('group_name').where('group_id', '=', groupId).executeTakeFirst();
  return row ? ctx.services.registry.arns.thingGroup(row.group_name) : undefined;
}
