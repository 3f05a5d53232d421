import {
  CancelJobCommand,
  CreateJobCommand,
  DescribeJobCommand,
  DescribeJobExecutionCommand,
  ListJobExecutionsForJobCommand,
  ListJobsCommand,
  type CreateJobRequest,
  type Job,
  type JobExecutionStatus,
  type JobSummary,
} from '@aws-sdk/client-iot';
import type { Connection } from '../client-config.js';
import { arnName, roleArnOf, s3ObjectUrl, targetArn } from '../arns.js';
import { UsageError } from '../io.js';

export interface CreateJobInput {
  jobId: string;
  /** Thing names, `thing-group:NAME` (or `group:NAME`), or ARNs. */
  targets: string[];
  /** The document's text (inline), or the object holding it; absent with a template. */
  document?: { text: string } | { bucket: string; key: string } | undefined;
  /** The job template's ARN (templateArnOf) and, for an AWS-managed one, its documentParameters. */
  jobTemplateArn?: string | undefined;
  documentParameters?: Record<string, string> | undefined;
  /** Role name or ARN that signs the presigned URLs. */
  presignRole?: string | undefined;
  expiresInSec?: number | undefined;
  description?: string | undefined;
  inProgressTimeoutMinutes?: number | undefined;
  /** Rollout, abort, retry and scheduling configurations, in CreateJob's shapes (rollout-flags.ts). */
  rollout?: Partial<CreateJobRequest> | undefined;
  /** targetSelection CONTINUOUS: things joining the target groups later get the job too. */
  continuous?: boolean | undefined;
}

/** The story's step 5: a job for things or groups, its document inline or from a bucket, with a presigned-URL config. */
export async function createJob(conn: Connection, input: CreateJobInput) {
  if (input.targets.length === 0) throw new UsageError('name at least one target: --targets THING,thing-group:GROUP,…');
  if (input.expiresInSec !== undefined && !input.presignRole) throw new UsageError('--expires-in needs --presign-role');
  const account = await conn.accountId();
  const request: CreateJobRequest = {
    jobId: input.jobId,
    targets: input.targets.map((t) => targetArn(conn.region, account, t)),
    ...(input.document === undefined ? {} : 'text' in input.document ? { document: input.document.text } : { documentSource: s3ObjectUrl(input.document.bucket, input.document.key) }),
    ...(input.jobTemplateArn ? { jobTemplateArn: input.jobTemplateArn } : {}),
    ...(input.documentParameters && Object.keys(input.documentParameters).length ? { documentParameters: input.documentParameters } : {}),
    ...(input.description ? { description: input.description } : {}),
    ...(input.presignRole
      ? { presignedUrlConfig: { roleArn: roleArnOf(account, input.presignRole), expiresInSec: input.expiresInSec ?? 3600 } }
      : {}),
    ...(input.inProgressTimeoutMinutes ? { timeoutConfig: { inProgressTimeoutInMinutes: input.inProgressTimeoutMinutes } } : {}),
    ...input.rollout,
    ...(input.continuous ? { targetSelection: 'CONTINUOUS' as const } : {}),
  };
  const out = await conn.iot().send(new CreateJobCommand(request));
  return { jobId: out.jobId!, jobArn: out.jobArn!, description: out.description, targets: request.targets ?? [], documentSource: request.documentSource };
}

export interface ExecutionRow {
  thingName: string;
  status: JobExecutionStatus | string;
  queuedAt?: Date | undefined;
  startedAt?: Date | undefined;
  lastUpdatedAt?: Date | undefined;
  executionNumber?: number | undefined;
}

export async function listExecutions(conn: Connection, jobId: string): Promise<ExecutionRow[]> {
  const rows: ExecutionRow[] = [];
  let nextToken: string | undefined;
  do {
    const page = await conn.iot().send(new ListJobExecutionsForJobCommand({ jobId, maxResults: 250, ...(nextToken ? { nextToken } : {}) }));
    for (const e of page.executionSummaries ?? []) {
      const s = e.jobExecutionSummary ?? {};
      rows.push({
        thingName: arnName(e.thingArn ?? ''),
        status: s.status ?? 'UNKNOWN',
        queuedAt: s.queuedAt,
        startedAt: s.startedAt,
        lastUpdatedAt: s.lastUpdatedAt,
        executionNumber: s.executionNumber,
      });
    }
    nextToken = page.nextToken;
  } while (nextToken);
  return rows.sort((a, b) => a.thingName.localeCompare(b.thingName));
}

/** The details a device reported on its execution (DescribeJobExecution wraps them in detailsMap, §3.3). */
export async function executionDetails(conn: Connection, thingName: string, jobId: string): Promise<Record<string, string>> {
  const out = await conn.iot().send(new DescribeJobExecutionCommand({ thingName, jobId }));
  return out.execution?.statusDetails?.detailsMap ?? {};
}

export async function describeJob(conn: Connection, jobId: string) {
  const out = await conn.iot().send(new DescribeJobCommand({ jobId }));
  return { job: out.job!, documentSource: out.documentSource, executions: await listExecutions(conn, jobId) };
}

export async function listJobs(conn: Connection, status?: string): Promise<JobSummary[]> {
  const jobs: JobSummary[] = [];
  let nextToken: string | undefined;
  do {
    const page = await conn.iot().send(
      new ListJobsCommand({ maxResults: 250, ...(status ? { status: status as 'IN_PROGRESS' } : {}), ...(nextToken ? { nextToken } : {}) }),
    );
    jobs.push(...(page.jobs ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return jobs;
}

export async function cancelJob(conn: Connection, jobId: string, o: { force?: boolean | undefined; reasonCode?: string | undefined; comment?: string | undefined }) {
  const out = await conn.iot().send(
    new CancelJobCommand({ jobId, force: o.force ?? false, ...(o.reasonCode ? { reasonCode: o.reasonCode } : {}), ...(o.comment ? { comment: o.comment } : {}) }),
  );
  return { jobId: out.jobId, jobArn: out.jobArn, canceled: true, force: o.force ?? false };
}

/** A job whose status will not change again. */
export const isJobFinished = (job: Job | undefined): boolean =>
  job?.status === 'COMPLETED' || job?.status === 'CANCELED' || job?.status === 'DELETION_IN_PROGRESS';

export const TERMINAL_EXECUTION = new Set(['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'REJECTED', 'REMOVED', 'CANCELED']);

/** The counters of DescribeJob's jobProcessDetails, with short names. */
export function counters(job: Job | undefined) {
  const d = job?.jobProcessDetails ?? {};
  return {
    queued: d.numberOfQueuedThings ?? 0,
    inProgress: d.numberOfInProgressThings ?? 0,
    succeeded: d.numberOfSucceededThings ?? 0,
    failed: d.numberOfFailedThings ?? 0,
    rejected: d.numberOfRejectedThings ?? 0,
    timedOut: d.numberOfTimedOutThings ?? 0,
    canceled: d.numberOfCanceledThings ?? 0,
    removed: d.numberOfRemovedThings ?? 0,
  };
}
export type Counters = ReturnType<typeof counters>;

export const totalOf = (c: Counters) => Object.values(c).reduce((a, b) => a + b, 0);
export const finishedOf = (c: Counters) => c.succeeded + c.failed + c.rejected + c.timedOut + c.canceled + c.removed;

/** Did every execution succeed? */
export const allSucceeded = (c: Counters) => totalOf(c) > 0 && c.succeeded === totalOf(c);
