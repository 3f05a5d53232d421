import type { Kysely } from 'kysely';
import type { BoundPolicySet, CompiledPolicySet, ConditionContext, PolicyDocument } from '../policy/index.js';
import { bindVariables, compilePolicies, evaluate, parsePolicyDocument } from '../policy/index.js';
import type { Database } from '../store/schema.js';
import type { Principal } from './principal.js';
import { ParsedPolicies } from './parsed-policies.js';
import { awsManagedPolicy } from './aws-managed-policies.js';

type RoleSession = Extract<Principal, { kind: 'role-session' }>;


/**
 * What a role may do, right now: its attached managed policies (default
 * versions) and its inline policies, read at each decision so a detached
 * permission stops outstanding sessions and presigned URLs at once.
 * Implements the object store's AccessPolicySource for role sessions.
 */
export class RolePermissions {
  private readonly parsed = new ParsedPolicies();

  constructor(private readonly db: Kysely<Database>) {}

  /** The documents in force for the role `roleArn` (none when the role is gone). */
  async documentsOf(roleArn: string): Promise<{ roleId?: string; documents: string[] }> {
    const role = await this.db.selectFrom('iam_roles').select('role_id').where('arn', '=', roleArn).executeTakeFirst();
    if (!role) return { documents: [] };
    const managed = await this.db
      .selectFrom('iam_role_policy_attachments as a')
      .innerJoin('iam_policies as p', 'p.policy_id', 'a.policy_id')
      .innerJoin('iam_policy_versions as v', (join) => join.onRef('v.policy_id', '=', 'p.policy_id').onRef('v.version_id', '=', 'p.default_version_id'))
      .select('v.document')
      .where('a.role_id', '=', role.role_id)
      .execute();
    const inline = await this.db.selectFrom('iam_role_inline_policies').select('document').where('role_id', '=', role.role_id).execute();
    const aws = await this.db.selectFrom('iam_role_aws_policy_attachments').select('policy_arn').where('owner_id', '=', role.role_id).execute();
    const awsDocuments = aws.flatMap((a) => awsManagedPolicy(a.policy_arn)?.document ?? []);
    return { roleId: role.role_id, documents: [...[...managed, ...inline].map((r) => r.document), ...awsDocuments] };
  }

  /** The role's policies bound with `variables` (a session's, plus aws:userid and friends). */
  async bound(roleArn: string, variables: Record<string, string>, sessionName?: string): Promise<BoundPolicySet> {
    const { roleId, compiled } = await this.compiledOf(roleArn);
    const vars: Record<string, string> = { 'aws:PrincipalArn': roleArn, 'aws:PrincipalType': 'AssumedRole', ...variables };
    if (roleId !== undefined) vars['aws:userid'] = sessionName === undefined ? roleId : `${roleId}:${sessionName}`;
    return bindVariables(compiled, vars);
  }

  /** The role's policies compiled, not yet bound (dependencies() tells what they read). */
  async compiledOf(roleArn: string): Promise<{ roleId?: string; compiled: CompiledPolicySet }> {
    const { roleId, documents } = await this.documentsOf(roleArn);
    const compiled = compilePolicies(documents.map((d) => this.parse(d)));
    return roleId === undefined ? { compiled } : { roleId, compiled };
  }

  /** AccessPolicySource: a role session's policies; null for principals that are not role sessions. */
  async policiesFor(principal: Principal): Promise<BoundPolicySet | null> {
    if (principal.kind !== 'role-session') return null;
    return this.bound(principal.roleArn, principal.variables, sessionNameOf(principal));
  }

  /** May this role session do `action` on `resource`? */
  async sessionAllows(principal: RoleSession, action: string, resource: string, context?: ConditionContext): Promise<boolean> {
    const bound = await this.bound(principal.roleArn, principal.variables, sessionNameOf(principal));
    return evaluate(bound, context === undefined ? { action, resource } : { action, resource, context }).effect === 'Allow';
  }

  /** May the role itself (no session variables) do `action` on `resource`? Jobs checks presign roles with it. */
  async roleAllows(roleArn: string, action: string, resource: string): Promise<boolean> {
    return evaluate(await this.bound(roleArn, {}), { action, resource }).effect === 'Allow';
  }

  private parse(document: string): PolicyDocument {
    return this.parsed.get(document);
  }
}

/** `arn:aws:sts::A:assumed-role/Role/Session` → `Session`. */
function sessionNameOf(principal: RoleSession): string | undefined {
  const parts = principal.arn.split('/');
  return parts.length >= 3 ? parts[parts.length - 1] : undefined;
}
