import type { FerryMigration } from './types.js';

/** Pending certificate rotations (see ../tables/registry.ts IotCertificateRotationsTable). */
export const certificateRotationsMigration: FerryMigration = {
  name: '008-certificate-rotations',
  async up(db) {
    await db.schema
      .createTable('iot_certificate_rotations')
      .addColumn('old_certificate_id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('new_certificate_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('thing_name', 'varchar(128)', (c) => c.notNull())
      .addColumn('requested_at', 'bigint', (c) => c.notNull())
      .addColumn('retire_at', 'bigint', (c) => c.notNull())
      .addColumn('new_seen_at', 'bigint')
      .addColumn('timer_owner', 'varchar(64)')
      .addColumn('timer_lease_until', 'bigint')
      .execute();
    await db.schema.createIndex('iot_certificate_rotations_new').on('iot_certificate_rotations').column('new_certificate_id').execute();
    await db.schema.createIndex('iot_certificate_rotations_retire_at').on('iot_certificate_rotations').column('retire_at').execute();
  },
};
