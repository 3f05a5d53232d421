import type { FastifyInstance } from 'fastify';
import { denied, invalidInput } from '../../errors.js';
import { MANAGED_TEMPLATES, managedTemplateArn, managedTemplateNamed, presignedUrlConfigIn, type JobTemplate, type ManagedTemplate } from '../../jobs/index.js';
import { decodeToken, encodeToken, isString } from '../../registry/paging.js';
import { epochSeconds, jsonBody, pathLabel, queryInteger, queryString } from '../../protocols/rest-json.js';
import { optionalString, requiredString } from '../../registry/validate.js';
import type { AppContext } from '../../server/context.js';
import { timeoutConfigIn } from './jobs.js';
import { iotOperation } from './route.js';
import { tagsIn } from './tags.js';

/** DescribeJobTemplate's reply (the Smithy model's DescribeJobTemplateResponse). */
function templateOut(t: JobTemplate) {
  return {
    jobTemplateArn: t.jobTemplateArn,
    jobTemplateId: t.jobTemplateId,
    description: t.description,
    ...(t.documentSource !== undefined ? { documentSource: t.documentSource } : {}),
    document: t.document,
    createdAt: epochSeconds(t.createdAtMs),
    ...(t.presignedUrlConfig ? { presignedUrlConfig: { ...t.presignedUrlConfig } } : {}),
    ...(t.rolloutConfig ? { jobExecutionsRolloutConfig: t.rolloutConfig } : {}),
    ...(t.abortCriteria ? { abortConfig: { criteriaList: t.abortCriteria } } : {}),
    ...(t.inProgressTimeoutInMinutes !== undefined ? { timeoutConfig: { inProgressTimeoutInMinutes: t.inProgressTimeoutInMinutes } } : {}),
    ...(t.retryCriteria ? { jobExecutionsRetryConfig: { criteriaList: t.retryCriteria } } : {}),
    ...(t.maintenanceWindows ? { maintenanceWindows: t.maintenanceWindows } : {}),
  };
}

/** ManagedJobTemplateSummary. */
const managedSummaryOut = (region: string, t: ManagedTemplate) => ({
  templateArn: managedTemplateArn(region, t),
  templateName: t.templateName,
  description: t.description,
  environments: t.environments,
  templateVersion: t.templateVersion,
});

const DEFAULT_MANAGED_PAGE = 50;

/** Job templates: CreateJobTemplate, DescribeJobTemplate, ListJobTemplates, DeleteJobTemplate; ListManagedJobTemplates, DescribeManagedJobTemplate. */
export function registerJobTemplateRoutes(app: FastifyInstance, ctx: AppContext): void {
  const jobs = () => ctx.services.jobs;

  iotOperation(app, ctx, 'PUT', '/job-templates/:jobTemplateId', async (request) => {
    if (!request.principal) throw denied('The request is not authenticated.');
    const body = jsonBody(request);
    if (body.destinationPackageVersions !== undefined && body.destinationPackageVersions !== null && !(Array.isArray(body.destinationPackageVersions) && body.destinationPackageVersions.length === 0)) {
      throw invalidInput('destinationPackageVersions is not supported by Ferry yet: create the job template without it.', 'not-yet-supported');
    }
    const t = await jobs().createJobTemplate(request.principal, {
      templateId: pathLabel(request, 'jobTemplateId'),
      jobArn: optionalString(body.jobArn, 'jobArn', 1600),
      document: optionalString(body.document, 'document', Number.MAX_SAFE_INTEGER),
      documentSource: optionalString(body.documentSource, 'documentSource', Number.MAX_SAFE_INTEGER),
      description: requiredString(body.description, 'description', Number.MAX_SAFE_INTEGER),
      presignedUrlConfig: presignedUrlConfigIn(body.presignedUrlConfig),
      inProgressTimeoutInMinutes: timeoutConfigIn(body.timeoutConfig),
      configs: { jobExecutionsRolloutConfig: body.jobExecutionsRolloutConfig, abortConfig: body.abortConfig, jobExecutionsRetryConfig: body.jobExecutionsRetryConfig },
      maintenanceWindows: body.maintenanceWindows ?? undefined,
      tags: tagsIn(body.tags),
    });
    return { jobTemplateArn: t.jobTemplateArn, jobTemplateId: t.jobTemplateId };
  });

  iotOperation(app, ctx, 'GET', '/job-templates/:jobTemplateId', async (request) => templateOut(await jobs().describeJobTemplate(pathLabel(request, 'jobTemplateId'))));

  iotOperation(app, ctx, 'GET', '/job-templates', async (request) => {
    const page = await jobs().listJobTemplates({ limit: queryInteger(request, 'maxResults', 1, 250), token: queryString(request, 'nextToken') });
    return {
      jobTemplates: page.items.map((t) => ({ jobTemplateArn: t.jobTemplateArn, jobTemplateId: t.jobTemplateId, description: t.description, createdAt: epochSeconds(t.createdAtMs) })),
      ...(page.next ? { nextToken: page.next } : {}),
    };
  });

  iotOperation(app, ctx, 'DELETE', '/job-templates/:jobTemplateId', async (request) => {
    await jobs().deleteJobTemplate(pathLabel(request, 'jobTemplateId'));
    return {};
  });

  iotOperation(app, ctx, 'GET', '/managed-job-templates', async (request) => {
    const name = queryString(request, 'templateName');
    const limit = queryInteger(request, 'maxResults', 1, 250) ?? DEFAULT_MANAGED_PAGE;
    const after = decodeToken(queryString(request, 'nextToken'), isString);
    const all = MANAGED_TEMPLATES.filter((t) => name === undefined || t.templateName === name);
    const start = after === undefined ? 0 : all.findIndex((t) => `${t.templateName}:${t.templateVersion}` === after) + 1;
    const page = all.slice(start, start + limit);
    const last = page[page.length - 1];
    return {
      managedJobTemplates: page.map((t) => managedSummaryOut(ctx.region, t)),
      ...(start + limit < all.length && last ? { nextToken: encodeToken(`${last.templateName}:${last.templateVersion}`) } : {}),
    };
  });

  iotOperation(app, ctx, 'GET', '/managed-job-templates/:templateName', async (request) => {
    const version = queryString(request, 'templateVersion');
    if (version !== undefined && !/^[1-9][0-9]*\.[0-9]+$/.test(version)) throw invalidInput(`templateVersion ${JSON.stringify(version)} is not valid: it must look like 1.0.`);
    const t = managedTemplateNamed(pathLabel(request, 'templateName'), version);
    return {
      ...managedSummaryOut(ctx.region, t),
      documentParameters: t.documentParameters.map((p) => ({ key: p.key, description: p.description, regex: p.regex, example: p.example, optional: p.optional })),
      document: t.document,
    };
  });
}
