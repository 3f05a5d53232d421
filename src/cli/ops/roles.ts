import {
  AttachRolePolicyCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  DeletePolicyCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  GetRoleCommand,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  ListRolesCommand,
  type Role,
} from '@aws-sdk/client-iam';
import { CreateRoleAliasCommand, DeleteRoleAliasCommand } from '@aws-sdk/client-iot';
import type { Connection } from '../client-config.js';
import { iamPolicyArn } from '../arns.js';
import { UsageError } from '../io.js';

/** Who may assume the role: the Jobs service (presigned URLs) and/or the credentials provider (role aliases). */
export const TRUSTED_SERVICES = { iot: 'iot.amazonaws.com', credentials: 'credentials.iot.amazonaws.com' } as const;
export type Trust = keyof typeof TRUSTED_SERVICES;

export interface CreateRoleInput {
  name: string;
  trust: Trust[];
  /** Buckets whose objects the role may read (s3:GetObject on B/*, s3:ListBucket on B). */
  allowGet: string[];
  /** `BUCKET` or `BUCKET/PREFIX`: where the role may write (s3:PutObject). */
  allowPut: string[];
  /** Also create this role alias for the credentials provider. */
  alias?: string | undefined;
  durationSeconds?: number | undefined;
}

export function trustPolicy(trust: Trust[]): string {
  const services = [...new Set(trust)].map((t) => TRUSTED_SERVICES[t]);
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: services.length === 1 ? services[0] : services }, Action: 'sts:AssumeRole' }],
  });
}

/** DESIGN.md step 4's IAM policy: read (and optionally write) access to named buckets. */
export function s3AccessPolicy(allowGet: string[], allowPut: string[]): string {
  const statements: object[] = [];
  if (allowGet.length) {
    statements.push({ Effect: 'Allow', Action: 's3:GetObject', Resource: allowGet.map((b) => `arn:aws:s3:::${b}/*`) });
    statements.push({ Effect: 'Allow', Action: 's3:ListBucket', Resource: allowGet.map((b) => `arn:aws:s3:::${b}`) });
  }
  if (allowPut.length) {
    const resources = allowPut.map((p) => `arn:aws:s3:::${p.includes('/') ? (p.endsWith('/') ? `${p}*` : `${p}/*`) : `${p}/*`}`);
    statements.push({ Effect: 'Allow', Action: ['s3:PutObject', 's3:AbortMultipartUpload'], Resource: resources });
  }
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

/** The managed policy `ferry role create` makes for a role is named after it. */
export const accessPolicyName = (role: string) => `${role}-s3-access`;

/**
 * The story's step 4: a role trusted by the IoT service (and by the
 * credentials provider when it gets an alias), an IAM policy granting S3
 * access attached to it, and optionally the role alias.
 */
export async function createRole(conn: Connection, input: CreateRoleInput) {
  const trust = input.alias && !input.trust.includes('credentials') ? [...input.trust, 'credentials' as const] : input.trust;
  if (trust.length === 0) throw new UsageError('the role must trust someone: --trust iot and/or --trust credentials');
  const iam = conn.iam();
  const role = await iam.send(
    new CreateRoleCommand({
      RoleName: input.name,
      AssumeRolePolicyDocument: trustPolicy(trust),
      Description: 'made by ferry role create',
      ...(input.durationSeconds && input.durationSeconds > 3600 ? { MaxSessionDuration: input.durationSeconds } : {}),
    }),
  );
  const roleArn = role.Role!.Arn!;
  let policyArn: string | undefined;
  if (input.allowGet.length || input.allowPut.length) {
    const policy = await iam.send(
      new CreatePolicyCommand({ PolicyName: accessPolicyName(input.name), PolicyDocument: s3AccessPolicy(input.allowGet, input.allowPut) }),
    );
    policyArn = policy.Policy!.Arn!;
    await iam.send(new AttachRolePolicyCommand({ RoleName: input.name, PolicyArn: policyArn }));
  }
  let roleAliasArn: string | undefined;
  if (input.alias) {
    const alias = await conn.iot().send(
      new CreateRoleAliasCommand({ roleAlias: input.alias, roleArn, ...(input.durationSeconds ? { credentialDurationSeconds: input.durationSeconds } : {}) }),
    );
    roleAliasArn = alias.roleAliasArn;
  }
  return {
    roleName: input.name,
    roleArn,
    trusts: trust.map((t) => TRUSTED_SERVICES[t]),
    policyArn,
    roleAlias: input.alias,
    roleAliasArn,
  };
}

export async function describeRole(conn: Connection, name: string) {
  const iam = conn.iam();
  const role = (await iam.send(new GetRoleCommand({ RoleName: name }))).Role!;
  const attached = (await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: name }))).AttachedPolicies ?? [];
  const inline = (await iam.send(new ListRolePoliciesCommand({ RoleName: name }))).PolicyNames ?? [];
  return {
    roleName: role.RoleName,
    roleArn: role.Arn,
    created: role.CreateDate?.toISOString(),
    maxSessionDuration: role.MaxSessionDuration,
    // IAM returns the trust policy URL-encoded (aws-wire-protocols.md §6).
    trustPolicy: role.AssumeRolePolicyDocument ? JSON.parse(decodeURIComponent(role.AssumeRolePolicyDocument)) : undefined,
    attachedPolicies: attached.map((p) => p.PolicyArn),
    inlinePolicies: inline,
  };
}

export async function listRoles(conn: Connection): Promise<Role[]> {
  const roles: Role[] = [];
  let marker: string | undefined;
  do {
    const page = await conn.iam().send(new ListRolesCommand({ ...(marker ? { Marker: marker } : {}) }));
    roles.push(...(page.Roles ?? []));
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  return roles;
}

/**
 * Deletes a role: its role alias (when named), its policies detached (the
 * `NAME-s3-access` policy `role create` made is deleted), its inline policies.
 */
export async function deleteRole(conn: Connection, name: string, alias?: string) {
  const iam = conn.iam();
  if (alias) await conn.iot().send(new DeleteRoleAliasCommand({ roleAlias: alias }));
  const attached = (await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: name }))).AttachedPolicies ?? [];
  const own = iamPolicyArn(await conn.accountId(), accessPolicyName(name));
  for (const p of attached) {
    await iam.send(new DetachRolePolicyCommand({ RoleName: name, PolicyArn: p.PolicyArn! }));
    if (p.PolicyArn === own) await iam.send(new DeletePolicyCommand({ PolicyArn: own }));
  }
  for (const policyName of (await iam.send(new ListRolePoliciesCommand({ RoleName: name }))).PolicyNames ?? []) {
    await iam.send(new DeleteRolePolicyCommand({ RoleName: name, PolicyName: policyName }));
  }
  await iam.send(new DeleteRoleCommand({ RoleName: name }));
  return { roleName: name, deleted: true, roleAlias: alias };
}
