import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  AddUserToGroupCommand,
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreateLoginProfileCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  DeleteGroupCommand,
  DeleteLoginProfileCommand,
  DeleteUserCommand,
  DeleteUserPolicyCommand,
  DetachUserPolicyCommand,
  GetGroupCommand,
  GetUserCommand,
  ListAccessKeysCommand,
  ListAttachedUserPoliciesCommand,
  ListGroupsCommand,
  ListGroupsForUserCommand,
  ListUserPoliciesCommand,
  ListUsersCommand,
  PutUserPolicyCommand,
  RemoveUserFromGroupCommand,
  ListAttachedGroupPoliciesCommand,
  DetachGroupPolicyCommand,
  ListGroupPoliciesCommand,
  DeleteGroupPolicyCommand,
  GetLoginProfileCommand,
} from '@aws-sdk/client-iam';
import { randomBytes } from 'node:crypto';
import type { Connection } from '../client-config.js';
import { writeFileAtomic } from '../../fs/write-atomic.js';
import { profileConfig } from '../../server/contract-files.js';
import { parseIni } from '../ini.js';
import { UsageError } from '../io.js';
import { awsManagedPolicyArn } from '../../iam/aws-managed-policies.js';
import { iamPolicyArn } from '../arns.js';

export interface CreateUserInput {
  name: string;
  groups: string[];
  /** An inline policy's document (from --policy FILE). */
  policyDocument?: string | undefined;
  /** A managed policy by name (AWS-managed or the account's) or ARN. */
  managed?: string | undefined;
  accessKey: boolean;
  password: boolean;
}

export interface CreatedUser {
  userName: string;
  userArn: string;
  groups: string[];
  policies: string[];
  accessKey?: { accessKeyId: string; secretAccessKey: string };
  /** A generated password, shown once; the user must change it at first sign-in. */
  password?: string;
}

/** `ferry user create`: the user, its groups and policy, and optionally a key and a password (shown once). */
export async function createUser(conn: Connection, input: CreateUserInput): Promise<CreatedUser> {
  const iam = conn.iam();
  const { User } = await iam.send(new CreateUserCommand({ UserName: input.name }));
  const out: CreatedUser = { userName: input.name, userArn: User!.Arn!, groups: input.groups, policies: [] };
  for (const group of input.groups) await iam.send(new AddUserToGroupCommand({ GroupName: group, UserName: input.name }));
  if (input.policyDocument !== undefined) {
    await iam.send(new PutUserPolicyCommand({ UserName: input.name, PolicyName: `${input.name}-policy`, PolicyDocument: input.policyDocument }));
    out.policies.push(`${input.name}-policy (inline)`);
  }
  if (input.managed !== undefined) {
    const arn = await managedArn(conn, input.managed);
    await iam.send(new AttachUserPolicyCommand({ UserName: input.name, PolicyArn: arn }));
    out.policies.push(arn);
  }
  if (input.accessKey) {
    const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: input.name }));
    out.accessKey = { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! };
  }
  if (input.password) {
    out.password = generatedPassword();
    await iam.send(new CreateLoginProfileCommand({ UserName: input.name, Password: out.password, PasswordResetRequired: true }));
  }
  return out;
}

async function managedArn(conn: Connection, nameOrArn: string): Promise<string> {
  if (nameOrArn.startsWith('arn:')) return nameOrArn;
  return awsManagedPolicyArn(nameOrArn) ?? iamPolicyArn(await conn.accountId(), nameOrArn);
}

/** 20 characters from four classes, so any password policy's character rules hold. */
function generatedPassword(): string {
  const classes = ['ABCDEFGHJKLMNPQRSTUVWXYZ', 'abcdefghijkmnopqrstuvwxyz', '23456789', '!@#$%^&*()-_=+'];
  const bytes = randomBytes(20);
  return [...bytes].map((b, i) => { const c = classes[i % 4]!; return c[b % c.length]!; }).join('');
}

export interface UserDescription {
  userName: string;
  userArn: string;
  userId: string;
  created?: Date | undefined;
  groups: string[];
  attachedPolicies: string[];
  inlinePolicies: string[];
  accessKeys: Array<{ accessKeyId: string; status: string }>;
  loginProfile: boolean;
}

export async function describeUser(conn: Connection, name: string): Promise<UserDescription> {
  const iam = conn.iam();
  const { User } = await iam.send(new GetUserCommand({ UserName: name }));
  const groups = await iam.send(new ListGroupsForUserCommand({ UserName: name }));
  const attached = await iam.send(new ListAttachedUserPoliciesCommand({ UserName: name }));
  const inline = await iam.send(new ListUserPoliciesCommand({ UserName: name }));
  const keys = await iam.send(new ListAccessKeysCommand({ UserName: name }));
  const profile = await iam.send(new GetLoginProfileCommand({ UserName: name })).then(() => true, () => false);
  return {
    userName: User!.UserName!,
    userArn: User!.Arn!,
    userId: User!.UserId!,
    created: User!.CreateDate,
    groups: (groups.Groups ?? []).map((g) => g.GroupName!),
    attachedPolicies: (attached.AttachedPolicies ?? []).map((p) => p.PolicyArn!),
    inlinePolicies: inline.PolicyNames ?? [],
    accessKeys: (keys.AccessKeyMetadata ?? []).map((k) => ({ accessKeyId: k.AccessKeyId!, status: k.Status! })),
    loginProfile: profile,
  };
}

