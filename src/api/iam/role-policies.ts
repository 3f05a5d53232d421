import type { IamService } from '../../iam/service.js';
import { POLICY_DOCUMENT } from '../../iam/validate.js';
import type { QueryHandler } from '../query/dispatch.js';
import { page, pathPrefix, policyArn, policyName, required, roleName } from './params.js';
import { encodeDocument, listXml, noResult } from './shapes.js';

/** Managed policies attached to roles, and roles' inline policies (aws-wire-protocols.md §6). */
export function rolePolicyActions(iam: IamService): Record<string, QueryHandler> {
  return {
    AttachRolePolicy: async (p) => noResult(iam.rolePolicies.attach(roleName(p), policyArn(p))),
    DetachRolePolicy: async (p) => noResult(iam.rolePolicies.detach(roleName(p), policyArn(p))),
    ListAttachedRolePolicies: async (p) => {
      const list = await iam.rolePolicies.listAttached(roleName(p), { ...page(p), pathPrefix: pathPrefix(p) });
      return listXml('AttachedPolicies', list, (a) => ({ PolicyName: a.policyName, PolicyArn: a.policyArn }));
    },
    PutRolePolicy: async (p) => noResult(iam.rolePolicies.putInline(roleName(p), policyName(p), required(p, 'PolicyDocument', POLICY_DOCUMENT))),
    GetRolePolicy: async (p) => {
      const inline = await iam.rolePolicies.getInline(roleName(p), policyName(p));
      return { RoleName: inline.roleName, PolicyName: inline.policyName, PolicyDocument: encodeDocument(inline.document) };
    },
    DeleteRolePolicy: async (p) => noResult(iam.rolePolicies.deleteInline(roleName(p), policyName(p))),
    ListRolePolicies: async (p) => {
      const list = await iam.rolePolicies.listInline(roleName(p), page(p));
      return listXml('PolicyNames', list, (name) => name);
    },
  };
}
