import type { FerryMigration } from './types.js';

/** Web console sessions (see ../tables/console.ts), shared by the nodes of a cluster and kept across restarts. */
export const consoleSessionsMigration: FerryMigration = {
  name: '016-console-sessions',
  async up(db) {
    await db.schema
      .createTable('console_sessions')
      .addColumn('id_digest', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('credential_key_id', 'varchar(32)', (c) => c.notNull().unique())
      .addColumn('credential_secret', 'text', (c) => c.notNull())
      .addColumn('credential_token', 'text', (c) => c.notNull())
      .addColumn('identity_kind', 'varchar(16)', (c) => c.notNull())
      .addColumn('principal_arn', 'varchar(2048)', (c) => c.notNull())
      .addColumn('user_id', 'varchar(128)')
      .addColumn('sign_in_key_id', 'varchar(128)')
      .addColumn('sign_in_method', 'varchar(16)', (c) => c.notNull())
      .addColumn('password_change_required', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('last_used_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('idle_ms', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('console_sessions_user').on('console_sessions').column('user_id').execute();
    await db.schema.createIndex('console_sessions_sign_in_key').on('console_sessions').column('sign_in_key_id').execute();
    await db.schema.createIndex('console_sessions_expires').on('console_sessions').column('expires_at').execute();
  },
};
