import { denied } from '../errors.js';
import type { Principal } from '../iam/principal.js';
import { recordDecision, requestContext, type AuditDecision } from '../audit/scope.js';
import {
  bindVariables,
  compilePolicies,
  explain,
  parsePolicyDocument,
  type BoundPolicySet,
  type CompiledPolicySet,
  type ConditionContext,
  type Decision,
  type StatementRef,
} from '../policy/index.js';

/** Where the policies of a principal come from (the IAM part provides the real one). */
export interface AccessPolicySource {
  /** The principal's identity policies, bound to its variables; null when it has none. */
  policiesFor(principal: Principal): Promise<BoundPolicySet | null>;
  /** The bucket's policy (the object store provides it); null or absent when it has none. */
  bucketPolicyOf?(bucket: string): Promise<CompiledPolicySet | null>;
  /**
   * The whole decision, where IAM provides it (src/iam/authorizer.ts: users,
   * groups, roles and session policies, with AWS's refusal message).
   */
  decide?(principal: Principal, action: string, resource: string, context?: ConditionContext): Promise<IdentityVerdict>;
}

/** IAM's identity-policy verdict on one action and resource (src/iam/authorizer.ts). */
export interface IdentityVerdict {
  allowed: boolean;
  effect?: 'Allow' | 'ExplicitDeny' | 'ImplicitDeny';
  message?: string;
  /** The deciding statement, in words. */
  decidedBy?: string;
}

/** Until IAM provides policies, nobody but the root admin may act. */
export const NO_POLICIES: AccessPolicySource = { policiesFor: async () => null };

type Signer = Exclude<Principal, { kind: 'certificate' }>;

/**
 * The one decision point of the object store, as S3 decides within one
 * account (S3 User Guide, "How Amazon S3 authorizes a request"): the root
 * may do everything; for a user or role session an explicit Deny in its
 * identity policies or in the bucket policy wins, else an Allow in either
 * suffices; anything else (a device certificate) is refused. A role
 * session's session policies narrow every grant it gets. Actions and
 * resources as IAM names them: `s3:GetObject` on `arn:aws:s3:::B/K`,
 * `s3:ListBucket` on `arn:aws:s3:::B`. Each decision is recorded for the
 * request's audit entry.
 */
export async function decideS3(
  principal: Principal,
  action: string,
  resource: string,
  policies: AccessPolicySource,
  context?: ConditionContext,
): Promise<AuditDecision> {
  if (principal.kind === 'root') return { action, resource, effect: 'Allowed', decidedBy: 'root' };
  if (principal.kind === 'certificate') return { action, resource, effect: 'ImplicitDeny' };
  const ctx = { ...requestContext(), ...principalContext(principal), ...context };
  const request = { action, resource, context: ctx };
  const identity = await identityVerdict(principal, request, policies);
  if (identity.effect === 'ExplicitDeny') return withStatement({ action, resource, effect: 'ExplicitDeny' }, identity.decidedBy);
  // IAM's verdict already includes the session policy; it is asked again for what a bucket policy grants.
  const session = sessionDecision(principal, request);
  if (session.effect === 'ExplicitDeny') return outcome(action, resource, session, 'session policy');
  const bucket = bucketOfArn(resource);
  const compiled = bucket !== undefined && policies.bucketPolicyOf ? await policies.bucketPolicyOf(bucket) : null;
  const bucketSet = compiled ? bindVariables(compiled, principalVariables(principal)) : null;
  const byOwnArn = bucketSet ? explain(bucketSet, { ...request, principal: { aws: principal.arn } }) : IMPLICIT;
  const byRole = bucketSet && principal.kind === 'role-session' ? explain(bucketSet, { ...request, principal: { aws: principal.roleArn } }) : IMPLICIT;
  if (byOwnArn.effect === 'ExplicitDeny') return outcome(action, resource, byOwnArn, 'bucket policy');
  if (byRole.effect === 'ExplicitDeny') return outcome(action, resource, byRole, 'bucket policy');
  // Session policies narrow a role session whichever policy grants (Ferry applies them to bucket-policy grants too).
  if (session.effect !== 'Allow') return { action, resource, effect: 'ImplicitDeny' };
  if (identity.effect === 'Allow') return withStatement({ action, resource, effect: 'Allowed' }, identity.decidedBy);
  if (byOwnArn.effect === 'Allow') return outcome(action, resource, byOwnArn, 'bucket policy');
  if (byRole.effect === 'Allow') return outcome(action, resource, byRole, 'bucket policy');
  return { action, resource, effect: 'ImplicitDeny' };
}

