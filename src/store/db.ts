import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { Kysely, Migrator, PostgresDialect, type Migration, type MigrationProvider } from 'kysely';
import type { Database } from './schema.js';
import { migrations } from './migrations/index.js';
import { QueuedSqliteDialect } from './sqlite-queue.js';
import { withStatementCache } from './sqlite-statements.js';
import type { SqlDialect } from './migrations/types.js';

export type { SqlDialect };

export interface Store {
  db: Kysely<Database>;
  dialect: SqlDialect;
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  /** Absent: SQLite at sqlitePath. `postgres://…`: PostgreSQL. */
  databaseUrl?: string | undefined;
  sqlitePath: string;
  /** PostgreSQL schema to use (tests use a fresh one per run). */
  pgSchema?: string;
}

// int8 (bigint) columns hold epoch milliseconds: read them as numbers, as SQLite does.
pg.types.setTypeParser(20, (v) => Number(v));

function openSqlite(path: string): Kysely<Database> {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const database = new BetterSqlite3(path);
  database.pragma('journal_mode = WAL');
  database.pragma('busy_timeout = 5000');
  database.pragma('foreign_keys = ON');
  // NORMAL is durable across process crashes in WAL mode (only an OS crash can lose the last commits).
  database.pragma('synchronous = NORMAL');
  return new Kysely<Database>({ dialect: new QueuedSqliteDialect({ database: withStatementCache(database) }) });
}

function openPostgres(url: string, schema?: string): Kysely<Database> {
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

export function dialectOf(databaseUrl: string | undefined): SqlDialect {
  if (!databaseUrl) return 'sqlite';
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) return 'postgres';
  throw new Error(`--database-url must be postgres://… (got ${databaseUrl.split(':')[0]}:…); leave it out for SQLite`);
}

/** Opens the database and brings its schema up to date. */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const dialect = dialectOf(options.databaseUrl);
  const db = dialect === 'sqlite' ? openSqlite(options.sqlitePath) : openPostgres(options.databaseUrl!, options.pgSchema);
  try {
    await migrate(db, dialect);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return { db, dialect, close: () => db.destroy() };
}

async function migrate(db: Kysely<Database>, dialect: SqlDialect): Promise<void> {
  const provider: MigrationProvider = {
    async getMigrations() {
      const out: Record<string, Migration> = {};
      for (const m of migrations) out[m.name] = { up: (d) => m.up(d, dialect) };
      return out;
    },
  };
  const migrator = new Migrator({ db, provider, migrationTableName: 'ferry_migrations', migrationLockTableName: 'ferry_migrations_lock' });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new Error(`database migration ${failed?.migrationName ?? ''} failed: ${String(error)}`, { cause: error });
  }
}
