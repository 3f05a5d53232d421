import { test } from 'node:test';
import assert from 'node:assert/strict';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, sql, type Generated } from 'kysely';
import { withStatementCache } from '../../src/store/sqlite-statements.js';

function open() {
  const raw = new BetterSqlite3(':memory:');
  raw.exec('create table t (id integer primary key, v text)');
  let prepared = 0;
  const counting = new Proxy(raw, {
    get(target, key) {
      if (key === 'prepare') return (text: string) => ((prepared += 1), target.prepare(text));
      const value = Reflect.get(target, key) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { raw, cached: withStatementCache(counting), prepared: () => prepared };
}

test('the same SQL text is prepared once and reused with new parameters', () => {
  const { cached, prepared } = open();
  for (let i = 0; i < 5; i++) cached.prepare('insert into t (v) values (?)').run([`v${i}`]);
  assert.equal(prepared(), 1);
  assert.deepEqual(cached.prepare('select v from t where id = ?').all([3]), [{ v: 'v2' }]);
  assert.deepEqual(cached.prepare('select v from t where id = ?').all([5]), [{ v: 'v4' }]);
  assert.equal(prepared(), 2);
});

test('a statement still being iterated is not handed out again: a fresh one is prepared', () => {
  const { cached, prepared } = open();
  for (let i = 0; i < 3; i++) cached.prepare('insert into t (v) values (?)').run([`v${i}`]);
  const outer = cached.prepare('select v from t order by id').iterate([]);
  const first = outer.next();
  assert.deepEqual(first.value, { v: 'v0' });
  // The cached statement is busy with `outer`; the same text still runs.
  assert.equal(cached.prepare('select v from t order by id').all([]).length, 3);
  assert.equal(prepared(), 3);
  assert.deepEqual([...outer], [{ v: 'v1' }, { v: 'v2' }]);
});

test('at most `max` texts are kept, oldest out first', () => {
  const { raw } = open();
  const small = withStatementCache(raw, 2);
  const a = small.prepare('select 1');
  small.prepare('select 2');
  assert.equal(small.prepare('select 1'), a);
  small.prepare('select 3');
  assert.notEqual(small.prepare('select 1'), a, 'select 1 was the oldest and went out');
});

test('through Kysely: queries, transactions and a rolled-back failure behave as without the cache', async () => {
  const { raw } = open();
  const db = new Kysely<{ t: { id: Generated<number>; v: string } }>({ dialect: new SqliteDialect({ database: withStatementCache(raw) }) });
  for (let i = 0; i < 3; i++) await db.insertInto('t').values({ v: `k${i}` }).execute();
  await assert.rejects(
    db.transaction().execute(async (trx) => {
      await trx.insertInto('t').values({ v: 'rolled back' }).execute();
      throw new Error('fail');
    }),
  );
  const rows = await db.selectFrom('t').select('v').orderBy('id').execute();
  assert.deepEqual(rows.map((r) => r.v), ['k0', 'k1', 'k2']);
  const { rows: counted } = await sql<{ n: number }>`select count(*) as n from t`.execute(db);
  assert.equal(counted[0]!.n, 3);
  await db.destroy();
});
