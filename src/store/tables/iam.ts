/**
 * The iam tables: roles, managed policies and their versions, attachments,
 * inline role policies, and IoT role aliases (the credentials provider's
 * door to a role). Times are epoch ms, JSON is TEXT (see ../schema.ts).
 */
export interface IamRolesTable {
  /** AROA…, never reused: a role made again under the same name gets a new id. */
  role_id: string;
  role_name: string;
  /** lower(role_name): IAM names are unique regardless of case. */
  name_key: string;
  path: string;
  arn: string;
  description: string | null;
  /** The AssumeRolePolicyDocument exactly as the client sent it. */
  trust_policy: string;
  max_session_duration: number;
  /** JSON array of {Key, Value}. */
  tags: string;
  created_at: number;
}

export interface IamPoliciesTable {
  /** ANPA… */
  policy_id: string;
  policy_name: string;
  /** lower(policy_name). */
  name_key: string;
  path: string;
  arn: string;
  description: string | null;
  default_version_id: string;
  /** The number the next CreatePolicyVersion takes (v1, v2… never reused). */
  next_version: number;
  tags: string;
  created_at: number;
  updated_at: number;
}

export interface IamPolicyVersionsTable {
  policy_id: string;
  version_id: string;
  document: string;
  created_at: number;
}

export interface IamRolePolicyAttachmentsTable {
  role_id: string;
  policy_id: string;
  attached_at: number;
}

export interface IamRoleInlinePoliciesTable {
  role_id: string;
  policy_name: string;
  document: string;
  updated_at: number;
}

export interface IamRoleAliasesTable {
  role_alias: string;
  role_arn: string;
  credential_duration_seconds: number;
  /** JSON array of {Key, Value}. */
  tags: string;
  created_at: number;
  updated_at: number;
}

export interface IamTables {
  iam_roles: IamRolesTable;
  iam_policies: IamPoliciesTable;
  iam_policy_versions: IamPolicyVersionsTable;
  iam_role_policy_attachments: IamRolePolicyAttachmentsTable;
  iam_role_inline_policies: IamRoleInlinePoliciesTable;
  iam_role_aliases: IamRoleAliasesTable;
}
