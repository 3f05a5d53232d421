import type { IamService } from '../../iam/service.js';
import { booleanParam, DESCRIPTION, PATH, POLICY_DOCUMENT, POLICY_NAME, VERSION_ID } from '../../iam/validate.js';
import { invalidInput } from '../../errors.js';
import type { QueryHandler } from '../query/dispatch.js';
import { members, listXml, noResult, policyXml, versionXml } from './shapes.js';
import { optional, page, pathPrefix, policyArn, required, tags, type Params } from './params.js';

const versionId = (p: Params) => required(p, 'VersionId', VERSION_ID);

function scope(p: Params): string | undefined {
  const value = p.Scope;
  if (value !== undefined && !['All', 'AWS', 'Local'].includes(value)) {
    throw invalidInput(`1 validation error detected: Value '${value}' at 'scope' failed to satisfy constraint: Member must satisfy enum value set: [All, AWS, Local]`, 'validation');
  }
  return value;
}

/** Managed policies and their versions (aws-wire-protocols.md §6). */
export function policyActions(iam: IamService): Record<string, QueryHandler> {
  return {
    CreatePolicy: async (p) => {
      const policy = await iam.policies.create({
        policyName: required(p, 'PolicyName', POLICY_NAME),
        document: required(p, 'PolicyDocument', POLICY_DOCUMENT),
        path: optional(p, 'Path', PATH),
        description: optional(p, 'Description', DESCRIPTION),
        tags: tags(p),
      });
      // AWS leaves the description out of CreatePolicy's answer.
      return { Policy: policyXml(policy, { withDescription: false, withTags: true }) };
    },
    GetPolicy: async (p) => ({ Policy: policyXml(await iam.policies.get(policyArn(p)), { withDescription: true, withTags: true }) }),
    ListPolicies: async (p) => {
      const list = await iam.policies.list({ ...page(p), pathPrefix: pathPrefix(p), onlyAttached: booleanParam(p.OnlyAttached, 'onlyAttached'), scope: scope(p) });
      return listXml('Policies', list, (x) => policyXml(x, { withDescription: false, withTags: false }));
    },
    DeletePolicy: async (p) => noResult(iam.policies.delete(policyArn(p))),
    GetPolicyVersion: async (p) => ({ PolicyVersion: versionXml(await iam.policies.getVersion(policyArn(p), versionId(p)), { withDocument: true }) }),
    CreatePolicyVersion: async (p) => {
      const version = await iam.policies.createVersion(policyArn(p), required(p, 'PolicyDocument', POLICY_DOCUMENT), booleanParam(p.SetAsDefault, 'setAsDefault') ?? false);
      return { PolicyVersion: versionXml(version, { withDocument: false }) };
    },
    SetDefaultPolicyVersion: async (p) => noResult(iam.policies.setDefaultVersion(policyArn(p), versionId(p))),
    ListPolicyVersions: async (p) => {
      const versions = await iam.policies.listVersions(policyArn(p));
      return { Versions: members(versions.map((v) => versionXml(v, { withDocument: false }))), IsTruncated: false };
    },
    DeletePolicyVersion: async (p) => noResult(iam.policies.deleteVersion(policyArn(p), versionId(p))),
  };
}
