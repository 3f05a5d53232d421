/**
 * Job templates (aws-wire-protocols.md §3.3 CreateJobTemplate): custom
 * templates — a job's document and configurations kept for reuse, checked by
 * the same document checks and the same configuration validator (configs.ts)
 * as CreateJob — and the resolution of CreateJob's jobTemplateArn, custom or
 * AWS-managed, into the job's input: the job's own fields override the
 * template's.
 */
import type { Selectable } from 'kysely';
import { conflict, invalidInput, notFound } from '../errors.js';
import type { Principal } from '../iam/principal.js';
import { isUniqueViolation } from '../registry/deps.js';
import type { Tag } from '../registry/index.js';
import { decodeToken, encodeToken, isNumberString, type Page } from '../registry/paging.js';
import type { JobTemplatesTable } from '../store/tables/jobs.js';
import { checkJobConfigs, type AbortCriteria, type MaintenanceWindow, type RawJobConfigs, type RetryCriteria, type RolloutConfig } from './configs.js';
import { checkedDocument, type CreateDeps, type CreateJobInput } from './create.js';
import type { PresignedUrlConfig } from './job.js';
import { findManagedTemplate, managedTemplateArn, parseManagedTemplateArn, type ManagedTemplate } from './managed-templates.js';
import { findJob } from './queries.js';
import { jobOf } from './rows.js';
import { MAX_TIMEOUT_MINUTES } from './state-machine.js';

export interface CreateJobTemplateInput {
  templateId: string;
  /** The job whose document and configurations the template copies (any given here override them). */
  jobArn?: string | undefined;
  document?: string | undefined;
  documentSource?: string | undefined;
  description: string;
  presignedUrlConfig?: PresignedUrlConfig | undefined;
  inProgressTimeoutInMinutes?: number | undefined;
  configs: Pick<RawJobConfigs, 'jobExecutionsRolloutConfig' | 'abortConfig' | 'jobExecutionsRetryConfig'>;
  maintenanceWindows?: unknown;
  tags?: Tag[] | undefined;
}

export interface JobTemplate {
  jobTemplateId: string;
  jobTemplateArn: string;
  description: string;
  document: string;
  documentSource?: string;
  presignedUrlConfig?: PresignedUrlConfig;
  inProgressTimeoutInMinutes?: number;
  rolloutConfig?: RolloutConfig;
  abortCriteria?: AbortCriteria[];
  retryCriteria?: RetryCriteria[];
  maintenanceWindows?: MaintenanceWindow[];
  createdAtMs: number;
}

export type JobTemplateSummary = Pick<JobTemplate, 'jobTemplateId' | 'jobTemplateArn' | 'description' | 'createdAtMs'>;

type TemplateRow = Selectable<JobTemplatesTable>;

// The Smithy model: JobTemplateId 1–64 [a-zA-Z0-9_-]+, description ≤ 2028 characters.
const TEMPLATE_ID = /^[a-zA-Z0-9_-]{1,64}$/;
const MAX_DESCRIPTION = 2028;
const DEFAULT_LIST_PAGE = 50;

const json = (v: unknown) => (v === undefined ? null : JSON.stringify(v));

