import { denied } from '../errors.js';
import type { Principal } from '../iam/principal.js';
import { evaluate, type BoundPolicySet, type ConditionContext } from '../policy/index.js';

/** Where the policies of a principal come from (the IAM part provides the real one). */
export interface AccessPolicySource {
  /** The principal's policies, bound to its variables; null when it has none. */
  policiesFor(principal: Principal): Promise<BoundPolicySet | null>;
  /**
   * The whole decision, where IAM provides it (src/iam/authorizer.ts: users,
   * groups, roles and session policies, with AWS's refusal message).
   */
  decide?(principal: Principal, action: string, resource: string, context?: ConditionContext): Promise<{ allowed: boolean; message?: string }>;
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
  return (await decideS3(principal, action, resource, policies, context)).allowed;
}

async function decideS3(principal: Principal, action: string, resource: string, policies: AccessPolicySource, context?: ConditionContext): Promise<{ allowed: boolean; message?: string }> {
  if (principal.kind === 'root') return { allowed: true };
  if (policies.decide) return policies.decide(principal, action, resource, context);
  if (principal.kind !== 'role-session') return { allowed: false };
  const bound = await policies.policiesFor(principal);
  if (!bound) return { allowed: false };
  return { allowed: evaluate(bound, context ? { action, resource, context } : { action, resource }).effect === 'Allow' };
}

/** Like isAllowedS3, throwing S3's AccessDenied when the answer is no. */
export async function authorizeS3(
  principal: Principal,
  action: string,
  resource: string,
  policies: AccessPolicySource,
  context?: ConditionContext,
): Promise<void> {
  const decision = await decideS3(principal, action, resource, policies, context);
  if (!decision.allowed) throw denied(decision.message ?? 'Access Denied');
}
