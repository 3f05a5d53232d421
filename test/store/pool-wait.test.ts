import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { openStore } from '../../src/store/db.js';
import { pgSkipReason, pgTestSchema } from '../helpers/postgres.js';

const skip = pgSkipReason();

/**
 * A burst that keeps every pooled connection busy for longer than the connect
 * time-out (5 s) queues the rest; they run once a connection is free, instead of
 * failing with pg-pool's "timeout exceeded when trying to connect" (the bench's
 * 2,000-device job on a cluster saw most start-next requests rejected so).
 */
test('PostgreSQL: a query queued behind a busy pool for longer than the connect time-out still runs', { skip }, async () => {
  const schema = await pgTestSchema();
  const store = await openStore({ databaseUrl: schema.url, sqlitePath: '', pgSchema: schema.schema });
  try {
    const busy = Array.from({ length: 10 }, () => sql`select pg_sleep(6)`.execute(store.db));
    const queued = sql<{ one: number }>`select 1 as one`.execute(store.db);
    const [result] = await Promise.all([queued, ...busy]);
    assert.equal(result.rows[0]?.one, 1);
  } finally {
    await store.close();
    await schema.drop();
  }
});
