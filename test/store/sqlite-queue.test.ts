import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHook } from 'node:async_hooks';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, sql, type DatabaseConnection, type Driver, type Generated } from 'kysely';
import { QueuedDriver, QueuedSqliteDialect } from '../../src/store/sqlite-queue.js';

interface Tables {
  t: { id: Generated<number>; n: number };
}

function open(): Kysely<Tables> {
  const raw = new BetterSqlite3(':memory:');
  raw.exec('create table t (id integer primary key, n integer not null)');
  raw.exec('insert into t (n) values (0)');
  return new Kysely<Tables>({ dialect: new QueuedSqliteDialect({ database: raw }) });
}

/** Promises created while `work` runs (async_hooks sees every one). */
async function promisesDuring(work: () => Promise<unknown>): Promise<number> {
  let created = 0;
  const hook = createHook({ init: (_id, type) => void (type === 'PROMISE' && (created += 1)) }).enable();
  try {
    await work();
  } finally {
    hook.disable();
  }
  return created;
}

test('a thousand queries waiting for the one connection cost a bounded number of wake-ups each, not one per waiter', async () => {
  const db = open();
  const run = (n: number) => Promise.all(Array.from({ length: n }, (_, i) => db.selectFrom('t').select(sql<number>`${i}`.as('i')).executeTakeFirstOrThrow()));
  await run(10);
  const results = await run(1000);
  assert.deepEqual(results.map((r) => r.i), Array.from({ length: 1000 }, (_, i) => i));
  // Kysely's own mutex wakes every waiter on each release: about 500 promises per query at this depth.
  const perQuery = (await promisesDuring(() => run(1000))) / 1000;
  assert.ok(perQuery < 50, `${perQuery} promises per query`);
  await db.destroy();
});

test('transactions still hold the connection to themselves: concurrent read-modify-write transactions lose no update', async () => {
  const db = open();
  await Promise.all(
    Array.from({ length: 200 }, () =>
      db.transaction().execute(async (trx) => {
        const { n } = await trx.selectFrom('t').select('n').where('id', '=', 1).executeTakeFirstOrThrow();
        await new Promise((resolve) => setImmediate(resolve));
        await trx.updateTable('t').set({ n: n + 1 }).where('id', '=', 1).execute();
      }),
    ),
  );
  assert.equal((await db.selectFrom('t').select('n').executeTakeFirstOrThrow()).n, 200);
  // A failing transaction rolls back and hands the connection on.
  await assert.rejects(
    db.transaction().execute(async (trx) => {
      await trx.updateTable('t').set({ n: -1 }).execute();
      throw new Error('no');
    }),
    /no/,
  );
  assert.equal((await db.selectFrom('t').select('n').executeTakeFirstOrThrow()).n, 200);
  await db.destroy();
});

test('the inner driver is asked for the connection by one holder at a time, in the order asked; a failed acquisition hands it on', async () => {
  const order: number[] = [];
  let holders = 0;
  let failNext = false;
  const connection = {} as DatabaseConnection;
  const inner = {
    init: async () => {},
    acquireConnection: async () => {
      if (failNext) {
        failNext = false;
        throw new Error('acquire failed');
      }
      holders += 1;
      assert.equal(holders, 1, 'never two holders at the inner driver');
      return connection;
    },
    releaseConnection: async () => {
      holders -= 1;
    },
  } as unknown as Driver;
  const driver = new QueuedDriver(inner);
  const use = async (i: number) => {
    const c = await driver.acquireConnection();
    order.push(i);
    await new Promise((resolve) => setImmediate(resolve));
    await driver.releaseConnection(c);
  };
  await Promise.all([0, 1, 2, 3, 4].map(use));
  assert.deepEqual(order, [0, 1, 2, 3, 4]);
  failNext = true;
  await assert.rejects(driver.acquireConnection(), /acquire failed/);
  await use(5);
  assert.deepEqual(order, [0, 1, 2, 3, 4, 5]);
});
