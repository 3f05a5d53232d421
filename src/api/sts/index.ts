import type { AppContext } from '../../server/context.js';
import type { QueryHandler } from '../query/dispatch.js';

/** STS: GetCallerIdentity tells a user who the server thinks they are. */
export function stsActions(ctx: AppContext): Record<string, QueryHandler> {
  return {
    GetCallerIdentity: async (_params, request) => {
      const p = request.principal;
      if (!p || p.kind === 'certificate') return { Account: ctx.accountId };
      // AWS: the root's UserId is the account id; an assumed role's is `RoleId:SessionName`.
      const role = p.kind === 'root' ? undefined : await ctx.services.iam.roles.findByArn(p.roleArn);
      const userId = p.kind === 'root' ? ctx.accountId : `${role?.roleId ?? p.roleArn}:${p.arn.split('/').pop() ?? ''}`;
      return { UserId: userId, Account: ctx.accountId, Arn: p.arn };
    },
  };
}
