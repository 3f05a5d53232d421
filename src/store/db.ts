import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { Kysely, Migrator, sql, type CompiledQuery, type KyselyConfig, type Migration, type MigrationProvider, type QueryResult } from 'kysely';
import type { Database } from './schema.js';
import { migrations } from './migrations/index.js';
import { QueuedSqliteDialect } from './sqlite-queue.js';
import { ThisSchemaPostgresDialect } from './pg-introspector.js';
import { withStatementCache } from './sqlite-statements.js';
import type { SqlDialect } from './migrations/types.js';

export type { SqlDialect };

export interface Store {
  db: Kysely<Database>;
  dialect: SqlDialect;
  /** The migrations this start applied (none when another node or an earlier start had). */
  applied: string[];
  /** Undefined when the schema is exactly what this code knows; else why not (readiness checks it, on the health connection). */
  schemaProblem(): Promise<string | undefined>;
  /** Resolves when the database answers, asked on the health connection (never behind the busy pool's queue). */
  ping(): Promise<void>;
  /**
   * Runs one small query beside the pool, on the health connection (SQLite: as any other): for
   * the cluster's heartbeat, which must not wait behind a busy pool's queue or the node looks dead.
   */
  urgent<R>(query: CompiledQuery<R>): Promise<QueryResult<R>>;
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  /** Absent: SQLite at sqlitePath. `postgres://…`: PostgreSQL. */
  databaseUrl?: string | undefined;
  sqlitePath: string;
  /** PostgreSQL schema to use (tests use a fresh one per run). */
  pgSchema?: string;
  /**
   * Work that must happen once per database, by whichever node gets there
   * first (creating the account, the CA…): run after the migrations while the
   * initialisation lock is held, so nodes starting together see one another's.
   */
  initialise?: (db: Kysely<Database>) => Promise<void>;
  /** Told each query's duration (metrics). */
  onQuery?: (durationMs: number) => void;
}

// int8 (bigint) columns hold epoch milliseconds: read them as numbers, as SQLite does.
pg.types.setTypeParser(20, (v) => Number(v));

function openSqlite(path: string, log: KyselyConfig['log']): Kysely<Database> {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const database = new BetterSqlite3(path);
  database.pragma('journal_mode = WAL');
  database.pragma('busy_timeout = 5000');
  database.pragma('foreign_keys = ON');
  // NORMAL is durable across process crashes in WAL mode (only an OS crash can lose the last commits).
  database.pragma('synchronous = NORMAL');
  return new Kysely<Database>({ dialect: new QueuedSqliteDialect({ database: withStatementCache(database) }), ...(log ? { log } : {}) });
}

/** Opening a connection gives up after this: PostgreSQL away, requests get their protocol's "unavailable". */
const CONNECT_TIMEOUT_MS = 5000;
/**
 * Waiting for one of the pool's connections may take longer: under a burst
 * (a 2,000-device job's start-next requests at once) every connection is busy
 * and requests queue. pg-pool bounds the wait and the connect with one setting;
 * at 5 s the queue's tail was refused with InternalError although the database
 * was there.
 */
const POOL_WAIT_MS = 30_000;

