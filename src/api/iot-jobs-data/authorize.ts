/**
 * Who may call the Jobs HTTPS data plane, both ways AWS allows (developer
 * guide, "Using the AWS IoT Jobs data plane" and the IoT policy actions):
 * - a client certificate on the TLS session, held to its IoT policies:
 *   `iot:<Operation>` on `arn:aws:iot:R:A:thing/{thingName}`, judged as a
 *   request off MQTT (thing policy variables do not resolve, as on AWS);
 * - SigV4 (service `iot-jobs-data`) with IAM credentials held to
 *   `iotjobsdata:<Operation>` on the same ARN: the root key may do everything,
 *   a user or a role session (the credentials provider's) what its policies allow.
 */
import type { FastifyRequest } from 'fastify';
import { unauthenticated } from '../../errors.js';
import { requestContext } from '../request-context.js';
import type { AppContext } from '../../server/context.js';

export type JobsDataOperation = 'GetPendingJobExecutions' | 'StartNextPendingJobExecution' | 'DescribeJobExecution' | 'UpdateJobExecution';

/** Resolves when the request's principal may perform `operation` on the thing's executions; throws Denied otherwise. */
export async function authorize(ctx: AppContext, request: FastifyRequest, operation: JobsDataOperation, thingName: string): Promise<void> {
  const principal = request.principal;
  const resource = ctx.services.registry.arns.thing(thingName);
  if (!principal) throw unauthenticated('Missing Authentication Token: present a client certificate or sign the request', 'missing-authentication');
  switch (principal.kind) {
    case 'certificate':
      await ctx.services.registry.authorizeDeviceRequest({ certificate: principal.certificateId, action: `iot:${operation}`, resource, sourceIp: request.ip });
      return;
    case 'root':
      return;
    case 'user':
    case 'role-session':
      await ctx.services.iam.authorizer.require(principal, `iotjobsdata:${operation}`, [resource], requestContext(request));
  }
}