export async function listUsers(conn: Connection) {
  return (await conn.iam().send(new ListUsersCommand({}))).Users ?? [];
}

/** `ferry user delete`: what AWS makes you remove first (keys, password, policies, groups), then the user. */
export async function deleteUser(conn: Connection, name: string): Promise<{ userName: string; removed: string[] }> {
  const iam = conn.iam();
  const d = await describeUser(conn, name);
  const removed: string[] = [];
  for (const k of d.accessKeys) {
    await iam.send(new DeleteAccessKeyCommand({ UserName: name, AccessKeyId: k.accessKeyId }));
    removed.push(`access key ${k.accessKeyId}`);
  }
  if (d.loginProfile) {
    await iam.send(new DeleteLoginProfileCommand({ UserName: name }));
    removed.push('login profile');
  }
  for (const arn of d.attachedPolicies) {
    await iam.send(new DetachUserPolicyCommand({ UserName: name, PolicyArn: arn }));
    removed.push(`policy ${arn}`);
  }
  for (const policy of d.inlinePolicies) {
    await iam.send(new DeleteUserPolicyCommand({ UserName: name, PolicyName: policy }));
    removed.push(`inline policy ${policy}`);
  }
  for (const group of d.groups) {
    await iam.send(new RemoveUserFromGroupCommand({ GroupName: group, UserName: name }));
    removed.push(`membership of ${group}`);
  }
  await iam.send(new DeleteUserCommand({ UserName: name }));
  return { userName: name, removed };
}

export const createGroup = async (conn: Connection, name: string) => (await conn.iam().send(new CreateGroupCommand({ GroupName: name }))).Group!;
export const addToGroup = (conn: Connection, group: string, user: string) => conn.iam().send(new AddUserToGroupCommand({ GroupName: group, UserName: user }));
export const removeFromGroup = (conn: Connection, group: string, user: string) => conn.iam().send(new RemoveUserFromGroupCommand({ GroupName: group, UserName: user }));
export const listGroups = async (conn: Connection) => (await conn.iam().send(new ListGroupsCommand({}))).Groups ?? [];
export const groupMembers = async (conn: Connection, group: string) => ((await conn.iam().send(new GetGroupCommand({ GroupName: group }))).Users ?? []).map((u) => u.UserName!);

/** `ferry group delete`: detaches its policies and removes its members first. */
export async function deleteGroup(conn: Connection, name: string): Promise<void> {
  const iam = conn.iam();
  for (const user of await groupMembers(conn, name)) await removeFromGroup(conn, name, user);
  for (const p of (await iam.send(new ListAttachedGroupPoliciesCommand({ GroupName: name }))).AttachedPolicies ?? []) {
    await iam.send(new DetachGroupPolicyCommand({ GroupName: name, PolicyArn: p.PolicyArn! }));
  }
  for (const p of (await iam.send(new ListGroupPoliciesCommand({ GroupName: name }))).PolicyNames ?? []) {
    await iam.send(new DeleteGroupPolicyCommand({ GroupName: name, PolicyName: p }));
  }
  await iam.send(new DeleteGroupCommand({ GroupName: name }));
}

/**
 * Writes an AWS profile for a new key: credentials (mode 0600) and config
 * (region, CA bundle, Ferry's endpoints), into the files the AWS CLI and SDKs
 * read — AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE, else ~/.aws/. A
 * profile of that name already there is refused, not overwritten.
 */
export function writeProfile(conn: Connection, profile: string, key: { accessKeyId: string; secretAccessKey: string }, env: NodeJS.ProcessEnv): { credentialsFile: string; configFile: string } {
  const credentialsFile = env.AWS_SHARED_CREDENTIALS_FILE ?? join(homedir(), '.aws', 'credentials');
  const configFile = env.AWS_CONFIG_FILE ?? join(homedir(), '.aws', 'config');
  const read = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : '');
  const credentials = read(credentialsFile);
  const config = read(configFile);
  if (parseIni(credentials).has(profile) || parseIni(config).has(`profile ${profile}`)) {
    throw new UsageError(`the AWS profile ${profile} already exists in ${credentialsFile} or ${configFile}: pick another --write-profile name`);
  }
  const joinText = (text: string, more: string) => (text === '' || text.endsWith('\n\n') ? text : text.endsWith('\n') ? `${text}\n` : `${text}\n\n`) + more;
  mkdirSync(dirname(credentialsFile), { recursive: true, mode: 0o700 });
  mkdirSync(dirname(configFile), { recursive: true, mode: 0o700 });
  writeFileAtomic(credentialsFile, joinText(credentials, `[${profile}]\naws_access_key_id = ${key.accessKeyId}\naws_secret_access_key = ${key.secretAccessKey}\n`), 0o600);
  writeFileAtomic(configFile, joinText(config, profileConfig(profile, conn.region, conn.info.caFile, conn.info.endpoints)), 0o600);
  return { credentialsFile, configFile };
}
