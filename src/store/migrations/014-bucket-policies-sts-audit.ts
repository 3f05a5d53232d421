import type { FerryMigration } from './types.js';

/**
 * Issue 20 (operators): S3 bucket policies and Block Public Access settings
 * per bucket; what an STS session carries besides its role (session
 * policies, source identity, the user it was made for); the audit log.
 */
export const bucketPoliciesStsAuditMigration: FerryMigration = {
  name: '014-bucket-policies-sts-audit',
  async up(db) {
    await db.schema
      .createTable('s3_bucket_policies')
      .addColumn('bucket', 'varchar(63)', (c) => c.primaryKey().references('s3_buckets.name'))
      .addColumn('policy', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('s3_public_access_blocks')
      .addColumn('bucket', 'varchar(63)', (c) => c.primaryKey().references('s3_buckets.name'))
      .addColumn('block_public_acls', 'integer', (c) => c.notNull())
      .addColumn('ignore_public_acls', 'integer', (c) => c.notNull())
      .addColumn('block_public_policy', 'integer', (c) => c.notNull())
      .addColumn('restrict_public_buckets', 'integer', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    // STS sessions: the session policy (inline and managed statements as one document) narrows the role; the source identity is carried along.
    await db.schema.alterTable('access_keys').addColumn('session_policy', 'text').execute();
    await db.schema.alterTable('access_keys').addColumn('source_identity', 'varchar(64)').execute();
    await db.schema
      .createTable('audit_events')
      .addColumn('event_id', 'varchar(40)', (c) => c.primaryKey())
      .addColumn('event_time', 'bigint', (c) => c.notNull())
      .addColumn('event_source', 'varchar(64)', (c) => c.notNull())
      .addColumn('event_name', 'varchar(128)', (c) => c.notNull())
      .addColumn('read_only', 'integer', (c) => c.notNull())
      .addColumn('user_type', 'varchar(32)', (c) => c.notNull())
      .addColumn('user_arn', 'varchar(2048)', (c) => c.notNull())
      .addColumn('username', 'varchar(128)')
      .addColumn('access_key_id', 'varchar(128)')
      .addColumn('source_ip', 'varchar(64)')
      .addColumn('user_agent', 'text')
      .addColumn('request_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('resources', 'text', (c) => c.notNull())
      .addColumn('decision', 'varchar(16)', (c) => c.notNull())
      .addColumn('decided_by', 'text')
      .addColumn('error_code', 'varchar(128)')
      .addColumn('error_message', 'text')
      .addColumn('status', 'integer', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('audit_events_time').on('audit_events').columns(['event_time', 'event_id']).execute();
  },
};
