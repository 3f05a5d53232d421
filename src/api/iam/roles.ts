import type { IamService } from '../../iam/service.js';
import { DESCRIPTION, integerIn, MAX_SESSION_DURATION, MIN_SESSION_DURATION, PATH, POLICY_DOCUMENT } from '../../iam/validate.js';
import type { QueryHandler } from '../query/dispatch.js';
import { optional, page, pathPrefix, required, roleName, tags } from './params.js';
import { listXml, noResult, roleXml } from './shapes.js';

const sessionDuration = (value: string | undefined) => integerIn(value, 'maxSessionDuration', MIN_SESSION_DURATION, MAX_SESSION_DURATION);

/** CreateRole, GetRole, ListRoles, UpdateRole, UpdateAssumeRolePolicy, DeleteRole (aws-wire-protocols.md §6). */
export function roleActions(iam: IamService): Record<string, QueryHandler> {
  return {
    CreateRole: async (p) => {
      const role = await iam.roles.create({
        roleName: roleName(p),
        trustPolicy: required(p, 'AssumeRolePolicyDocument', POLICY_DOCUMENT),
        path: optional(p, 'Path', PATH),
        description: optional(p, 'Description', DESCRIPTION),
        maxSessionDuration: sessionDuration(p.MaxSessionDuration),
        tags: tags(p),
      });
      return { Role: roleXml(role) };
    },
    GetRole: async (p) => ({ Role: roleXml(await iam.roles.get(roleName(p))) }),
    ListRoles: async (p) => {
      const roles = await iam.roles.list({ ...page(p), pathPrefix: pathPrefix(p) });
      return listXml('Roles', roles, (r) => roleXml(r, { withTags: false }));
    },
    UpdateRole: async (p) => {
      await iam.roles.update(roleName(p), {
        description: optional(p, 'Description', DESCRIPTION),
        maxSessionDuration: sessionDuration(p.MaxSessionDuration),
      });
      return {};
    },
    UpdateAssumeRolePolicy: async (p) => noResult(iam.roles.updateTrust(roleName(p), required(p, 'PolicyDocument', POLICY_DOCUMENT))),
    DeleteRole: async (p) => noResult(iam.roles.delete(roleName(p))),
  };
}
