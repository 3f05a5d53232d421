/** Reading jobs and executions for the operator (aws-wire-protocols.md §3.3). */
import { invalidInput, notFound } from '../errors.js';
import { decodeToken, encodeToken, type Page } from '../registry/paging.js';
import type { Job, JobSummary } from './job.js';
import { findExecution, findJob, type Db } from './queries.js';
import { executionOf, jobOf } from './rows.js';
import { JOB_EXECUTION_STATUSES, JOB_STATUSES, type JobExecution } from './types.js';

export const DEFAULT_LIST_PAGE = 50;

export async function describeJob(db: Db, jobId: string): Promise<Job> {
  const row = await findJob(db, jobId);
  if (!row) throw notFound('job', `Job ${jobId} does not exist.`);
  return jobOf(row);
}

export async function describeExecution(db: Db, jobId: string, thingName: string, executionNumber?: number): Promise<JobExecution> {
  const exec = await findExecution(db, jobId, thingName, executionNumber);
  if (!exec) throw notFound('job-execution', `Job ${jobId} has no execution${executionNumber === undefined ? '' : ` number ${executionNumber}`} on thing ${thingName}.`);
  return exec;
}

export interface ListJobsFilter {
  status?: string | undefined;
  targetSelection?: string | undefined;
  /** Jobs that target this thing group (its ARN). */
  thingGroupArn?: string | undefined;
  limit?: number | undefined;
  token?: string | undefined;
}

const isJobKey = (v: unknown): v is [number, string] => Array.isArray(v) && v.length === 2 && typeof v[0] === 'number' && typeof v[1] === 'string';

/** Newest first (created_at, then jobId, both descending). */
export async function listJobs(db: Db, filter: ListJobsFilter): Promise<Page<JobSummary>> {
  if (filter.status !== undefined && !(JOB_STATUSES as readonly string[]).includes(filter.status)) throw invalidInput(`status must be one of ${JOB_STATUSES.join(', ')}.`);
  if (filter.targetSelection !== undefined && filter.targetSelection !== 'SNAPSHOT' && filter.targetSelection !== 'CONTINUOUS') throw invalidInput('targetSelection must be SNAPSHOT or CONTINUOUS.');
  const limit = filter.limit ?? DEFAULT_LIST_PAGE;
  const after = decodeToken(filter.token, isJobKey);
  let query = db.selectFrom('jobs').selectAll();
  if (filter.status !== undefined) query = query.where('status', '=', filter.status);
  if (filter.targetSelection !== undefined) query = query.where('target_selection', '=', filter.targetSelection);
  if (filter.thingGroupArn !== undefined) {
    const arn = filter.thingGroupArn;
    query = query.where('job_id', 'in', (eb) => eb.selectFrom('job_targets').select('job_id').where('target_arn', '=', arn));
  }
  if (after !== undefined) {
    const [createdAt, jobId] = after;
    query = query.where((eb) => eb.or([eb('created_at', '<', createdAt), eb.and([eb('created_at', '=', createdAt), eb('job_id', '<', jobId)])]));
  }
  const rows = await query.orderBy('created_at', 'desc').orderBy('job_id', 'desc').limit(limit + 1).execute();
  const kept = rows.slice(0, limit).map(jobOf);
  const last = kept[kept.length - 1];
  return { items: kept, ...(rows.length > limit && last ? { next: encodeToken([last.createdAtMs, last.jobId]) } : {}) };
}

export interface ListExecutionsFilter {
  status?: string | undefined;
  limit?: number | undefined;
  token?: string | undefined;
}

const isExecutionKey = (v: unknown): v is [string, number] => Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'number';

function checkStatus(status: string | undefined): void {
  if (status !== undefined && !(JOB_EXECUTION_STATUSES as readonly string[]).includes(status)) throw invalidInput(`status must be one of ${JOB_EXECUTION_STATUSES.join(', ')}.`);
}

/** ListJobExecutionsForJob: by thing name, then execution number. */
export async function listExecutionsForJob(db: Db, jobId: string, filter: ListExecutionsFilter): Promise<Page<JobExecution>> {
  checkStatus(filter.status);
  await describeJob(db, jobId);
  const limit = filter.limit ?? DEFAULT_LIST_PAGE;
  const after = decodeToken(filter.token, isExecutionKey);
  let query = db.selectFrom('job_executions').selectAll().where('job_id', '=', jobId);
  if (filter.status !== undefined) query = query.where('status', '=', filter.status);
  if (after !== undefined) {
    const [thing, number] = after;
    query = query.where((eb) => eb.or([eb('thing_name', '>', thing), eb.and([eb('thing_name', '=', thing), eb('execution_number', '>', number)])]));
  }
  const rows = await query.orderBy('thing_name').orderBy('execution_number').limit(limit + 1).execute();
  return pageOfExecutions(rows.map(executionOf), limit, (e) => [e.thingName, e.executionNumber]);
}

export interface ListForThingFilter extends ListExecutionsFilter {
  jobId?: string | undefined;
}

/** ListJobExecutionsForThing: by job id, then execution number. */
export async function listExecutionsForThing(db: Db, thingName: string, filter: ListForThingFilter): Promise<Page<JobExecution>> {
  checkStatus(filter.status);
  const limit = filter.limit ?? DEFAULT_LIST_PAGE;
  const after = decodeToken(filter.token, isExecutionKey);
  let query = db.selectFrom('job_executions').selectAll().where('thing_name', '=', thingName);
  if (filter.status !== undefined) query = query.where('status', '=', filter.status);
  if (filter.jobId !== undefined) query = query.where('job_id', '=', filter.jobId);
  if (after !== undefined) {
    const [job, number] = after;
    query = query.where((eb) => eb.or([eb('job_id', '>', job), eb.and([eb('job_id', '=', job), eb('execution_number', '>', number)])]));
  }
  const rows = await query.orderBy('job_id').orderBy('execution_number').limit(limit + 1).execute();
  return pageOfExecutions(rows.map(executionOf), limit, (e) => [e.jobId, e.executionNumber]);
}

function pageOfExecutions(all: JobExecution[], limit: number, keyOf: (e: JobExecution) => [string, number]): Page<JobExecution> {
  const kept = all.slice(0, limit);
  const last = kept[kept.length - 1];
  return { items: kept, ...(all.length > limit && last ? { next: encodeToken(keyOf(last)) } : {}) };
}
