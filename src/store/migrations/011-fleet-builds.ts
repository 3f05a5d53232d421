import { sql } from 'kysely';
import type { FerryMigration } from './types.js';

/**
 * A dynamic thing group's whole-fleet evaluation as stored, leased work
 * (src/fleet/builds.ts): when it became due, which node holds it and until
 * when, and the last thing (in name order) it has evaluated, so a node that
 * takes over after the holder died resumes there instead of starting again.
 * Builds a crash interrupted before this migration are due at once.
 */
export const fleetBuildsMigration: FerryMigration = {
  name: '011-fleet-builds',
  async up(db) {
    await db.schema.alterTable('iot_thing_groups').addColumn('build_due', 'bigint').execute();
    await db.schema.alterTable('iot_thing_groups').addColumn('build_owner', 'varchar(64)').execute();
    await db.schema.alterTable('iot_thing_groups').addColumn('build_lease_until', 'bigint').execute();
    await db.schema.alterTable('iot_thing_groups').addColumn('build_after', 'varchar(128)').execute();
    await db.schema.createIndex('iot_thing_groups_build_due').on('iot_thing_groups').column('build_due').execute();
    await sql`update iot_thing_groups set build_due = 0 where dynamic_status in ('BUILDING', 'REBUILDING')`.execute(db);
  },
};
