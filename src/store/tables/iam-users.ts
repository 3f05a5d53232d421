/**
 * IAM users and groups (migration 013): users, groups, membership, the
 * policies of both (attachments by policy ARN, so AWS-managed policies kept
 * in code attach as customer-managed ones do), and login profiles (scrypt
 * hashes, never a password).
 */
export interface IamUsersTable {
  /** AIDA…, never reused. */
  user_id: string;
  user_name: string;
  /** lower(user_name): IAM names are unique regardless of case. */
  name_key: string;
  path: string;
  arn: string;
  /** JSON array of {Key, Value}. */
  tags: string;
  created_at: number;
  password_last_used: number | null;
}

export interface IamGroupsTable {
  /** AGPA… */
  group_id: string;
  group_name: string;
  name_key: string;
  path: string;
  arn: string;
  created_at: number;
}

export interface IamGroupMembersTable {
  group_id: string;
  user_id: string;
  added_at: number;
}

export interface IamOwnerPolicyAttachmentsTable {
  /** The user's or group's id. */
  owner_id: string;
  policy_arn: string;
  attached_at: number;
}

export interface IamOwnerInlinePoliciesTable {
  owner_id: string;
  policy_name: string;
  document: string;
  updated_at: number;
}

export interface IamLoginProfilesTable {
  user_id: string;
  /** `scrypt$N$r$p$salt$hash` (base64), see src/iam/passwords.ts. */
  password_hash: string;
  password_reset_required: number;
  created_at: number;
  updated_at: number;
}

export interface IamUsersTables {
  iam_users: IamUsersTable;
  iam_groups: IamGroupsTable;
  iam_group_members: IamGroupMembersTable;
  iam_user_policy_attachments: IamOwnerPolicyAttachmentsTable;
  iam_group_policy_attachments: IamOwnerPolicyAttachmentsTable;
  iam_user_inline_policies: IamOwnerInlinePoliciesTable;
  iam_group_inline_policies: IamOwnerInlinePoliciesTable;
  iam_login_profiles: IamLoginProfilesTable;
  /** AWS-managed policies (arn:aws:iam::aws:policy/…) attached to roles; owner_id is the role id (migration 018). */
  iam_role_aws_policy_attachments: IamOwnerPolicyAttachmentsTable;
}
