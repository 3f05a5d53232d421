import { denied } from '../errors.js';
import type { Principal } from '../iam/principal.js';
import { evaluate, type BoundPolicySet, type ConditionContext } from '../policy/index.js';

/** Where the policies of a principal come from (the IAM part provides the real one). */
export interface AccessPolicySource {
  /** The principal's policies, bound to its variables; null when it has none. */
  policiesFor(principal: Principal): Promise<BoundPolicySet | null>;
}

/** Until IAM provides policies, nobody but the root admin may act. */
export const NO_POLICIES: AccessPolicySource = { policiesFor: async () => null };

/**
 * The one decision point of the object store. The root admin may do
 * everything; a role session is evaluated against its policies; anything
 * else (a device certificate) is refused. Actions and resources as IAM
 * names them: `s3:GetObject` on `arn:aws:s3:::B/K`, `s3:ListBucket` on
 * `arn:aws:s3:::B` (aws-wire-protocols.md §5: the role behind a presigned
 * URL needs s3:GetObject on the object).
 */
export async function isAllowedS3(
  principal: Principal,
  action: string,
  resource: string,
  policies: AccessPolicySource,
  context?: ConditionContext,
): Promise<boolean> {
  if (principal.kind === 'root') return true;
  if (principal.kind !== 'role-session') return false;
  const bound = await policies.policiesFor(principal);
  if (!bound) return false;
  return evaluate(bound, context ? { action, resource, context } : { action, resource }).effect === 'Allow';
}

/** Like isAllowedS3, throwing S3's AccessDenied when the answer is no. */
export async function authorizeS3(
  principal: Principal,
  action: string,
  resource: string,
  policies: AccessPolicySource,
  context?: ConditionContext,
): Promise<void> {
  if (!(await isAllowedS3(principal, action, resource, policies, context))) throw denied('Access Denied');
}