class BoundedConnectClient extends pg.Client {
  constructor(config: pg.ClientConfig) {
    super({ ...config, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  }
}

function openPostgres(url: string, schema: string | undefined, log: KyselyConfig['log']): Kysely<Database> {
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    // Nothing waits forever on a database that is away, nor refuses work because the pool is busy.
    connectionTimeoutMillis: POOL_WAIT_MS,
    Client: BoundedConnectClient as unknown as typeof pg.Client,
    keepAlive: true,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // An idle connection dropped by a restarting PostgreSQL must not take the process down; the pool replaces it.
  pool.on('error', () => {});
  return new Kysely<Database>({ dialect: new ThisSchemaPostgresDialect({ pool }), ...(log ? { log } : {}) });
}

export function dialectOf(databaseUrl: string | undefined): SqlDialect {
  if (!databaseUrl) return 'sqlite';
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) return 'postgres';
  throw new Error(`--database-url must be postgres://… (got ${databaseUrl.split(':')[0]}:…); leave it out for SQLite`);
}

/** Opens the database and brings its schema up to date, one node at a time. */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const dialect = dialectOf(options.databaseUrl);
  const onQuery = options.onQuery;
  const log: KyselyConfig['log'] = onQuery ? (event) => onQuery(event.queryDurationMillis) : undefined;
  const db = dialect === 'sqlite' ? openSqlite(options.sqlitePath, log) : openPostgres(options.databaseUrl!, options.pgSchema, log);
  let applied: string[] = [];
  try {
    const unlock = dialect === 'postgres' ? await initialisationLock(options.databaseUrl!, options.pgSchema) : async () => {};
    try {
      await refuseNewerSchema(db);
      applied = await migrate(db, dialect);
      await options.initialise?.(db);
    } finally {
      await unlock();
    }
  } catch (error) {
    await db.destroy();
    throw error;
  }
  // PostgreSQL: readiness asks on a connection of its own. Through the pool, a node whose ten connections
  // are all busy (a job's burst of device requests) queued its health check behind them and looked
  // unready to the balancer, which then sent its devices elsewhere while it was only busy.
  const health = dialect === 'postgres' ? new HealthConnection(options.databaseUrl!, options.pgSchema) : undefined;
  return {
    db,
    dialect,
    applied,
    schemaProblem: async () => problemOf(health ? await health.migrationNames() : await appliedMigrations(db)),
    ping: async () => (health ? health.ping() : void (await sql`select 1`.execute(db))),
    urgent: (query) => (health ? health.execute(query) : db.executeQuery(query)),
    close: async () => {
      await health?.close();
      await db.destroy();
    },
  };
}

const HEALTH_QUERY_TIMEOUT_MS = 2000;

/** One PostgreSQL connection for health checks, opened when asked and dropped (to be opened again) when it fails. */
class HealthConnection {
  private client: Promise<pg.Client> | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly url: string,
    private readonly schema: string | undefined,
  ) {}

  async ping(): Promise<void> {
    await this.query('select 1');
  }

  async execute<R>(query: CompiledQuery<R>): Promise<QueryResult<R>> {
    const result = await this.run<R & pg.QueryResultRow>(query.sql, query.parameters);
    return { rows: result.rows, ...(result.rowCount !== null ? { numAffectedRows: BigInt(result.rowCount) } : {}) };
  }

  /** The applied migrations' names; undefined on a database without the table. */
  async migrationNames(): Promise<string[] | undefined> {
    try {
      return (await this.query<{ name: string }>('select name from ferry_migrations order by name')).map((r) => r.name);
    } catch (error) {
      if ((error as { code?: string }).code === '42P01') return undefined; // no migrations table yet
      throw error;
    }
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client) await (await client.catch(() => undefined))?.end().catch(() => undefined);
  }

  private async query<R extends pg.QueryResultRow>(text: string): Promise<R[]> {
    return (await this.run<R>(text)).rows;
  }

  /** One query at a time on the one client (a heartbeat and a readiness check may ask together; pg 9 will refuse overlapping queries). */
  private run<R extends pg.QueryResultRow>(text: string, values?: readonly unknown[]): Promise<pg.QueryResult<R>> {
    const result = this.queue.then(() => this.runNow<R>(text, values));
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async runNow<R extends pg.QueryResultRow>(text: string, values?: readonly unknown[]): Promise<pg.QueryResult<R>> {
    const client = await this.connected();
    let timer: NodeJS.Timeout | undefined;
    // A connection that stopped answering (a partition, not a reset) is dropped, so the next check opens another.
    const silent = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.drop(client);
        reject(new Error(`the database did not answer the health check within ${HEALTH_QUERY_TIMEOUT_MS} ms`));
      }, HEALTH_QUERY_TIMEOUT_MS);
      timer.unref();
    });
    try {
      return await Promise.race([client.query<R>(text, values as unknown[] | undefined), silent]);
    } catch (error) {
      // A connection that failed is not used again; a query error on a live one (42P01) keeps it.
      if (!(error as { code?: string }).code) this.drop(client);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  private connected(): Promise<pg.Client> {
    if (!this.client) {
      const client = new BoundedConnectClient({ connectionString: this.url, keepAlive: true, ...(this.schema ? { options: `-c search_path=${this.schema}` } : {}) });
      client.on('error', () => this.drop(client));
      const ready = client.connect().then(() => client);
      ready.catch(() => this.drop(client));
      this.client = ready;
    }
    return this.client;
  }

  private drop(client: pg.Client): void {
    void this.client?.then(
      (current) => {
        if (current === client) this.client = undefined;
      },
      () => (this.client = undefined),
    );
    void client.end().catch(() => undefined);
  }
}

