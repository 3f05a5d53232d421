import type { FastifyRequest } from 'fastify';
import { invalidInput, notFound } from '../../errors.js';
import type { IamService } from '../../iam/service.js';
import { ACCESS_KEY_ID, booleanParam, GROUP_NAME, PASSWORD, PATH, POLICY_DOCUMENT, USER_NAME } from '../../iam/validate.js';
import type { QueryHandler } from '../query/dispatch.js';
import { optional, page, pathPrefix, policyArn, policyName, required, tags, type Params } from './params.js';
import { encodeDocument, groupXml, listXml, members, noResult, tagsXml, userXml } from './shapes.js';

const userName = (p: Params) => required(p, 'UserName', USER_NAME);
const groupName = (p: Params) => required(p, 'GroupName', GROUP_NAME);

/** Actions whose UserName defaults to the caller's own user (AWS: "the user making the request"). */
function callerUserName(p: Params, request: FastifyRequest): string {
  const named = optional(p, 'UserName', USER_NAME);
  if (named !== undefined) return named;
  const caller = request.principal;
  if (caller?.kind === 'user') return caller.userName;
  throw invalidInput('Must specify userName when calling with non-User credentials', 'validation');
}

/** `TagKeys.member.N`. */
function tagKeys(p: Params): string[] {
  const out: string[] = [];
  for (let i = 1; p[`TagKeys.member.${i}`] !== undefined; i++) out.push(p[`TagKeys.member.${i}`]!);
  return out;
}

