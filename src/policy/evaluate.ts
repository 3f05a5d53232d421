import { bindVariables, compilePolicies, type BoundPolicySet, type BoundStatement } from './compile.js';
import { conditionHolds, lookupKey } from './conditions.js';
import type { AuthorizationRequest, ConditionContext, Decision, Explanation, PolicyDocument, RequestPrincipal, StatementRef } from './types.js';

/**
 * Default deny; any matching Deny wins over every Allow; otherwise the first
 * matching Allow (aws-wire-protocols.md §7; IAM User Guide, "Policy
 * evaluation logic"). Synchronous and allocation-light: the MQTT broker calls
 * this for every message.
 */
const IMPLICIT_DENY: Decision = Object.freeze({ effect: 'ImplicitDeny' });

export function evaluate(bound: BoundPolicySet, request: AuthorizationRequest): Decision {
  const action = request.action.toLowerCase();
  for (const st of bound.denies) if (applies(st, action, request, bound.vars, false)) return st.decision;
  for (const st of bound.allows) if (applies(st, action, request, bound.vars, false)) return st.decision;
  return IMPLICIT_DENY;
}

/** Like evaluate(), listing every statement that applied (for TestAuthorization). */
export function explain(bound: BoundPolicySet, request: AuthorizationRequest): Explanation {
  const action = request.action.toLowerCase();
  const refs = (list: readonly BoundStatement[]): StatementRef[] =>
    list.filter((st) => applies(st, action, request, bound.vars, false)).map((st) => st.ref);
  const deniedBy = refs(bound.denies);
  const allowedBy = refs(bound.allows);
  const decision = deniedBy[0] !== undefined ? { effect: 'ExplicitDeny' as const, matched: deniedBy[0] }
    : allowedBy[0] !== undefined ? { effect: 'Allow' as const, matched: allowedBy[0] }
    : { effect: 'ImplicitDeny' as const };
  return { ...decision, allowedBy, deniedBy };
}

/**
 * Does a role's trust policy let `principal` perform `action` (normally
 * sts:AssumeRole)? Only statements naming a Principal/NotPrincipal count.
 */
export function evaluateTrust(doc: PolicyDocument, principal: RequestPrincipal, action: string, context?: ConditionContext): Decision {
  const bound = bindVariables(compilePolicies([doc]), {});
  const lower = action.toLowerCase();
  const request: AuthorizationRequest = context === undefined ? { action, resource: '', principal } : { action, resource: '', principal, context };
  for (const st of bound.denies) if (applies(st, lower, request, bound.vars, true)) return st.decision;
  for (const st of bound.allows) if (applies(st, lower, request, bound.vars, true)) return st.decision;
  return IMPLICIT_DENY;
}

function applies(st: BoundStatement, action: string, req: AuthorizationRequest, vars: ReadonlyMap<string, string>, needPrincipal: boolean): boolean {
  if (st.actions(action) === st.notAction) return false;
  if (st.resources !== null && st.resources(req.resource) === st.notResource) return false;
  if (st.principal !== null) {
    if (req.principal === undefined || st.principal(req.principal) === st.notPrincipal) return false;
  } else if (needPrincipal) {
    return false;
  }
  for (const c of st.conditions) {
    if (!conditionHolds(c, lookupKey(c, req.context, vars))) return false;
  }
  return true;
}
