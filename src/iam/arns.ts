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

export const userArn = (accountId: string, path: string, name: string): string => `arn:aws:iam::${accountId}:user${path}${name}`;
export const groupArn = (accountId: string, path: string, name: string): string => `arn:aws:iam::${accountId}:group${path}${name}`;
