import { sql, type ColumnDefinitionBuilder, type Kysely } from 'kysely';
import type { FerryMigration, SqlDialect } from './types.js';

/**
 * S3 lists keys in UTF-8 byte order. SQLite's default BINARY collation is
 * that order; PostgreSQL needs collation "C" (its default follows the locale).
 */
const byteOrdered =
  (dialect: SqlDialect) =>
  (c: ColumnDefinitionBuilder): ColumnDefinitionBuilder =>
    dialect === 'postgres' ? c.notNull().modifyEnd(sql`collate "C"`) : c.notNull();

async function buckets(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('s3_buckets')
    .addColumn('name', 'varchar(63)', (c) => c.primaryKey())
    .addColumn('region', 'varchar(64)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
}

async function objects(db: Kysely<any>, dialect: SqlDialect): Promise<void> {
  await db.schema
    .createTable('s3_objects')
    .addColumn('bucket', 'varchar(63)', (c) => c.notNull().references('s3_buckets.name'))
    .addColumn('key', 'varchar(1024)', byteOrdered(dialect))
    .addColumn('version_id', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('blob_id', 'varchar(64)')
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('etag', 'varchar(64)', (c) => c.notNull())
    .addColumn('attributes', 'text', (c) => c.notNull())
    .addColumn('checksum_algorithm', 'varchar(16)')
    .addColumn('checksum_value', 'varchar(128)')
    .addColumn('checksum_type', 'varchar(16)')
    .addColumn('parts_count', 'integer')
    .addColumn('last_modified', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('s3_objects_pk', ['bucket', 'key'])
    .execute();
  await db.schema.createIndex('s3_objects_blob').on('s3_objects').column('blob_id').execute();
  await db.schema
    .createTable('s3_object_segments')
    .addColumn('version_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('part_number', 'integer', (c) => c.notNull())
    .addColumn('blob_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('start_offset', 'bigint', (c) => c.notNull())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('s3_object_segments_pk', ['version_id', 'part_number'])
    .execute();
  await db.schema.createIndex('s3_object_segments_blob').on('s3_object_segments').column('blob_id').execute();
}

async function uploads(db: Kysely<any>, dialect: SqlDialect): Promise<void> {
  await db.schema
    .createTable('s3_uploads')
    .addColumn('upload_id', 'varchar(128)', (c) => c.primaryKey())
    .addColumn('bucket', 'varchar(63)', (c) => c.notNull().references('s3_buckets.name'))
    .addColumn('key', 'varchar(1024)', byteOrdered(dialect))
    .addColumn('attributes', 'text', (c) => c.notNull())
    .addColumn('checksum_algorithm', 'varchar(16)')
    .addColumn('checksum_type', 'varchar(16)')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('s3_uploads_key').on('s3_uploads').columns(['bucket', 'key', 'upload_id']).execute();
  await db.schema.createIndex('s3_uploads_created').on('s3_uploads').column('created_at').execute();
  await db.schema
    .createTable('s3_parts')
    .addColumn('upload_id', 'varchar(128)', (c) => c.notNull())
    .addColumn('part_number', 'integer', (c) => c.notNull())
    .addColumn('blob_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('etag', 'varchar(64)', (c) => c.notNull())
    .addColumn('checksum_algorithm', 'varchar(16)')
    .addColumn('checksum_value', 'varchar(128)')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('s3_parts_pk', ['upload_id', 'part_number'])
    .execute();
  await db.schema.createIndex('s3_parts_blob').on('s3_parts').column('blob_id').execute();
}

async function trash(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('s3_blob_trash')
    .addColumn('blob_id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('bucket', 'varchar(63)')
    .addColumn('key', 'varchar(1024)')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
}

/** The objects tables (see ../tables/objects.ts). */
export const objectsMigration: FerryMigration = {
  name: '002-objects',
  async up(db, dialect) {
    await buckets(db);
    await objects(db, dialect);
    await uploads(db, dialect);
    await trash(db);
  },
};
