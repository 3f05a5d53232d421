import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ListThingsCommand } from '@aws-sdk/client-iot';
import { sql } from 'kysely';
import pg from 'pg';
import { clusterSkipReason, REDIS_URL, tcpRelay } from './helpers.js';
import { pgTestSchema } from '../helpers/postgres.js';
import { startTestServer } from '../helpers/server.js';
import { rawRequest } from '../helpers/http.js';
import { rejectsWith, eventually } from '../helpers/assert.js';

const skip = clusterSkipReason();

test('/healthz and /readyz on the api and device listeners; /readyz unready while PostgreSQL is away, ready again after; calls answer 503 meanwhile', { skip }, async (t) => {
  const schema = await pgTestSchema();
  const relay = await tcpRelay(new URL(schema.url));
  const s = await startTestServer({ pg: { url: relay.url(schema.url), schema: schema.schema }, redisUrl: REDIS_URL! });
  t.after(async () => {
    await s.close();
    relay.close();
    await schema.drop();
  });
  const get = (url: string) => rawRequest({ url, ca: s.ca });
  for (const base of [s.endpoints.endpoints.iot, s.endpoints.endpoints.iotJobsData]) {
    const alive = await get(`${base}/healthz`);
    assert.equal(alive.status, 200);
    const ready = await get(`${base}/readyz`);
    assert.equal(ready.status, 200, ready.body);
    assert.deepEqual(JSON.parse(ready.body), { status: 'ready', checks: { database: true, redis: true, schema: true, listeners: true } });
  }
  relay.stop();
  const down = await get(`${s.endpoints.endpoints.iot}/readyz`);
  assert.equal(down.status, 503);
  assert.equal(JSON.parse(down.body).checks.database, false);
  assert.equal((await get(`${s.endpoints.endpoints.iot}/healthz`)).status, 200, 'alive all the same');
  await rejectsWith(s.iot().send(new ListThingsCommand({})), 'ServiceUnavailableException', 503);
  await relay.start();
  await eventually(async () => (await get(`${s.endpoints.endpoints.iot}/readyz`)).status === 200, 'ready again', 15_000);
  await s.iot().send(new ListThingsCommand({}));
});

test('/readyz stays ready and the heartbeat is recorded while every pooled database connection is busy; ListThings waits for one meanwhile', { skip }, async (t) => {
  const schema = await pgTestSchema();
  const s = await startTestServer({ pg: { url: schema.url, schema: schema.schema }, redisUrl: REDIS_URL! });
  const holder = new pg.Client({ connectionString: schema.url });
  await holder.connect();
  t.after(async () => {
    await holder.end().catch(() => undefined);
    await s.close();
    await schema.drop();
  });
  const get = (url: string) => rawRequest({ url, ca: s.ca });
  // Every one of the pool's ten connections waits on an advisory lock this client holds: the pool is busy, the database is there.
  const key = 0x7e570000 + Math.floor(Math.random() * 0xffff);
  await holder.query('select pg_advisory_lock($1)', [key]);
  const busy = Array.from({ length: 12 }, () => sql`select pg_advisory_lock(${key}), pg_advisory_unlock(${key})`.execute(s.server.ctx.store.db));
  await eventually(async () => {
    const { rows } = await holder.query<{ n: string }>("select count(*) as n from pg_locks where locktype = 'advisory' and objid = $1 and objsubid = 1 and not granted", [key]);
    return Number(rows[0]!.n) >= 10;
  }, 'the pool is busy');
  let listed = false;
  const listing = s
    .iot()
    .send(new ListThingsCommand({}))
    .then(() => (listed = true));
  const ready = await get(`${s.endpoints.endpoints.iot}/readyz`);
  assert.equal(ready.status, 200, ready.body);
  assert.deepEqual(JSON.parse(ready.body).checks, { database: true, redis: true, schema: true, listeners: true });
  assert.equal(listed, false, 'the API call is still queued behind the busy pool');
  // The node's heartbeat is not queued either: behind the pool it came 30 s late and the other nodes declared it dead.
  s.clock.advance(60_000);
  const movedTo = s.clock.now();
  await s.server.ctx.cluster.nodes.record();
  const { rows } = await holder.query<{ heartbeat_at: string }>(`select heartbeat_at from "${schema.schema}".cluster_nodes where node_id = $1`, [s.server.ctx.cluster.nodeId]);
  assert.ok(Number(rows[0]!.heartbeat_at) >= movedTo, 'the heartbeat recorded by the moved clock');
  assert.equal(listed, false, 'the API call is still queued behind the busy pool');
  await holder.query('select pg_advisory_unlock($1)', [key]);
  await Promise.all(busy);
  await listing;
  assert.equal(listed, true);
});
