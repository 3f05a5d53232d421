import type { IamService } from '../../iam/service.js';
import { ARN, POLICY_DOCUMENT, POLICY_NAME, ROLE_NAME } from '../../iam/validate.js';
import type { QueryHandler } from '../query/dispatch.js';
import { page, pathPrefix, required } from './params.js';
import { encodeDocument, listXml } from './shapes.js';

/** Managed policies attached to roles, and roles' inline policies (aws-wire-protocols.md §6). */
export function rolePolicyActions(iam: IamService): Record<string, QueryHandler> {
  return {
    AttachRolePolicy: async (p) => {
      await iam.rolePolicies.attach(required(p, 'RoleName', ROLE_NAME), required(p, 'PolicyArn', ARN));
      return undefined;
    },
    DetachRolePolicy: async (p) => {
      await iam.rolePolicies.detach(required(p, 'RoleName', ROLE_NAME), required(p, 'PolicyArn', ARN));
      return undefined;
    },
    ListAttachedRolePolicies: async (p) => {
      const list = await iam.rolePolicies.listAttached(required(p, 'RoleName', ROLE_NAME), { ...page(p), pathPrefix: pathPrefix(p) });
      return listXml('AttachedPolicies', list, (a) => ({ PolicyName: a.policyName, PolicyArn: a.policyArn }));
    },
    PutRolePolicy: async (p) => {
      await iam.rolePolicies.putInline(required(p, 'RoleName', ROLE_NAME), required(p, 'PolicyName', POLICY_NAME), required(p, 'PolicyDocument', POLICY_DOCUMENT));
      return undefined;
    },
    GetRolePolicy: async (p) => {
      const inline = await iam.rolePolicies.getInline(required(p, 'RoleName', ROLE_NAME), required(p, 'PolicyName', POLICY_NAME));
      return { RoleName: inline.roleName, PolicyName: inline.policyName, PolicyDocument: encodeDocument(inline.document) };
    },
    DeleteRolePolicy: async (p) => {
      await iam.rolePolicies.deleteInline(required(p, 'RoleName', ROLE_NAME), required(p, 'PolicyName', POLICY_NAME));
      return undefined;
    },
    ListRolePolicies: async (p) => {
      const list = await iam.rolePolicies.listInline(required(p, 'RoleName', ROLE_NAME), page(p));
      return listXml('PolicyNames', list, (name) => name);
    },
  };
}
