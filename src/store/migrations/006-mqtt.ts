import type { FerryMigration } from './types.js';

/** The mqtt tables (see ../tables/mqtt.ts). */
export const mqttMigration: FerryMigration = {
  name: '006-mqtt',
  async up(db) {
    await db.schema
      .createTable('mqtt_connectivity')
      .addColumn('client_id', 'varchar(128)', (c) => c.primaryKey())
      .addColumn('thing_name', 'varchar(128)')
      .addColumn('connected', 'integer', (c) => c.notNull())
      .addColumn('session_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('principal_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('ip_address', 'varchar(64)')
      .addColumn('node_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('version_number', 'bigint', (c) => c.notNull())
      .addColumn('connected_at', 'bigint', (c) => c.notNull())
      .addColumn('disconnected_at', 'bigint')
      .addColumn('disconnect_reason', 'varchar(64)')
      .execute();
    await db.schema.createIndex('mqtt_connectivity_thing').on('mqtt_connectivity').column('thing_name').execute();
    await db.schema.createIndex('mqtt_connectivity_node').on('mqtt_connectivity').columns(['node_id', 'connected']).execute();
  },
};
