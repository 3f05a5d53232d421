import type { FerryMigration } from './types.js';

/** Persistent MQTT sessions (see ../tables/mqtt.ts): their expiry, and on one node their subscriptions and queues. */
export const mqttSessionsMigration: FerryMigration = {
  name: '015-mqtt-sessions',
  async up(db) {
    await db.schema
      .createTable('mqtt_sessions')
      .addColumn('client_id', 'varchar(128)', (c) => c.primaryKey())
      .addColumn('disconnected_at', 'bigint')
      .execute();
    await db.schema.createIndex('mqtt_sessions_disconnected').on('mqtt_sessions').column('disconnected_at').execute();
    await db.schema
      .createTable('mqtt_session_subscriptions')
      .addColumn('client_id', 'varchar(128)', (c) => c.notNull())
      .addColumn('topic', 'varchar(1024)', (c) => c.notNull())
      .addColumn('qos', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('mqtt_session_subscriptions_pk', ['client_id', 'topic'])
      .execute();
    await db.schema
      .createTable('mqtt_session_messages')
      .addColumn('client_id', 'varchar(128)', (c) => c.notNull())
      .addColumn('broker_id', 'varchar(128)', (c) => c.notNull())
      .addColumn('broker_counter', 'bigint', (c) => c.notNull())
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addColumn('topic', 'varchar(1024)', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('qos', 'integer', (c) => c.notNull())
      .addColumn('message_id', 'integer')
      .addPrimaryKeyConstraint('mqtt_session_messages_pk', ['client_id', 'broker_id', 'broker_counter'])
      .execute();
  },
};