export async function createJobTemplate(deps: CreateDeps, principal: Principal, input: CreateJobTemplateInput): Promise<JobTemplate> {
  checkTemplateInput(input);
  const merged = input.jobArn === undefined ? input : await fromJob(deps, input, input.jobArn);
  if (merged.document !== undefined && merged.documentSource !== undefined) throw invalidInput('Give one of document, documentSource and jobArn, not several.');
  if (merged.document === undefined && merged.documentSource === undefined) throw invalidInput('A job template needs a document: give document, documentSource or jobArn.');
  const hasTimeout = merged.inProgressTimeoutInMinutes !== undefined;
  const configs = checkJobConfigs({ ...merged.configs, schedulingConfig: merged.maintenanceWindows === undefined ? undefined : { maintenanceWindows: merged.maintenanceWindows } }, { nowMs: deps.clock.now(), hasTimeout });
  const origins = deps.s3Origins();
  // A job template's document is checked as a job's is; a parameter placeholder is refused, for no documentParameters can fill it.
  const text = await checkedDocument(deps, principal, merged, merged.presignedUrlConfig, origins);
  const arn = deps.registry.arns.of('jobtemplate', input.templateId);
  const row: TemplateRow = {
    template_id: input.templateId,
    template_arn: arn,
    description: input.description,
    document: text,
    document_source: merged.documentSource ?? null,
    presign_role_arn: merged.presignedUrlConfig?.roleArn ?? null,
    presign_expires_sec: merged.presignedUrlConfig?.expiresInSec ?? null,
    in_progress_timeout_minutes: merged.inProgressTimeoutInMinutes ?? null,
    rollout_config: json(configs.rollout),
    abort_config: json(configs.abort),
    retry_config: json(configs.retry),
    maintenance_windows: json(configs.scheduling?.maintenanceWindows),
    created_at: deps.clock.now(),
  };
  try {
    await deps.db.transaction().execute(async (trx) => {
      await trx.insertInto('job_templates').values(row).execute();
      await deps.registry.tags.put(trx, arn, input.tags ?? []);
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict('job-template', `Job template ${input.templateId} already exists.`, 'conflict');
    throw error;
  }
  return templateOf(row);
}

function checkTemplateInput(input: CreateJobTemplateInput): void {
  if (!TEMPLATE_ID.test(input.templateId)) throw invalidInput(`jobTemplateId ${JSON.stringify(input.templateId)} is not valid: it must be 1 to 64 characters from a-z, A-Z, 0-9, underscore and hyphen.`);
  if (input.description.length > MAX_DESCRIPTION) throw invalidInput(`description must be at most ${MAX_DESCRIPTION} characters.`);
  const minutes = input.inProgressTimeoutInMinutes;
  if (minutes !== undefined && (!Number.isInteger(minutes) || minutes < 1 || minutes > MAX_TIMEOUT_MINUTES)) {
    throw invalidInput(`timeoutConfig.inProgressTimeoutInMinutes must be an integer from 1 to ${MAX_TIMEOUT_MINUTES} (got ${minutes}).`);
  }
  if (input.jobArn !== undefined && (input.document !== undefined || input.documentSource !== undefined)) throw invalidInput('Give one of document, documentSource and jobArn, not several.');
}

/** The template input with the job's document and configurations where the request gave none. */
async function fromJob(deps: CreateDeps, input: CreateJobTemplateInput, jobArn: string): Promise<CreateJobTemplateInput> {
  const jobId = deps.registry.arns.nameIn(jobArn, 'job');
  const row = jobId === undefined ? undefined : await findJob(deps.db, jobId);
  if (!row) throw notFound('job', `The job ${jobArn} does not exist.`);
  const job = jobOf(row);
  const c = input.configs;
  return {
    ...input,
    document: job.document,
    documentSource: undefined,
    presignedUrlConfig: input.presignedUrlConfig ?? job.presignedUrlConfig,
    inProgressTimeoutInMinutes: input.inProgressTimeoutInMinutes ?? job.inProgressTimeoutInMinutes,
    configs: ownOverStored(c, job),
    maintenanceWindows: input.maintenanceWindows ?? job.schedulingConfig?.maintenanceWindows,
  };
}

export async function describeJobTemplate(deps: Pick<CreateDeps, 'db'>, templateId: string): Promise<JobTemplate> {
  const row = await deps.db.selectFrom('job_templates').selectAll().where('template_id', '=', templateId).executeTakeFirst();
  if (!row) throw notFound('job-template', `Job template ${templateId} does not exist.`);
  return templateOf(row);
}

/** Newest first (created_at, then id, both descending), as ListJobs. */
export async function listJobTemplates(deps: Pick<CreateDeps, 'db'>, page: { limit?: number | undefined; token?: string | undefined }): Promise<Page<JobTemplateSummary>> {
  const limit = page.limit ?? DEFAULT_LIST_PAGE;
  const after = decodeToken(page.token, isNumberString);
  let query = deps.db.selectFrom('job_templates').selectAll();
  if (after !== undefined) {
    const [createdAt, id] = after;
    query = query.where((eb) => eb.or([eb('created_at', '<', createdAt), eb.and([eb('created_at', '=', createdAt), eb('template_id', '<', id)])]));
  }
  const rows = await query.orderBy('created_at', 'desc').orderBy('template_id', 'desc').limit(limit + 1).execute();
  const kept = rows.slice(0, limit).map(templateOf);
  const last = kept[kept.length - 1];
  return { items: kept, ...(rows.length > limit && last ? { next: encodeToken([last.createdAtMs, last.jobTemplateId]) } : {}) };
}

/** Jobs made from the template keep their own copy of everything, so they are untouched. */
export async function deleteJobTemplate(deps: Pick<CreateDeps, 'db' | 'registry'>, templateId: string): Promise<void> {
  const template = await describeJobTemplate(deps, templateId);
  await deps.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('job_templates').where('template_id', '=', templateId).execute();
    await deps.registry.tags.put(trx, template.jobTemplateArn, []);
  });
}

