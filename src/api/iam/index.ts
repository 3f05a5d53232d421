import type { AppContext } from '../../server/context.js';
import type { QueryHandler } from '../query/dispatch.js';

/** IAM actions (aws-query), one module per resource family. Filled by the IAM part (issue 5). */
export function iamActions(_ctx: AppContext): Record<string, QueryHandler> {
  return {};
}
