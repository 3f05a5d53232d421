import type { AppContext } from '../../server/context.js';
import type { QueryHandler } from '../query/dispatch.js';

/** STS: GetCallerIdentity tells a user who the server thinks they are. */
export function stsActions(ctx: AppContext): Record<string, QueryHandler> {
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
  };
}
