import { test } from 'node:test';
import pino from 'pino';
import { RedisEmitter } from '../../src/cluster/redis-emitter.js';
import { connectRedis } from '../../src/cluster/redis.js';
import { clusterSkipReason, REDIS_URL } from './helpers.js';
import { assertBurstDrains } from '../helpers/emitter-burst.js';

const skip = clusterSkipReason();

test('the cluster emitter drains a queue of 20,000 local messages whose listener completes at once without deep recursion, in order, at most `concurrency` in flight', { skip }, async (t) => {
  const logger = pino({ level: 'silent' });
  const pub = connectRedis(REDIS_URL!, { name: 'emitter-test-pub', logger, offlineQueue: false });
  const sub = connectRedis(REDIS_URL!, { name: 'emitter-test-sub', logger });
  await Promise.all([pub.connect(), sub.connect()]);
  const emitter = new RedisEmitter({ nodeId: 'n1', pub, sub, prefix: `ferry:emitter-test-${process.pid}:`, logger, concurrency: 100 });
  t.after(() => {
    emitter.close();
    pub.disconnect();
    sub.disconnect();
  });
  await assertBurstDrains(emitter);
});