/** IAM users, their tags, keys and login profiles (issue 20). */
export function userActions(iam: IamService): Record<string, QueryHandler> {
  return {
    CreateUser: async (p) => ({ User: userXml(await iam.users.create({ userName: userName(p), path: optional(p, 'Path', PATH), tags: tags(p) })) }),
    GetUser: async (p, request) => ({ User: userXml(await iam.users.get(callerUserName(p, request))) }),
    ListUsers: async (p) => listXml('Users', await iam.users.list({ ...page(p), pathPrefix: pathPrefix(p) }), (u) => userXml(u, { withTags: false })),
    UpdateUser: async (p) => noResult(iam.users.update(userName(p), { newUserName: optional(p, 'NewUserName', USER_NAME), newPath: optional(p, 'NewPath', PATH) })),
    DeleteUser: async (p) => noResult(iam.users.delete(userName(p))),
    TagUser: async (p) => noResult(iam.users.tag(userName(p), tags(p))),
    UntagUser: async (p) => noResult(iam.users.untag(userName(p), tagKeys(p))),
    ListUserTags: async (p) => ({ Tags: tagsXml((await iam.users.get(userName(p))).tags), IsTruncated: false }),

    CreateAccessKey: async (p, request) => {
      const key = await iam.userKeys.create(callerUserName(p, request));
      return { AccessKey: { UserName: key.userName, AccessKeyId: key.accessKeyId, Status: key.status, SecretAccessKey: key.secretAccessKey, CreateDate: new Date(key.createDate) } };
    },
    ListAccessKeys: async (p, request) => {
      const keys = await iam.userKeys.list(callerUserName(p, request));
      return { AccessKeyMetadata: members(keys.map((k) => ({ UserName: k.userName, AccessKeyId: k.accessKeyId, Status: k.status, CreateDate: new Date(k.createDate) }))), IsTruncated: false };
    },
    UpdateAccessKey: async (p, request) => noResult(iam.userKeys.updateStatus(callerUserName(p, request), required(p, 'AccessKeyId', ACCESS_KEY_ID), required(p, 'Status', { min: 1, max: 16 }))),
    DeleteAccessKey: async (p, request) => noResult(iam.userKeys.delete(callerUserName(p, request), required(p, 'AccessKeyId', ACCESS_KEY_ID))),
    GetAccessKeyLastUsed: async (p) => {
      const used = await iam.userKeys.lastUsed(required(p, 'AccessKeyId', ACCESS_KEY_ID));
      return {
        UserName: used.userName,
        AccessKeyLastUsed: { LastUsedDate: used.lastUsedDate === undefined ? undefined : new Date(used.lastUsedDate), ServiceName: used.serviceName, Region: used.region },
      };
    },

    CreateLoginProfile: async (p) => {
      const profile = await iam.loginProfiles.create(userName(p), required(p, 'Password', PASSWORD), booleanParam(p.PasswordResetRequired, 'passwordResetRequired') ?? false);
      return { LoginProfile: { UserName: profile.userName, CreateDate: new Date(profile.createDate), PasswordResetRequired: profile.passwordResetRequired } };
    },
    GetLoginProfile: async (p, request) => {
      const profile = await iam.loginProfiles.get(callerUserName(p, request));
      return { LoginProfile: { UserName: profile.userName, CreateDate: new Date(profile.createDate), PasswordResetRequired: profile.passwordResetRequired } };
    },
    UpdateLoginProfile: async (p) => {
      const password = optional(p, 'Password', PASSWORD);
      await iam.loginProfiles.update(userName(p), { password, passwordResetRequired: booleanParam(p.PasswordResetRequired, 'passwordResetRequired') });
      // A password set by an administrator ends the user's console sessions.
      if (password !== undefined) await iam.consoleSessions.endAllOf({ userId: (await iam.users.get(userName(p))).userId, arn: '' });
      return undefined;
    },
    DeleteLoginProfile: async (p) => noResult(iam.loginProfiles.delete(userName(p))),
    ChangePassword: async (p, request) => {
      const caller = request.principal;
      if (caller?.kind !== 'user') throw invalidInput('Only IAM users can change their own password (ChangePassword is called with the user\'s credentials).', 'invalid-user-type');
      await iam.loginProfiles.change(caller.userName, required(p, 'OldPassword', PASSWORD), required(p, 'NewPassword', PASSWORD));
      // A password change ends the user's other console sessions (the console's own, when it asked, stays).
      await iam.consoleSessions.endAllOf({ userId: caller.userId, arn: caller.arn }, caller.accessKeyId);
      return undefined;
    },

    ListGroupsForUser: async (p) => listXml('Groups', await iam.groups.listForUser(userName(p), page(p)), groupXml),
    AddUserToGroup: async (p) => noResult(iam.groups.addUser(groupName(p), userName(p))),
    RemoveUserFromGroup: async (p) => noResult(iam.groups.removeUser(groupName(p), userName(p))),

    AttachUserPolicy: async (p) => noResult(iam.userPolicies.attach(userName(p), policyArn(p))),
    DetachUserPolicy: async (p) => noResult(iam.userPolicies.detach(userName(p), policyArn(p))),
    ListAttachedUserPolicies: async (p) => listXml('AttachedPolicies', await iam.userPolicies.listAttached(userName(p), page(p)), (a) => ({ PolicyName: a.policyName, PolicyArn: a.policyArn })),
    PutUserPolicy: async (p) => noResult(iam.userPolicies.putInline(userName(p), policyName(p), required(p, 'PolicyDocument', POLICY_DOCUMENT))),
    GetUserPolicy: async (p) => {
      const inline = await iam.userPolicies.getInline(userName(p), policyName(p));
      return { UserName: inline.ownerName, PolicyName: inline.policyName, PolicyDocument: encodeDocument(inline.document) };
    },
    DeleteUserPolicy: async (p) => noResult(iam.userPolicies.deleteInline(userName(p), policyName(p))),
    ListUserPolicies: async (p) => listXml('PolicyNames', await iam.userPolicies.listInline(userName(p), page(p)), (n) => n),
  };
}

