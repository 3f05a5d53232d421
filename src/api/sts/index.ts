import type { FastifyRequest } from 'fastify';
import { denied, unauthenticated } from '../../errors.js';
import type { Principal } from '../../iam/principal.js';
import type { TemporaryCredentials } from '../../iam/sessions.js';
import { integerIn } from '../../iam/validate.js';
import type { AppContext } from '../../server/context.js';
import type { QueryHandler } from '../query/dispatch.js';
import { requestContext } from '../request-context.js';

/**
 * STS (aws-query, Version 2011-06-15): AssumeRole, GetSessionToken and
 * GetCallerIdentity. Credentials from GetSessionToken may call only
 * AssumeRole and GetCallerIdentity here, as on AWS without MFA.
 */
export function stsActions(ctx: AppContext): Record<string, QueryHandler> {
  const sts = ctx.services.iam.sts;
  return {
    GetCallerIdentity: async (_params, request) => {
      const p = request.principal;
      if (!p || p.kind === 'certificate') return { Account: ctx.accountId };
      // AWS: the root's UserId is the account id; a user's its AIDA id; an assumed role's `RoleId:SessionName`.
      if (p.kind === 'root') return { UserId: ctx.accountId, Account: ctx.accountId, Arn: p.arn };
      if (p.kind === 'user') return { UserId: p.userId, Account: ctx.accountId, Arn: p.arn };
      const role = await ctx.services.iam.roles.findByArn(p.roleArn);
      return { UserId: `${role?.roleId ?? p.roleArn}:${p.arn.split('/').pop() ?? ''}`, Account: ctx.accountId, Arn: p.arn };
    },

    AssumeRole: async (params, request) => {
      const out = await sts.assumeRole(
        callerOf(request),
        {
          roleArn: params.RoleArn ?? '',
          sessionName: params.RoleSessionName ?? '',
          durationSeconds: integerIn(params.DurationSeconds, 'durationSeconds', 0, Number.MAX_SAFE_INTEGER),
          externalId: params.ExternalId,
          policy: params.Policy,
          policyArns: memberList(params, 'PolicyArns', 'arn'),
          sourceIdentity: params.SourceIdentity,
        },
        requestContext(request),
      );
      return {
        Credentials: credentialsShape(out.credentials),
        AssumedRoleUser: { AssumedRoleId: out.assumedRoleId, Arn: out.arn },
        ...(out.packedPolicySize !== undefined ? { PackedPolicySize: out.packedPolicySize } : {}),
        ...(out.sourceIdentity !== undefined ? { SourceIdentity: out.sourceIdentity } : {}),
      };
    },

    GetSessionToken: async (params, request) => {
      const credentials = await sts.getSessionToken(callerOf(request), integerIn(params.DurationSeconds, 'durationSeconds', 0, Number.MAX_SAFE_INTEGER));
      return { Credentials: credentialsShape(credentials) };
    },
  };
}

/** STS actions GetSessionToken's credentials may call (no MFA: AWS's rule). */
const SESSION_TOKEN_STS = new Set(['AssumeRole', 'GetCallerIdentity']);

/**
 * AWS's limits on GetSessionToken credentials without MFA: no IAM API (refused
 * as an invalid token, as IAM answers them) and on STS only AssumeRole and
 * GetCallerIdentity.
 */
export function refuseSessionTokenCredentials(service: 'iam' | 'sts', action: string, principal: Principal | undefined): void {
  if (!principal || (principal.kind !== 'user' && principal.kind !== 'root') || !principal.sessionToken) return;
  if (service === 'iam') throw unauthenticated('The security token included in the request is invalid.', 'invalid-token');
  if (!SESSION_TOKEN_STS.has(action)) {
    const why = action === 'GetSessionToken' ? 'Cannot call GetSessionToken with session credentials' : `Cannot call ${action} with session credentials obtained without MFA`;
    throw denied(why, 'not-authorized');
  }
}

function callerOf(request: FastifyRequest): Principal {
  const p = request.principal;
  if (!p) throw unauthenticated('Request is missing Authentication Token', 'missing-authentication');
  return p;
}

/** `PolicyArns.member.N.arn` (aws-query lists of structures). */
function memberList(params: Record<string, string>, list: string, field: string): string[] {
  const out: string[] = [];
  for (let i = 1; params[`${list}.member.${i}.${field}`] !== undefined; i++) out.push(params[`${list}.member.${i}.${field}`]!);
  return out;
}

const credentialsShape = (c: TemporaryCredentials) => ({
  AccessKeyId: c.accessKeyId,
  SecretAccessKey: c.secretAccessKey,
  SessionToken: c.sessionToken,
  Expiration: new Date(c.expiration),
});
