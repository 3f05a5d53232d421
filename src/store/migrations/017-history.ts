import type { FerryMigration } from './types.js';

/**
 * Issue 22: the event history. Ids come from the engine's own sequence
 * (SQLite AUTOINCREMENT never reuses one; PostgreSQL's identity is shared by
 * every node), read by thing, by job and by time.
 */
export const historyMigration: FerryMigration = {
  name: '017-history',
  async up(db, dialect) {
    const idColumn = dialect === 'postgres' ? 'bigserial' : 'integer';
    await db.schema
      .createTable('history_events')
      .addColumn('id', idColumn, (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
      .addColumn('event_time', 'bigint', (c) => c.notNull())
      .addColumn('kind', 'varchar(64)', (c) => c.notNull())
      .addColumn('thing_name', 'varchar(128)')
      .addColumn('client_id', 'varchar(128)')
      .addColumn('job_id', 'varchar(64)')
      .addColumn('execution_number', 'bigint')
      .addColumn('details', 'text', (c) => c.notNull())
      .addColumn('node', 'varchar(256)', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('history_events_thing').on('history_events').columns(['thing_name', 'id']).execute();
    await db.schema.createIndex('history_events_job').on('history_events').columns(['job_id', 'id']).execute();
    await db.schema.createIndex('history_events_time').on('history_events').columns(['event_time']).execute();
    await db.schema
      .createTable('history_links')
      .addColumn('id', idColumn, (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
      .addColumn('signature_digest', 'varchar(64)', (c) => c.notNull())
      .addColumn('issued_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('thing_name', 'varchar(128)')
      .addColumn('job_id', 'varchar(64)')
      .addColumn('execution_number', 'bigint')
      .addColumn('bucket', 'varchar(63)', (c) => c.notNull())
      .addColumn('object_key', 'text', (c) => c.notNull())
      .addColumn('used_at', 'bigint')
      .execute();
    await db.schema.createIndex('history_links_digest').on('history_links').columns(['signature_digest']).execute();
    await db.schema.createIndex('history_links_issued').on('history_links').columns(['issued_at']).execute();
  },
};
