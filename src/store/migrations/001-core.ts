import type { FerryMigration } from './types.js';

export const coreMigration: FerryMigration = {
  name: '001-core',
  async up(db) {
    await db.schema
      .createTable('ferry_settings')
      .addColumn('name', 'varchar(200)', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('access_keys')
      .addColumn('access_key_id', 'varchar(128)', (c) => c.primaryKey())
      .addColumn('secret_access_key', 'varchar(128)', (c) => c.notNull())
      .addColumn('kind', 'varchar(32)', (c) => c.notNull())
      .addColumn('principal_arn', 'varchar(2048)', (c) => c.notNull())
      .addColumn('role_arn', 'varchar(2048)')
      .addColumn('session_token', 'text')
      .addColumn('session_context', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint')
      .execute();
    await db.schema.createIndex('access_keys_expires_at').on('access_keys').column('expires_at').execute();
  },
};