export function templateOf(row: TemplateRow): JobTemplate {
  const t: JobTemplate = { jobTemplateId: row.template_id, jobTemplateArn: row.template_arn, description: row.description, document: row.document, createdAtMs: row.created_at };
  if (row.document_source !== null) t.documentSource = row.document_source;
  if (row.presign_role_arn !== null && row.presign_expires_sec !== null) t.presignedUrlConfig = { roleArn: row.presign_role_arn, expiresInSec: row.presign_expires_sec };
  if (row.in_progress_timeout_minutes !== null) t.inProgressTimeoutInMinutes = row.in_progress_timeout_minutes;
  if (row.rollout_config !== null) t.rolloutConfig = JSON.parse(row.rollout_config) as RolloutConfig;
  if (row.abort_config !== null) t.abortCriteria = JSON.parse(row.abort_config) as AbortCriteria[];
  if (row.retry_config !== null) t.retryCriteria = JSON.parse(row.retry_config) as RetryCriteria[];
  if (row.maintenance_windows !== null) t.maintenanceWindows = JSON.parse(row.maintenance_windows) as MaintenanceWindow[];
  return t;
}

// ---------------------------------------------------------------------------
// CreateJob with jobTemplateArn

/** A job's input with its template applied, and the managed template whose parameters fill its document, if any. */
export interface TemplatedInput {
  input: CreateJobInput;
  managed?: ManagedTemplate;
}

export async function applyJobTemplate(deps: Pick<CreateDeps, 'db' | 'registry'>, input: CreateJobInput): Promise<TemplatedInput> {
  const arn = input.jobTemplateArn;
  if (arn === undefined) {
    if (input.documentParameters !== undefined) throw invalidInput('documentParameters can be used only with an AWS-managed job template: give jobTemplateArn arn:aws:iot:REGION::jobtemplate/NAME:VERSION.', 'parameters-without-managed-template');
    return { input };
  }
  const managedArn = parseManagedTemplateArn(arn);
  if (managedArn) return { input: fromManaged(deps, input, managedArn), managed: managedTemplateNamed(managedArn.name, managedArn.version) };
  const id = deps.registry.arns.nameIn(arn, 'jobtemplate');
  if (id === undefined) throw invalidInput(`jobTemplateArn ${JSON.stringify(arn)} is neither a job template of this account and region nor an AWS-managed template (arn:aws:iot:REGION::jobtemplate/NAME:VERSION).`);
  const row = await deps.db.selectFrom('job_templates').selectAll().where('template_id', '=', id).executeTakeFirst();
  if (!row) throw notFound('job-template', `Job template ${id} does not exist.`);
  if (input.documentParameters !== undefined) throw invalidInput(`documentParameters cannot be used with the custom job template ${id}: they fill only AWS-managed templates' documents.`, 'parameters-with-custom-template');
  return { input: withTemplate(input, templateOf(row)) };
}

