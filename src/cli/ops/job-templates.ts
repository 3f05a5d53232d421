/** Job templates for the CLI: custom ones (create, list, describe, delete) and AWS-managed ones (list, describe). */
import {
  CreateJobTemplateCommand,
  DeleteJobTemplateCommand,
  DescribeJobTemplateCommand,
  DescribeManagedJobTemplateCommand,
  ListJobTemplatesCommand,
  ListManagedJobTemplatesCommand,
  type CreateJobRequest,
  type CreateJobTemplateRequest,
} from '@aws-sdk/client-iot';
import type { Connection } from '../client-config.js';
import { roleArnOf, s3ObjectUrl } from '../arns.js';
import { allPages } from './pages.js';

export interface CreateTemplateInput {
  templateId: string;
  description: string;
  /** The document's text, the object holding it, or the job whose document and configurations the template copies. */
  document?: { text: string } | { bucket: string; key: string } | undefined;
  fromJob?: string | undefined;
  presignRole?: string | undefined;
  expiresInSec?: number | undefined;
  inProgressTimeoutMinutes?: number | undefined;
  /** The configurations in CreateJob's shapes (rollout-flags.ts); a schedulingConfig's maintenance windows become the template's. */
  rollout?: Partial<CreateJobRequest> | undefined;
}

export async function createJobTemplate(conn: Connection, input: CreateTemplateInput) {
  const account = await conn.accountId();
  const { schedulingConfig, jobExecutionsRolloutConfig, abortConfig, jobExecutionsRetryConfig } = input.rollout ?? {};
  const doc = input.document;
  const request: CreateJobTemplateRequest = {
    jobTemplateId: input.templateId,
    description: input.description,
    ...(doc === undefined ? {} : 'text' in doc ? { document: doc.text } : { documentSource: s3ObjectUrl(doc.bucket, doc.key) }),
    ...(input.fromJob ? { jobArn: input.fromJob.startsWith('arn:') ? input.fromJob : `arn:aws:iot:${conn.region}:${account}:job/${input.fromJob}` } : {}),
    ...(input.presignRole ? { presignedUrlConfig: { roleArn: roleArnOf(account, input.presignRole), expiresInSec: input.expiresInSec ?? 3600 } } : {}),
    ...(input.inProgressTimeoutMinutes ? { timeoutConfig: { inProgressTimeoutInMinutes: input.inProgressTimeoutMinutes } } : {}),
    ...(jobExecutionsRolloutConfig ? { jobExecutionsRolloutConfig } : {}),
    ...(abortConfig ? { abortConfig } : {}),
    ...(jobExecutionsRetryConfig ? { jobExecutionsRetryConfig } : {}),
    ...(schedulingConfig?.maintenanceWindows ? { maintenanceWindows: schedulingConfig.maintenanceWindows } : {}),
  };
  const out = await conn.iot().send(new CreateJobTemplateCommand(request));
  return { jobTemplateId: out.jobTemplateId!, jobTemplateArn: out.jobTemplateArn! };
}

export const listJobTemplates = (conn: Connection) =>
  allPages(async (nextToken) => {
    const page = await conn.iot().send(new ListJobTemplatesCommand({ maxResults: 250, ...(nextToken ? { nextToken } : {}) }));
    return { items: page.jobTemplates ?? [], nextToken: page.nextToken };
  });

export const describeJobTemplate = (conn: Connection, templateId: string) => conn.iot().send(new DescribeJobTemplateCommand({ jobTemplateId: templateId }));

export async function deleteJobTemplate(conn: Connection, templateId: string): Promise<void> {
  await conn.iot().send(new DeleteJobTemplateCommand({ jobTemplateId: templateId }));
}

export const listManagedJobTemplates = (conn: Connection, templateName?: string) =>
  allPages(async (nextToken) => {
    const page = await conn.iot().send(new ListManagedJobTemplatesCommand({ ...(templateName ? { templateName } : {}), ...(nextToken ? { nextToken } : {}) }));
    return { items: page.managedJobTemplates ?? [], nextToken: page.nextToken };
  });

/** `NAME` or `NAME:VERSION`. */
export function describeManagedJobTemplate(conn: Connection, name: string) {
  const [templateName, templateVersion] = name.split(':');
  return conn.iot().send(new DescribeManagedJobTemplateCommand({ templateName, ...(templateVersion ? { templateVersion } : {}) }));
}

/**
 * The ARN `ferry job create --template` names: an ARN as given; an
 * AWS-managed template's name (`AWS-…`, optionally `:VERSION`; the newest
 * when none); otherwise a custom template's id.
 */
export async function templateArnOf(conn: Connection, nameOrArn: string): Promise<string> {
  if (nameOrArn.startsWith('arn:')) return nameOrArn;
  if (nameOrArn.startsWith('AWS-')) return (await describeManagedJobTemplate(conn, nameOrArn)).templateArn!;
  return `arn:aws:iot:${conn.region}:${await conn.accountId()}:jobtemplate/${nameOrArn}`;
}
