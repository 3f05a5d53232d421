import type { FerryMigration } from './types.js';

/** The cluster tables (see ../tables/cluster.ts) and the timers' lease columns. */
export const clusterMigration: FerryMigration = {
  name: '007-cluster',
  async up(db) {
    await db.schema
      .createTable('cluster_nodes')
      .addColumn('node_id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('node_name', 'varchar(200)', (c) => c.notNull())
      .addColumn('started_at', 'bigint', (c) => c.notNull())
      .addColumn('heartbeat_at', 'bigint', (c) => c.notNull())
      .addColumn('connections', 'integer', (c) => c.notNull())
      .addColumn('addresses', 'text', (c) => c.notNull())
      .execute();
    await db.schema.alterTable('job_executions').addColumn('timer_owner', 'varchar(64)').execute();
    await db.schema.alterTable('job_executions').addColumn('timer_lease_until', 'bigint').execute();
    await db.schema
      .createTable('tls_ticket_keys')
      .addColumn('key_id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('sealed_key', 'text', (c) => c.notNull())
      .addColumn('active_from', 'bigint', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
  },
};