export function managedTemplateNamed(name: string, version?: string): ManagedTemplate {
  const template = findManagedTemplate(name, version);
  if (!template) throw notFound('managed-job-template', `There is no AWS-managed job template ${name}${version === undefined ? '' : ` version ${version}`}.`);
  return template;
}

function fromManaged(deps: Pick<CreateDeps, 'registry'>, input: CreateJobInput, arn: { region: string; name: string; version?: string }): CreateJobInput {
  if (arn.region !== deps.registry.arns.region) throw invalidInput(`jobTemplateArn names region ${arn.region}: this server's region is ${deps.registry.arns.region}.`);
  const template = managedTemplateNamed(arn.name, arn.version);
  if (input.document !== undefined || input.documentSource !== undefined) throw invalidInput(`A job from the managed template ${template.templateName} takes its document from the template: give documentParameters, not document or documentSource.`);
  // The job records the versioned ARN, as AWS's DescribeJob shows it.
  return { ...input, jobTemplateArn: managedTemplateArn(arn.region, template), document: template.document, documentParameters: input.documentParameters ?? {} };
}

/**
 * A request's rollout, abort and retry configurations, each falling back to a stored job's or template's
 * (turned back into the request's shape: criteria lists under `criteriaList`).
 */
function ownOverStored(
  own: Pick<RawJobConfigs, 'jobExecutionsRolloutConfig' | 'abortConfig' | 'jobExecutionsRetryConfig'>,
  stored: { rolloutConfig?: RolloutConfig | undefined; abortCriteria?: AbortCriteria[] | undefined; retryCriteria?: RetryCriteria[] | undefined },
): Pick<RawJobConfigs, 'jobExecutionsRolloutConfig' | 'abortConfig' | 'jobExecutionsRetryConfig'> {
  return {
    jobExecutionsRolloutConfig: own.jobExecutionsRolloutConfig ?? stored.rolloutConfig,
    abortConfig: own.abortConfig ?? (stored.abortCriteria ? { criteriaList: stored.abortCriteria } : undefined),
    jobExecutionsRetryConfig: own.jobExecutionsRetryConfig ?? (stored.retryCriteria ? { criteriaList: stored.retryCriteria } : undefined),
  };
}

/** The job's own fields override the template's; a template's maintenance windows apply when the job's schedulingConfig has none. */
function withTemplate(input: CreateJobInput, t: JobTemplate): CreateJobInput {
  const own = input.configs ?? {};
  const ownDocument = input.document !== undefined || input.documentSource !== undefined;
  const scheduling = (own.schedulingConfig ?? undefined) as Record<string, unknown> | undefined;
  const windows = scheduling?.maintenanceWindows ?? t.maintenanceWindows;
  return {
    ...input,
    jobTemplateArn: t.jobTemplateArn,
    document: ownDocument ? input.document : t.document,
    documentSource: ownDocument ? input.documentSource : undefined,
    presignedUrlConfig: input.presignedUrlConfig ?? t.presignedUrlConfig,
    inProgressTimeoutInMinutes: input.inProgressTimeoutInMinutes ?? t.inProgressTimeoutInMinutes,
    configs: { ...ownOverStored(own, t), schedulingConfig: windows === undefined ? scheduling : { ...scheduling, maintenanceWindows: windows } },
  };
}

/** GetJobDocument's `beforeSubstitution`: a managed template's job shows its template's document, placeholders unfilled. */
export function documentBeforeSubstitution(job: { document: string; jobTemplateArn?: string }): string {
  const arn = job.jobTemplateArn === undefined ? undefined : parseManagedTemplateArn(job.jobTemplateArn);
  return arn ? (findManagedTemplate(arn.name, arn.version)?.document ?? job.document) : job.document;
}