const IMPLICIT: Decision = { effect: 'ImplicitDeny' };

function withStatement(d: AuditDecision, decidedBy: string | undefined): AuditDecision {
  return decidedBy === undefined ? d : { ...d, decidedBy };
}

/** The identity-policy half: IAM's authorizer where installed, else the principal's bound policies. */
async function identityVerdict(principal: Signer, request: { action: string; resource: string; context: ConditionContext }, policies: AccessPolicySource): Promise<{ effect: Decision['effect']; decidedBy?: string }> {
  if (policies.decide) {
    const v = await policies.decide(principal, request.action, request.resource, request.context);
    const effect = v.allowed ? 'Allow' : (v.effect === 'ExplicitDeny' ? 'ExplicitDeny' : 'ImplicitDeny');
    return v.decidedBy === undefined ? { effect } : { effect, decidedBy: v.decidedBy };
  }
  const bound = await policies.policiesFor(principal);
  const d = bound ? explain(bound, request) : IMPLICIT;
  return d.matched ? { effect: d.effect, decidedBy: describeStatement('identity policy', d.matched) } : { effect: d.effect };
}
const ALLOW_ALL: Decision = { effect: 'Allow' };

function outcome(action: string, resource: string, d: Decision, where: string): AuditDecision {
  const effect = d.effect === 'Allow' ? 'Allowed' : d.effect;
  return d.matched ? { action, resource, effect, decidedBy: describeStatement(where, d.matched) } : { action, resource, effect };
}

/** `bucket policy Statement[1] (Sid DenyAll)`; the policy index is dropped when there is one policy. */
export function describeStatement(where: string, ref: StatementRef): string {
  return `${where}${ref.policyIndex > 0 ? ` #${ref.policyIndex + 1}` : ''} Statement[${ref.statementIndex}]${ref.sid ? ` (Sid ${ref.sid})` : ''}`;
}

/** A bucket ARN's or an object ARN's bucket; undefined for `arn:aws:s3:::*`. */
function bucketOfArn(resource: string): string | undefined {
  const rest = resource.startsWith('arn:aws:s3:::') ? resource.slice('arn:aws:s3:::'.length) : '';
  const bucket = rest.split('/')[0] ?? '';
  return bucket === '' || bucket.includes('*') ? undefined : bucket;
}

const parsedSessions = new Map<string, BoundPolicySet>();

/** The session policy must allow too (an intersection with the role's); none means no narrowing. */
export function sessionDecision(p: Principal, request: { action: string; resource: string; context?: ConditionContext }): Decision {
  if (p.kind !== 'role-session' || p.sessionPolicy === undefined) return ALLOW_ALL;
  let set = parsedSessions.get(p.sessionPolicy);
  if (set === undefined) {
    set = bindVariables(compilePolicies([parsePolicyDocument(p.sessionPolicy, 'iam', { maxChars: Number.MAX_SAFE_INTEGER })]), {});
    parsedSessions.set(p.sessionPolicy, set);
    if (parsedSessions.size > 1000) parsedSessions.delete(parsedSessions.keys().next().value!);
  }
  return explain(set, request);
}

/** The principal's own condition keys (aws:PrincipalArn and friends). */
function principalContext(p: Signer): ConditionContext {
  const vars = principalVariables(p);
  return Object.fromEntries(Object.entries(vars));
}

function principalVariables(p: Signer): Record<string, string> {
  const vars: Record<string, string> = { 'aws:PrincipalAccount': p.accountId };
  if (p.kind === 'role-session') {
    vars['aws:PrincipalArn'] = p.roleArn;
    vars['aws:PrincipalType'] = 'AssumedRole';
    if (p.sourceIdentity) vars['aws:SourceIdentity'] = p.sourceIdentity;
  } else {
    vars['aws:PrincipalArn'] = p.arn;
    vars['aws:PrincipalType'] = p.kind === 'root' ? 'Account' : 'User';
  }
  return vars;
}

/** Whether the principal may; the decision is recorded for the request's audit entry. */
export async function isAllowedS3(
  principal: Principal,
  action: string,
  resource: string,
  policies: AccessPolicySource,
  context?: ConditionContext,
): Promise<boolean> {
  const decision = await decideS3(principal, action, resource, policies, context);
  recordDecision(decision);
  return decision.effect === 'Allowed';
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
