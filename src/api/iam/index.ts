import type { FastifyRequest } from 'fastify';
import { denied } from '../../errors.js';
import { policyArn, roleArn } from '../../iam/arns.js';
import type { IamService } from '../../iam/service.js';
import type { AppContext } from '../../server/context.js';
import type { QueryHandler } from '../query/dispatch.js';
import { policyActions } from './policies.js';
import { rolePolicyActions } from './role-policies.js';
import { roleActions } from './roles.js';

/** IAM actions (aws-query), one module per resource family. */
export function iamActions(ctx: AppContext): Record<string, QueryHandler> {
  const iam = ctx.services.iam;
  // Presigned URLs point at the S3 endpoint, known once the listeners are bound (ctx.endpoints is replaced then).
  iam.useS3Endpoint(() => ctx.endpoints.s3);
  const actions = { ...roleActions(iam), ...policyActions(iam), ...rolePolicyActions(iam) };
  return Object.fromEntries(Object.entries(actions).map(([name, run]) => [name, authorized(ctx, iam, name, run)]));
}

/**
 * The root key may do everything; a role session (e.g. a device's
 * credentials-provider key) only what its role's policies allow, as
 * `iam:<Action>` on the role or policy the request names.
 */
function authorized(ctx: AppContext, iam: IamService, action: string, run: QueryHandler): QueryHandler {
  return async (params, request: FastifyRequest) => {
    const principal = request.principal;
    if (principal?.kind === 'role-session') {
      const resource = await resourceOf(ctx, iam, params);
      if (!(await iam.permissions.sessionAllows(principal, `iam:${action}`, resource))) {
        throw denied(`User: ${principal.arn} is not authorized to perform: iam:${action} on resource: ${resource} because no identity-based policy allows the iam:${action} action`);
      }
    } else if (principal?.kind !== 'root') {
      throw denied(`IAM requests must be signed with an access key (iam:${action}).`);
    }
    const result = await run(params, request);
    // Connections signed by IAM principals are judged again before the write answers (mqtt/live-changes.ts).
    if (!READ_ONLY.test(action)) await ctx.services.registry.feed.emit('iam-changed', { action });
    return result;
  };
}

/** IAM actions that change nothing. */
const READ_ONLY = /^(Get|List|Simulate|Generate)/;

async function resourceOf(ctx: AppContext, iam: IamService, params: Record<string, string>): Promise<string> {
  if (params.PolicyArn) return params.PolicyArn;
  if (params.RoleName) {
    const role = await iam.roles.findByName(params.RoleName);
    return role?.arn ?? roleArn(ctx.accountId, params.Path ?? '/', params.RoleName);
  }
  if (params.PolicyName) return policyArn(ctx.accountId, params.Path ?? '/', params.PolicyName);
  return '*';
}
