import type { FastifyRequest } from 'fastify';
import { unauthenticated } from '../../errors.js';
import { groupArn, policyArn, roleArn, userArn } from '../../iam/arns.js';
import type { IamService } from '../../iam/service.js';
import type { AppContext } from '../../server/context.js';
import type { QueryHandler } from '../query/dispatch.js';
import { requestContext } from '../request-context.js';
import { policyActions } from './policies.js';
import { rolePolicyActions } from './role-policies.js';
import { roleActions } from './roles.js';
import { groupActions, passwordPolicyActions, userActions } from './users.js';

/** IAM actions (aws-query), one module per resource family. */
export function iamActions(ctx: AppContext): Record<string, QueryHandler> {
  const iam = ctx.services.iam;
  // Presigned URLs point at the S3 endpoint, known once the listeners are bound (ctx.endpoints is replaced then).
  iam.useS3Endpoint(() => ctx.endpoints.s3);
  const actions = { ...roleActions(iam), ...policyActions(iam), ...rolePolicyActions(iam), ...userActions(iam), ...groupActions(iam), ...passwordPolicyActions(iam) };
  return Object.fromEntries(Object.entries(actions).map(([name, run]) => [name, authorized(ctx, iam, name, run)]));
}

/**
 * Every IAM action is decided by the authorizer as `iam:<Action>` on the
 * resource AWS checks for it (the user, group, role or policy the request
 * names; `*` for listings and the account's settings). The root key may do
 * everything.
 */
function authorized(ctx: AppContext, iam: IamService, action: string, run: QueryHandler): QueryHandler {
  return async (params, request: FastifyRequest) => {
    const caller = request.principal;
    if (!caller || caller.kind === 'certificate') throw unauthenticated('Request is missing Authentication Token', 'missing-authentication');
    if (caller.kind !== 'root') {
      await iam.authorizer.require(caller, `iam:${action}`, [await resourceOf(ctx, iam, params, request)], requestContext(request));
    }
    return run(params, request);
  };
}

async function resourceOf(ctx: AppContext, iam: IamService, params: Record<string, string>, request: FastifyRequest): Promise<string> {
  const caller = request.principal;
  if (params.PolicyArn) return params.PolicyArn;
  if (params.RoleName) {
    const role = await iam.roles.findByName(params.RoleName);
    return role?.arn ?? roleArn(ctx.accountId, params.Path ?? '/', params.RoleName);
  }
  // Membership is decided on the group, as AWS's AddUserToGroup/RemoveUserFromGroup are.
  if (params.GroupName) {
    return (await groupArnOf(iam, params.GroupName)) ?? groupArn(ctx.accountId, params.Path ?? '/', params.GroupName);
  }
  if (params.AccessKeyId && !params.UserName) {
    const owner = await iam.userKeys.ownerOf(params.AccessKeyId);
    if (owner) return (await userArnOf(iam, owner)) ?? userArn(ctx.accountId, '/', owner);
  }
  const named = params.UserName ?? (caller?.kind === 'user' && USER_DEFAULTED.has(params.Action ?? '') ? caller.userName : undefined);
  if (named) return (await userArnOf(iam, named)) ?? userArn(ctx.accountId, params.Path ?? '/', named);
  if (params.PolicyName) return policyArn(ctx.accountId, params.Path ?? '/', params.PolicyName);
  return '*';
}

/** Actions whose UserName defaults to the caller. */
const USER_DEFAULTED = new Set(['GetUser', 'CreateAccessKey', 'ListAccessKeys', 'UpdateAccessKey', 'DeleteAccessKey', 'GetLoginProfile', 'ChangePassword']);

const userArnOf = (iam: IamService, name: string) => iam.users.get(name).then((u) => u.arn, () => undefined);
const groupArnOf = (iam: IamService, name: string) => iam.groups.get(name, { maxItems: 1 }).then((g) => g.group.arn, () => undefined);
