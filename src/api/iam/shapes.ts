import type { XmlObject } from '../../protocols/xml/build.js';
import type { Role } from '../../iam/roles.js';
import type { ManagedPolicy, PolicyVersion } from '../../iam/managed-policies.js';
import type { Page } from '../../iam/paging.js';
import type { Tag } from '../../iam/validate.js';
import type { User } from '../../iam/users.js';
import type { Group } from '../../iam/groups.js';

/**
 * IAM returns policy documents URL-encoded (RFC 3986) wherever the model says
 * policyDocumentType; SDKs and the CLI decode them (aws-wire-protocols.md §6).
 */
export const encodeDocument = (text: string): string => encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** `<Name><member>…</member>…</Name>` */
export const members = (items: Array<string | XmlObject>): XmlObject => ({ member: items });

const tagList = (tags: Tag[]): XmlObject | undefined => (tags.length > 0 ? members(tags.map((t) => ({ Key: t.Key, Value: t.Value }))) : undefined);

/** The Role element; lists leave out Tags as AWS does. */
export function roleXml(role: Role, opts: { withTags: boolean } = { withTags: true }): XmlObject {
  return {
    Path: role.path,
    RoleName: role.roleName,
    RoleId: role.roleId,
    Arn: role.arn,
    CreateDate: new Date(role.createdAt),
    AssumeRolePolicyDocument: encodeDocument(role.trustPolicy),
    Description: role.description,
    MaxSessionDuration: role.maxSessionDuration,
    Tags: opts.withTags ? tagList(role.tags) : undefined,
  };
}

export function policyXml(policy: ManagedPolicy, opts: { withDescription: boolean; withTags: boolean }): XmlObject {
  return {
    PolicyName: policy.policyName,
    PolicyId: policy.policyId,
    Arn: policy.arn,
    Path: policy.path,
    DefaultVersionId: policy.defaultVersionId,
    AttachmentCount: policy.attachmentCount,
    PermissionsBoundaryUsageCount: 0,
    IsAttachable: true,
    Description: opts.withDescription ? policy.description : undefined,
    CreateDate: new Date(policy.createdAt),
    UpdateDate: new Date(policy.updatedAt),
    Tags: opts.withTags ? tagList(policy.tags) : undefined,
  };
}

export function versionXml(version: PolicyVersion, opts: { withDocument: boolean }): XmlObject {
  return {
    Document: opts.withDocument ? encodeDocument(version.document) : undefined,
    VersionId: version.versionId,
    IsDefaultVersion: version.isDefault,
    CreateDate: new Date(version.createdAt),
  };
}

/** `<List><member>…</member></List><IsTruncated/><Marker/>` */
export function listXml<T>(name: string, page: Page<T>, map: (item: T) => string | XmlObject): XmlObject {
  return { [name]: members(page.items.map(map)), IsTruncated: page.marker !== undefined, Marker: page.marker };
}

/** For actions that answer an empty result: waits for the work, answers nothing. */
export async function noResult(work: Promise<unknown>): Promise<undefined> {
  await work;
  return undefined;
}

export function userXml(user: User, opts: { withTags: boolean } = { withTags: true }): XmlObject {
  return {
    Path: user.path,
    UserName: user.userName,
    UserId: user.userId,
    Arn: user.arn,
    CreateDate: new Date(user.createdAt),
    PasswordLastUsed: user.passwordLastUsed === undefined ? undefined : new Date(user.passwordLastUsed),
    Tags: opts.withTags ? tagList(user.tags) : undefined,
  };
}

export function groupXml(group: Group): XmlObject {
  return { Path: group.path, GroupName: group.groupName, GroupId: group.groupId, Arn: group.arn, CreateDate: new Date(group.createdAt) };
}

export const tagsXml = (tags: Tag[]): XmlObject => members(tags.map((t) => ({ Key: t.Key, Value: t.Value })));
