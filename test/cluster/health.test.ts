import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ListThingsCommand } from '@aws-sdk/client-iot';
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