/**
 * PostgreSQL: a session advisory lock, on a connection of its own, held
 * while migrating and initialising. Nodes starting together on a fresh
 * database wait in turn; the first migrates, the others find it done
 * (Kysely's own migration lock table cannot be created by two at once).
 * The key names the schema, so tests in separate schemas do not wait on each other.
 */
async function initialisationLock(url: string, schema: string | undefined): Promise<() => Promise<void>> {
  const client = new pg.Client({ connectionString: url, ...(schema ? { options: `-c search_path=${schema}` } : {}) });
  await client.connect();
  try {
    await client.query(LOCK_INIT, [INIT_LOCK_CLASS, schema ?? 'public']);
  } catch (error) {
    await client.end();
    throw error;
  }
  return async () => {
    await client.query(UNLOCK_INIT, [INIT_LOCK_CLASS, schema ?? 'public']).catch(() => undefined);
    await client.end();
  };
}

/** The first key of Ferry's advisory locks (the second names what is locked). */
export const INIT_LOCK_CLASS = 0x0fe7;

/**
 * The schema the connection really uses names the lock — the search_path of
 * --database-url's `options` as much as a test's pgSchema — so Ferrys in
 * different schemas of one database never wait on (or stand in for) each other.
 */
export const SCHEMA_KEY = 'coalesce(current_schema(), $2::text)';
const LOCK_INIT = `SELECT pg_advisory_lock($1, hashtext(${SCHEMA_KEY}))`;
const UNLOCK_INIT = `SELECT pg_advisory_unlock($1, hashtext(${SCHEMA_KEY}))`;

async function appliedMigrations(db: Kysely<Database>): Promise<string[] | undefined> {
  try {
    const { rows } = await sql<{ name: string }>`select name from ferry_migrations order by name`.execute(db);
    return rows.map((r) => r.name);
  } catch {
    return undefined; // a fresh database: no migrations table yet
  }
}

async function schemaProblem(db: Kysely<Database>): Promise<string | undefined> {
  return problemOf(await appliedMigrations(db));
}

function problemOf(names: string[] | undefined): string | undefined {
  const known = new Set(migrations.map((m) => m.name));
  const unknown = (names ?? []).filter((n) => !known.has(n));
  if (unknown.length > 0) {
    return `the database schema is newer than this Ferry: it has migration${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}, which this version does not know (it knows up to ${migrations[migrations.length - 1]!.name}). Run the Ferry version that upgraded the database, or a newer one`;
  }
  const missing = migrations.filter((m) => !(names ?? []).includes(m.name));
  if (missing.length > 0) return `the database schema lacks migration${missing.length > 1 ? 's' : ''} ${missing.map((m) => m.name).join(', ')}`;
  return undefined;
}

/** A node whose code is older than the schema must not write to it. */
async function refuseNewerSchema(db: Kysely<Database>): Promise<void> {
  const problem = await schemaProblem(db);
  if (problem?.startsWith('the database schema is newer')) throw new Error(problem);
}

async function migrate(db: Kysely<Database>, dialect: SqlDialect): Promise<string[]> {
  const provider: MigrationProvider = {
    async getMigrations() {
      const out: Record<string, Migration> = {};
      for (const m of migrations) out[m.name] = { up: (d) => m.up(d, dialect) };
      return out;
    },
  };
  // Kysely looks for its tables in every schema unless told which: another schema's (another
  // Ferry's, a test's) would pass for this one's.
  const schema = dialect === 'postgres' ? (await sql<{ s: string }>`select current_schema() as s`.execute(db)).rows[0]?.s : undefined;
  const migrator = new Migrator({
    db,
    provider,
    migrationTableName: 'ferry_migrations',
    migrationLockTableName: 'ferry_migrations_lock',
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new Error(`database migration ${failed?.migrationName ?? ''} failed: ${String(error)}`, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
