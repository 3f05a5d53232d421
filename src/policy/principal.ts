import type { PrincipalSpec, RequestPrincipal } from './types.js';

/**
 * Principal matching (IAM User Guide, "Principal"): `"*"` and `{"AWS": "*"}`
 * match everyone; an account id or `arn:aws:iam::A:root` matches every
 * principal of account A; other AWS values are exact ARNs; service names
 * (`iot.amazonaws.com`) compare case-insensitively. Federated and
 * CanonicalUser principals parse but never match: Ferry has neither.
 */
export type PrincipalMatcher = (p: RequestPrincipal) => boolean;

const ACCOUNT = /^\d{12}$/;
const ROOT = /^arn:[^:]+:iam::(\d{12}):root$/;

export function compilePrincipal(spec: PrincipalSpec): PrincipalMatcher {
  if (spec === '*' || spec.aws?.includes('*') === true) return () => true;
  const arns = new Set<string>();
  const accounts = new Set<string>();
  for (const a of spec.aws ?? []) {
    const root = ROOT.exec(a);
    if (ACCOUNT.test(a)) accounts.add(a);
    else if (root !== null) accounts.add(root[1] as string);
    else arns.add(a);
  }
  const services = new Set((spec.service ?? []).map((s) => s.toLowerCase()));
  return (p) => {
    if (p.service !== undefined && services.has(p.service.toLowerCase())) return true;
    if (p.aws === undefined) return false;
    return arns.has(p.aws) || (accounts.size > 0 && accounts.has(accountOf(p.aws)));
  };
}

/** The account of an ARN (fifth part), or the value itself when it is an account id. */
function accountOf(arn: string): string {
  if (ACCOUNT.test(arn)) return arn;
  return arn.split(':')[4] ?? '';
}
