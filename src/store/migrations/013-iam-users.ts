import type { Kysely } from 'kysely';
import type { FerryMigration } from './types.js';

async function principals(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('iam_users')
    .addColumn('user_id', 'varchar(32)', (c) => c.primaryKey())
    .addColumn('user_name', 'varchar(64)', (c) => c.notNull())
    .addColumn('name_key', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('path', 'varchar(512)', (c) => c.notNull())
    .addColumn('arn', 'varchar(2048)', (c) => c.notNull().unique())
    .addColumn('tags', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('password_last_used', 'bigint')
    .execute();
  await db.schema
    .createTable('iam_groups')
    .addColumn('group_id', 'varchar(32)', (c) => c.primaryKey())
    .addColumn('group_name', 'varchar(128)', (c) => c.notNull())
    .addColumn('name_key', 'varchar(128)', (c) => c.notNull().unique())
    .addColumn('path', 'varchar(512)', (c) => c.notNull())
    .addColumn('arn', 'varchar(2048)', (c) => c.notNull().unique())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('iam_group_members')
    .addColumn('group_id', 'varchar(32)', (c) => c.notNull().references('iam_groups.group_id'))
    .addColumn('user_id', 'varchar(32)', (c) => c.notNull().references('iam_users.user_id'))
    .addColumn('added_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('iam_group_members_pk', ['group_id', 'user_id'])
    .execute();
  await db.schema.createIndex('iam_group_members_user').on('iam_group_members').column('user_id').execute();
}

/** Policies of users and groups: attachments name the policy by ARN, so AWS-managed ones (kept in code) attach too. */
async function identityPolicies(db: Kysely<any>): Promise<void> {
  for (const owner of ['user', 'group'] as const) {
    await db.schema
      .createTable(`iam_${owner}_policy_attachments`)
      .addColumn('owner_id', 'varchar(32)', (c) => c.notNull())
      .addColumn('policy_arn', 'varchar(2048)', (c) => c.notNull())
      .addColumn('attached_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint(`iam_${owner}_policy_attachments_pk`, ['owner_id', 'policy_arn'])
      .execute();
    await db.schema.createIndex(`iam_${owner}_policy_attachments_arn`).on(`iam_${owner}_policy_attachments`).column('policy_arn').execute();
    await db.schema
      .createTable(`iam_${owner}_inline_policies`)
      .addColumn('owner_id', 'varchar(32)', (c) => c.notNull())
      .addColumn('policy_name', 'varchar(128)', (c) => c.notNull())
      .addColumn('document', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint(`iam_${owner}_inline_policies_pk`, ['owner_id', 'policy_name'])
      .execute();
  }
}

async function loginProfiles(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('iam_login_profiles')
    .addColumn('user_id', 'varchar(32)', (c) => c.primaryKey())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('password_reset_required', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}

/**
 * IAM users and groups (issue 20): users, groups and membership, their
 * managed and inline policies, login profiles; users' access keys live in
 * access_keys beside the root key, with a status and their last use.
 * Secrets in access_keys are sealed under the KEK from now on (the server
 * seals any older plaintext row at start).
 */
export const iamUsersMigration: FerryMigration = {
  name: '013-iam-users',
  async up(db) {
    await principals(db);
    await identityPolicies(db);
    await loginProfiles(db);
    await db.schema.alterTable('access_keys').addColumn('user_id', 'varchar(32)').execute();
    await db.schema.alterTable('access_keys').addColumn('status', 'varchar(16)').execute();
    await db.schema.alterTable('access_keys').addColumn('last_used_at', 'bigint').execute();
    await db.schema.alterTable('access_keys').addColumn('last_used_service', 'varchar(64)').execute();
    await db.schema.alterTable('access_keys').addColumn('last_used_region', 'varchar(64)').execute();
    await db.schema.createIndex('access_keys_user').on('access_keys').column('user_id').execute();
  },
};
