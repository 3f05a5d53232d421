import type { FerryMigration } from './types.js';

/**
 * Dynamic thing groups (issue 18): a thing group with a fleet-indexing query
 * keeps it and its evaluation status on its row; its members are rows of
 * iot_thing_group_members like a static group's. The fleet-indexing
 * configuration is a ferry_settings row.
 */
export const fleetMigration: FerryMigration = {
  name: '010-fleet',
  async up(db) {
    await db.schema.alterTable('iot_thing_groups').addColumn('query_string', 'text').execute();
    await db.schema.alterTable('iot_thing_groups').addColumn('query_version', 'varchar(32)').execute();
    await db.schema.alterTable('iot_thing_groups').addColumn('index_name', 'varchar(128)').execute();
    await db.schema.alterTable('iot_thing_groups').addColumn('dynamic_status', 'varchar(16)').execute();
  },
};
