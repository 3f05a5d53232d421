import type { FerryMigration } from './types.js';

/**
 * AWS-managed policies attached to roles. They live in code
 * (src/iam/aws-managed-policies.ts), not in iam_policies, so a role's
 * attachment of one is kept by ARN, as users' and groups' are (migration 013).
 */
export const roleAwsManagedPoliciesMigration: FerryMigration = {
  name: '018-role-aws-managed-policies',
  async up(db) {
    await db.schema
      .createTable('iam_role_aws_policy_attachments')
      .addColumn('owner_id', 'varchar(32)', (c) => c.notNull())
      .addColumn('policy_arn', 'varchar(2048)', (c) => c.notNull())
      .addColumn('attached_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('iam_role_aws_policy_attachments_pk', ['owner_id', 'policy_arn'])
      .execute();
  },
};
