import type { Kysely } from 'kysely';
import type { FerryMigration } from './types.js';

async function roles(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('iam_roles')
    .addColumn('role_id', 'varchar(32)', (c) => c.primaryKey())
    .addColumn('role_name', 'varchar(64)', (c) => c.notNull())
    .addColumn('name_key', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('path', 'varchar(512)', (c) => c.notNull())
    .addColumn('arn', 'varchar(2048)', (c) => c.notNull().unique())
    .addColumn('description', 'varchar(1000)')
    .addColumn('trust_policy', 'text', (c) => c.notNull())
    .addColumn('max_session_duration', 'integer', (c) => c.notNull())
    .addColumn('tags', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('iam_role_inline_policies')
    .addColumn('role_id', 'varchar(32)', (c) => c.notNull().references('iam_roles.role_id'))
    .addColumn('policy_name', 'varchar(128)', (c) => c.notNull())
    .addColumn('document', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('iam_role_inline_policies_pk', ['role_id', 'policy_name'])
    .execute();
}

async function policies(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('iam_policies')
    .addColumn('policy_id', 'varchar(32)', (c) => c.primaryKey())
    .addColumn('policy_name', 'varchar(128)', (c) => c.notNull())
    .addColumn('name_key', 'varchar(128)', (c) => c.notNull().unique())
    .addColumn('path', 'varchar(512)', (c) => c.notNull())
    .addColumn('arn', 'varchar(2048)', (c) => c.notNull().unique())
    .addColumn('description', 'varchar(1000)')
    .addColumn('default_version_id', 'varchar(32)', (c) => c.notNull())
    .addColumn('next_version', 'integer', (c) => c.notNull())
    .addColumn('tags', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('iam_policy_versions')
    .addColumn('policy_id', 'varchar(32)', (c) => c.notNull().references('iam_policies.policy_id').onDelete('cascade'))
    .addColumn('version_id', 'varchar(32)', (c) => c.notNull())
    .addColumn('document', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('iam_policy_versions_pk', ['policy_id', 'version_id'])
    .execute();
  // No cascades: a role or policy with attachments is refused deletion (DeleteConflict), and the keys keep it so.
  await db.schema
    .createTable('iam_role_policy_attachments')
    .addColumn('role_id', 'varchar(32)', (c) => c.notNull().references('iam_roles.role_id'))
    .addColumn('policy_id', 'varchar(32)', (c) => c.notNull().references('iam_policies.policy_id'))
    .addColumn('attached_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('iam_role_policy_attachments_pk', ['role_id', 'policy_id'])
    .execute();
  await db.schema.createIndex('iam_role_policy_attachments_policy').on('iam_role_policy_attachments').column('policy_id').execute();
}

async function roleAliases(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('iam_role_aliases')
    .addColumn('role_alias', 'varchar(128)', (c) => c.primaryKey())
    .addColumn('role_arn', 'varchar(2048)', (c) => c.notNull())
    .addColumn('credential_duration_seconds', 'integer', (c) => c.notNull())
    .addColumn('tags', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}

/** The iam tables (see ../tables/iam.ts). */
export const iamMigration: FerryMigration = {
  name: '004-iam',
  async up(db) {
    await roles(db);
    await policies(db);
    await roleAliases(db);
  },
};
