import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import { invalidInput } from '../../errors.js';
import { pathLabel, sendJson } from '../../protocols/rest-json.js';
import type { AppContext } from '../../server/context.js';
import { checkThingName } from '../jobs-device/fields.js';
import { authorize, type JobsDataOperation } from './authorize.js';
import { describe, getPending, isNext, startNext, update, type OperationContext } from './executions.js';

/** The signing name of the data plane (the model's aws.auth#sigv4 name). */
export const JOBS_DATA_SIGNING_NAME = 'iot-jobs-data';

/**
 * The Jobs HTTPS data plane (`iot-jobs-data`, restJson1) on the device
 * listener, on the model's paths: a device without MQTT — behind an HTTPS-only
 * proxy, waking briefly, or a plain HTTP client — asks for and reports its
 * jobs here. Errors are the model's (the registry's `iot-jobs-data` table).
 */
export function registerJobsDataApi(app: FastifyInstance, ctx: AppContext): void {
  const route = (method: HTTPMethods, url: string, name: JobsDataOperation, handler: (c: OperationContext) => Promise<unknown>) =>
    app.route({
      method,
      url,
      config: { protocol: 'rest-json', service: 'iot-jobs-data', auth: { mode: 'certificate-or-sigv4', services: [JOBS_DATA_SIGNING_NAME], regionFor: () => ctx.region } },
      handler: async (request: FastifyRequest, reply: FastifyReply) => {
        const thingName = checkThingName(pathLabel(request, 'thingName'));
        await authorize(ctx, request, name, thingName);
        const body = await handler({ ctx, request, reply, thingName });
        return reply.sent ? reply : sendJson(reply, body);
      },
    });
  route('GET', '/things/:thingName/jobs', 'GetPendingJobExecutions', getPending);
  route('GET', '/things/:thingName/jobs/:jobId', 'DescribeJobExecution', describe);
  route('POST', '/things/:thingName/jobs/:jobId', 'UpdateJobExecution', update);
  route('PUT', '/things/:thingName/jobs/:jobId', 'StartNextPendingJobExecution', async (c) => {
    if (!isNext(c.request)) throw invalidInput(`No operation matches PUT /things/${c.thingName}/jobs/${pathLabel(c.request, 'jobId')}: StartNextPendingJobExecution is PUT …/jobs/$next.`, 'unknown-operation');
    return startNext(c);
  });
}
