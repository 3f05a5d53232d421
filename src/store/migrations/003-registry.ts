import type { Kysely } from 'kysely';
import type { FerryMigration } from './types.js';

async function things(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('iot_things')
    .addColumn('thing_name', 'varchar(128)', (c) => c.primaryKey())
    .addColumn('thing_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('thing_type_name', 'varchar(128)')
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('modified_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('iot_things_type').on('iot_things').column('thing_type_name').execute();
  await db.schema
    .createTable('iot_thing_attributes')
    .addColumn('thing_name', 'varchar(128)', (c) => c.notNull())
    .addColumn('attr_name', 'varchar(128)', (c) => c.notNull())
    .addColumn('attr_value', 'varchar(800)', (c) => c.notNull())
    .addPrimaryKeyConstraint('iot_thing_attributes_pk', ['thing_name', 'attr_name'])
    .execute();
  await db.schema.createIndex('iot_thing_attributes_value').on('iot_thing_attributes').columns(['attr_name', 'attr_value']).execute();
  await db.schema
    .createTable('iot_thing_types')
    .addColumn('thing_type_name', 'varchar(128)', (c) => c.primaryKey())
    .addColumn('thing_type_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('searchable_attributes', 'text', (c) => c.notNull())
    .addColumn('deprecated', 'integer', (c) => c.notNull())
    .addColumn('deprecated_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
}

async function groups(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('iot_thing_groups')
    .addColumn('group_name', 'varchar(128)', (c) => c.primaryKey())
    .addColumn('group_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('parent_name', 'varchar(128)')
    .addColumn('root_name', 'varchar(128)', (c) => c.notNull())
    .addColumn('depth', 'integer', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('attributes', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('modified_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('iot_thing_groups_parent').on('iot_thing_groups').column('parent_name').execute();
  await db.schema
    .createTable('iot_thing_group_members')
    .addColumn('group_name', 'varchar(128)', (c) => c.notNull())
    .addColumn('thing_name', 'varchar(128)', (c) => c.notNull())
    .addColumn('added_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('iot_thing_group_members_pk', ['group_name', 'thing_name'])
    .execute();
  await db.schema.createIndex('iot_thing_group_members_thing').on('iot_thing_group_members').column('thing_name').execute();
}

async function certificates(db: Kysely<any>): Promise<void> {
  for (const table of ['iot_certificates', 'iot_ca_certificates']) {
    let builder = db.schema
      .createTable(table)
      .addColumn('certificate_id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('certificate_pem', 'text', (c) => c.notNull())
      .addColumn('status', 'varchar(32)', (c) => c.notNull())
      .addColumn('certificate_mode', 'varchar(16)', (c) => c.notNull())
      .addColumn('not_before', 'bigint', (c) => c.notNull())
      .addColumn('not_after', 'bigint', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('modified_at', 'bigint', (c) => c.notNull())
      .addColumn('generation_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('customer_version', 'integer', (c) => c.notNull());
    builder =
      table === 'iot_certificates'
        ? builder.addColumn('ca_certificate_id', 'varchar(64)')
        : builder.addColumn('auto_registration', 'varchar(16)', (c) => c.notNull()).addColumn('registration_config', 'text');
    await builder.execute();
    await db.schema.createIndex(`${table}_created`).on(table).columns(['created_at', 'certificate_id']).execute();
  }
  await db.schema.createIndex('iot_certificates_ca').on('iot_certificates').column('ca_certificate_id').execute();
}

async function principalsAndPolicies(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('iot_thing_principals')
    .addColumn('thing_name', 'varchar(128)', (c) => c.notNull())
    .addColumn('principal', 'varchar(2048)', (c) => c.notNull())
    .addColumn('principal_type', 'varchar(32)', (c) => c.notNull())
    .addColumn('attached_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('iot_thing_principals_pk', ['thing_name', 'principal'])
    .execute();
  await db.schema.createIndex('iot_thing_principals_principal').on('iot_thing_principals').column('principal').execute();
  await db.schema
    .createTable('iot_policies')
    .addColumn('policy_name', 'varchar(128)', (c) => c.primaryKey())
    .addColumn('default_version_id', 'integer', (c) => c.notNull())
    .addColumn('next_version_id', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('modified_at', 'bigint', (c) => c.notNull())
    .addColumn('generation_id', 'varchar(64)', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('iot_policy_versions')
    .addColumn('policy_name', 'varchar(128)', (c) => c.notNull())
    .addColumn('version_id', 'integer', (c) => c.notNull())
    .addColumn('document', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('iot_policy_versions_pk', ['policy_name', 'version_id'])
    .execute();
  await db.schema
    .createTable('iot_policy_targets')
    .addColumn('policy_name', 'varchar(128)', (c) => c.notNull())
    .addColumn('target', 'varchar(2048)', (c) => c.notNull())
    .addColumn('attached_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('iot_policy_targets_pk', ['policy_name', 'target'])
    .execute();
  await db.schema.createIndex('iot_policy_targets_target').on('iot_policy_targets').column('target').execute();
  await db.schema
    .createTable('iot_tags')
    .addColumn('resource_arn', 'varchar(2048)', (c) => c.notNull())
    .addColumn('tag_key', 'varchar(128)', (c) => c.notNull())
    .addColumn('tag_value', 'varchar(256)', (c) => c.notNull())
    .addPrimaryKeyConstraint('iot_tags_pk', ['resource_arn', 'tag_key'])
    .execute();
}

/** The registry tables (see ../tables/registry.ts). */
export const registryMigration: FerryMigration = {
  name: '003-registry',
  async up(db) {
    await things(db);
    await groups(db);
    await certificates(db);
    await principalsAndPolicies(db);
  },
};
