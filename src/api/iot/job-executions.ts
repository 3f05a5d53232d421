import type { FastifyInstance } from 'fastify';
import { invalidInput } from '../../errors.js';
import { approximateSecondsBeforeTimedOut, isTerminal } from '../../jobs/state-machine.js';
import type { JobExecution } from '../../jobs/index.js';
import { epochSeconds, jsonBody, pathLabel, queryBoolean, queryInteger, queryString } from '../../protocols/rest-json.js';
import type { AppContext } from '../../server/context.js';
import { iotOperation } from './route.js';

/** JobExecutionSummary of the control plane (§3.3): float-second timestamps and retryAttempt. */
function summaryOut(e: JobExecution) {
  return {
    status: e.status,
    queuedAt: epochSeconds(e.queuedAtMs),
    ...(e.startedAtMs !== undefined ? { startedAt: epochSeconds(e.startedAtMs) } : {}),
    lastUpdatedAt: epochSeconds(e.lastUpdatedAtMs),
    executionNumber: e.executionNumber,
    retryAttempt: e.retryAttempt,
  };
}

function integerLabel(value: string, name: string): number {
  if (!/^\d{1,15}$/.test(value)) throw invalidInput(`${name} must be a non-negative integer.`);
  return Number(value);
}

/**
 * Job executions on the control plane (aws-wire-protocols.md §3.3):
 * DescribeJobExecution, ListJobExecutionsForJob/ForThing, CancelJobExecution,
 * DeleteJobExecution. These paths collide with the data plane's (§0.1); the
 * data plane is served on the device listener.
 */
export function registerJobExecutionRoutes(app: FastifyInstance, ctx: AppContext): void {
  const jobs = () => ctx.services.jobs;
  const thingArn = (name: string) => ctx.services.registry.arns.thing(name);

  iotOperation(app, ctx, 'GET', '/things/:thingName/jobs/:jobId', async (request) => {
    const number = queryString(request, 'executionNumber');
    const e = await jobs().describeExecution(pathLabel(request, 'jobId'), pathLabel(request, 'thingName'), number === undefined ? undefined : integerLabel(number, 'executionNumber'));
    const remaining = isTerminal(e.status) ? undefined : approximateSecondsBeforeTimedOut(e, ctx.clock.now());
    return {
      execution: {
        jobId: e.jobId,
        status: e.status,
        forceCanceled: e.forceCanceled,
        // The control plane wraps the details in detailsMap (§3.3).
        statusDetails: { detailsMap: { ...e.statusDetails } },
        thingArn: thingArn(e.thingName),
        queuedAt: epochSeconds(e.queuedAtMs),
        ...(e.startedAtMs !== undefined ? { startedAt: epochSeconds(e.startedAtMs) } : {}),
        lastUpdatedAt: epochSeconds(e.lastUpdatedAtMs),
        executionNumber: e.executionNumber,
        versionNumber: e.versionNumber,
        ...(remaining !== undefined ? { approximateSecondsBeforeTimedOut: remaining } : {}),
      },
    };
  });

  iotOperation(app, ctx, 'GET', '/jobs/:jobId/things', async (request) => {
    const page = await jobs().listExecutionsForJob(pathLabel(request, 'jobId'), {
      status: queryString(request, 'status'),
      limit: queryInteger(request, 'maxResults', 1, 250),
      token: queryString(request, 'nextToken'),
    });
    return { executionSummaries: page.items.map((e) => ({ thingArn: thingArn(e.thingName), jobExecutionSummary: summaryOut(e) })), ...(page.next ? { nextToken: page.next } : {}) };
  });

  iotOperation(app, ctx, 'GET', '/things/:thingName/jobs', async (request) => {
    // Ferry's jobs have no namespace: a namespace filter matches none of them.
    if (queryString(request, 'namespaceId') !== undefined) return { executionSummaries: [] };
    const page = await jobs().listExecutionsForThing(pathLabel(request, 'thingName'), {
      status: queryString(request, 'status'),
      jobId: queryString(request, 'jobId'),
      limit: queryInteger(request, 'maxResults', 1, 250),
      token: queryString(request, 'nextToken'),
    });
    return { executionSummaries: page.items.map((e) => ({ jobId: e.jobId, jobExecutionSummary: summaryOut(e) })), ...(page.next ? { nextToken: page.next } : {}) };
  });

  iotOperation(app, ctx, 'PUT', '/things/:thingName/jobs/:jobId/cancel', async (request) => {
    const body = jsonBody(request);
    await jobs().cancelExecution(pathLabel(request, 'jobId'), pathLabel(request, 'thingName'), {
      force: queryBoolean(request, 'force') ?? false,
      expectedVersion: body.expectedVersion,
      statusDetails: body.statusDetails,
    });
    return {};
  });

  iotOperation(app, ctx, 'DELETE', '/things/:thingName/jobs/:jobId/executionNumber/:executionNumber', async (request) => {
    if (queryString(request, 'namespaceId') !== undefined) throw invalidInput('namespaceId is not supported by Ferry yet: Ferry\'s jobs have no namespace.', 'not-yet-supported');
    await jobs().deleteExecution(
      pathLabel(request, 'jobId'),
      pathLabel(request, 'thingName'),
      integerLabel(pathLabel(request, 'executionNumber'), 'executionNumber'),
      queryBoolean(request, 'force') ?? false,
    );
    return {};
  });
}
