import type { FastifyInstance, FastifyRequest } from 'fastify';
import { invalidInput } from '../../errors.js';
import type { HistoryPage, HistoryQuery } from '../../history/events.js';
import { pathLabel, queryBoolean, queryInteger } from '../../protocols/rest-json.js';
import { thingName } from '../../registry/validate.js';
import type { AppContext } from '../../server/context.js';
import { iotOperation } from '../iot/route.js';

const JOB_ID = /^[a-zA-Z0-9_-]{1,64}$/;
/** SQLite's and PostgreSQL's largest integer id is far beyond; this keeps the query a safe JavaScript integer. */
const MAX_ID = Number.MAX_SAFE_INTEGER;

/**
 * Ferry's own operations: a thing's and a job's event history (lifecycle
 * events, execution and job transitions, links issued and first used),
 * oldest first. `after` is the last id a reader has (as a server-sent
 * stream's Last-Event-ID); `latest=true` answers the newest `limit` events
 * instead. Authorized as DescribeThing / DescribeJob on the resource: who may
 * see a thing or a job may see its history. A deleted thing's or job's
 * history stays readable until its retention ends.
 */
export function registerHistoryRoutes(app: FastifyInstance, ctx: AppContext): void {
  iotOperation(app, ctx, 'GET', '/ferry/things/:thingName/history', async (request): Promise<HistoryPage> => {
    return ctx.services.history.list({ ...page(request), thingName: thingName(pathLabel(request, 'thingName')) });
  });
  iotOperation(app, ctx, 'GET', '/ferry/jobs/:jobId/history', async (request): Promise<HistoryPage> => {
    const jobId = pathLabel(request, 'jobId');
    if (!JOB_ID.test(jobId)) throw invalidInput(`jobId ${JSON.stringify(jobId)} is not valid: it must be 1 to 64 characters from a-z, A-Z, 0-9, underscore and hyphen.`);
    return ctx.services.history.list({ ...page(request), jobId });
  });
}

function page(request: FastifyRequest): HistoryQuery {
  return {
    after: queryInteger(request, 'after', 0, MAX_ID),
    limit: queryInteger(request, 'limit', 1, 1000),
    latest: queryBoolean(request, 'latest'),
  };
}