/** IAM groups and their policies. */
export function groupActions(iam: IamService): Record<string, QueryHandler> {
  return {
    CreateGroup: async (p) => ({ Group: groupXml(await iam.groups.create({ groupName: groupName(p), path: optional(p, 'Path', PATH) })) }),
    GetGroup: async (p) => {
      const { group, users } = await iam.groups.get(groupName(p), page(p));
      return { Group: groupXml(group), ...listXml('Users', users, (u) => userXml(u, { withTags: false })) };
    },
    ListGroups: async (p) => listXml('Groups', await iam.groups.list({ ...page(p), pathPrefix: pathPrefix(p) }), groupXml),
    DeleteGroup: async (p) => noResult(iam.groups.delete(groupName(p))),
    AttachGroupPolicy: async (p) => noResult(iam.groupPolicies.attach(groupName(p), policyArn(p))),
    DetachGroupPolicy: async (p) => noResult(iam.groupPolicies.detach(groupName(p), policyArn(p))),
    ListAttachedGroupPolicies: async (p) => listXml('AttachedPolicies', await iam.groupPolicies.listAttached(groupName(p), page(p)), (a) => ({ PolicyName: a.policyName, PolicyArn: a.policyArn })),
    PutGroupPolicy: async (p) => noResult(iam.groupPolicies.putInline(groupName(p), policyName(p), required(p, 'PolicyDocument', POLICY_DOCUMENT))),
    GetGroupPolicy: async (p) => {
      const inline = await iam.groupPolicies.getInline(groupName(p), policyName(p));
      return { GroupName: inline.ownerName, PolicyName: inline.policyName, PolicyDocument: encodeDocument(inline.document) };
    },
    DeleteGroupPolicy: async (p) => noResult(iam.groupPolicies.deleteInline(groupName(p), policyName(p))),
    ListGroupPolicies: async (p) => listXml('PolicyNames', await iam.groupPolicies.listInline(groupName(p), page(p)), (n) => n),
  };
}

const PASSWORD_POLICY_FIELDS = ['RequireSymbols', 'RequireNumbers', 'RequireUppercaseCharacters', 'RequireLowercaseCharacters', 'AllowUsersToChangePassword', 'HardExpiry'] as const;

/** The account's password policy. */
export function passwordPolicyActions(iam: IamService): Record<string, QueryHandler> {
  return {
    GetAccountPasswordPolicy: async () => {
      const policy = await iam.loginProfiles.policy();
      if (!policy) throw notFound('password-policy', `The Password Policy with domain name ${iam.accountId} cannot be found.`);
      return { PasswordPolicy: { ...policy } };
    },
    UpdateAccountPasswordPolicy: async (p) => {
      const flags = Object.fromEntries(PASSWORD_POLICY_FIELDS.map((f) => [f, booleanParam(p[f], f.charAt(0).toLowerCase() + f.slice(1)) ?? false]));
      const min = p.MinimumPasswordLength === undefined ? 8 : Number(p.MinimumPasswordLength);
      if (!Number.isInteger(min) || min < 6 || min > 128) throw invalidInput(`1 validation error detected: Value '${p.MinimumPasswordLength}' at 'minimumPasswordLength' failed to satisfy constraint: Member must have value between 6 and 128`, 'validation');
      const maxAge = p.MaxPasswordAge === undefined ? undefined : Number(p.MaxPasswordAge);
      const reuse = p.PasswordReusePrevention === undefined ? undefined : Number(p.PasswordReusePrevention);
      await iam.loginProfiles.updatePolicy({
        MinimumPasswordLength: min,
        RequireSymbols: flags.RequireSymbols!,
        RequireNumbers: flags.RequireNumbers!,
        RequireUppercaseCharacters: flags.RequireUppercaseCharacters!,
        RequireLowercaseCharacters: flags.RequireLowercaseCharacters!,
        AllowUsersToChangePassword: flags.AllowUsersToChangePassword!,
        ExpirePasswords: maxAge !== undefined && maxAge > 0,
        ...(maxAge !== undefined ? { MaxPasswordAge: maxAge } : {}),
        ...(reuse !== undefined ? { PasswordReusePrevention: reuse } : {}),
        HardExpiry: flags.HardExpiry!,
      });
      return undefined;
    },
    DeleteAccountPasswordPolicy: async () => noResult(iam.loginProfiles.deletePolicy()),
  };
}
