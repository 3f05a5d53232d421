import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { PostgresIntrospector, sql } from 'kysely';
import { openStore } from '../../src/store/db.js';
import { PG_URL, pgSkipReason, pgTestSchema } from '../helpers/postgres.js';

const skip = pgSkipReason();

/**
 * The flake `schema "ferry_test_…" does not exist` (a node starting while
 * another test dropped its own schema): Kysely's migrator asks its
 * introspector whether the migration tables exist, and Kysely's PostgreSQL
 * introspector reads every table of every schema, calling
 * pg_get_serial_sequence() and has_schema_privilege() by schema name — a
 * schema dropped after the query's snapshot was taken fails those calls. The
 * race is made certain here: a REPEATABLE READ snapshot taken before another
 * schema's drop commits.
 */
test('the store’s introspection (the migrator’s) reads its own schema only: another schema dropped under its snapshot does not fail it, as it fails Kysely’s own', { skip }, async () => {
  const other = await pgTestSchema();
  const mine = await pgTestSchema();
  const store = await openStore({ databaseUrl: mine.url, sqlitePath: '', pgSchema: mine.schema });
  const dropper = new pg.Client({ connectionString: PG_URL });
  await dropper.connect();
  try {
    await dropper.query(`create table ${other.schema}.things (id serial primary key, name text)`);
    await assert.rejects(
      store.db.transaction().setIsolationLevel('repeatable read').execute(async (trx) => {
        await sql`select 1`.execute(trx);
        await dropper.query(`drop schema ${other.schema} cascade`);
        await new PostgresIntrospector(trx).getTables({ withInternalKyselyTables: true });
      }),
      new RegExp(`schema "${other.schema}" does not exist`),
      'Kysely’s own introspector trips over it',
    );
    await dropper.query(`create schema ${other.schema}; create table ${other.schema}.things (id serial primary key, name text)`);
    await store.db.transaction().setIsolationLevel('repeatable read').execute(async (trx) => {
      await sql`select 1`.execute(trx);
      await dropper.query(`drop schema ${other.schema} cascade`);
      const tables = await trx.introspection.getTables({ withInternalKyselyTables: true });
      assert.deepEqual([...new Set(tables.map((t) => t.schema))], [mine.schema], 'this schema only');
      const migrations = tables.find((t) => t.name === 'ferry_migrations');
      assert.ok(migrations, 'the migration table is found');
      assert.ok(migrations.columns.some((c) => c.name === 'name' && !c.isNullable));
      assert.ok(!(await trx.introspection.getTables()).some((t) => t.name === 'kysely_migration'));
    });
    // A second start on the migrated schema finds the migration tables through it.
    const again = await openStore({ databaseUrl: mine.url, sqlitePath: '', pgSchema: mine.schema });
    assert.deepEqual(again.applied, []);
    await again.close();
  } finally {
    await dropper.end();
    await store.close();
    await mine.drop();
    await other.drop();
  }
});
