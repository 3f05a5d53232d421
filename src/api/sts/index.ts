import type { AppContext } from '../../server/context.js';
import type { QueryHandler } from '../query/dispatch.js';

/** STS: GetCallerIdentity tells a user who the server thinks they are. */
export function stsActions(ctx: AppContext): Record<string, QueryHandler> {
  return {
    GetCallerIdentity: async (_params, request) => {
      const p = request.principal;
      if (!p || p.kind === 'certificate') return { Account: ctx.accountId };
      const userId = p.kind === 'root' ? ctx.accountId : `${p.roleArn.split('/').pop() ?? ''}:${p.accessKeyId}`;
      return { UserId: userId, Account: ctx.accountId, Arn: p.arn };
    },
  };
}
