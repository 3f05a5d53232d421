/**
 * IAM and STS ARNs in the `aws` partition (DESIGN.md "ARNs"). IAM is global:
 * its ARNs carry no region.
 */
export const roleArn = (accountId: string, path: string, name: string): string => `arn:aws:iam::${accountId}:role${path}${name}`;
export const policyArn = (accountId: string, path: string, name: string): string => `arn:aws:iam::${accountId}:policy${path}${name}`;

/** The principal of a role session, as STS names it. */
export const assumedRoleArn = (accountId: string, roleName: string, sessionName: string): string =>
  `arn:aws:sts::${accountId}:assumed-role/${roleName}/${sessionName}`;

export const roleAliasArn = (region: string, accountId: string, alias: string): string => `arn:aws:iot:${region}:${accountId}:rolealias/${alias}`;

const ROLE_ARN = /^arn:aws:iam::(\d{12}):role(\/(?:[\x21-\x7e]*\/)?)([\w+=,.@-]+)$/;

export interface ParsedRoleArn {
  accountId: string;
  path: string;
  name: string;
}

/** `arn:aws:iam::A:role/path/Name` → its parts, or undefined when it is not a role ARN. */
export function parseRoleArn(arn: string): ParsedRoleArn | undefined {
  const m = ROLE_ARN.exec(arn);
  if (!m) return undefined;
  return { accountId: m[1]!, path: m[2]!, name: m[3]! };
}
