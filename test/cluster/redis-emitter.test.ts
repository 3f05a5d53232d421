import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { RedisEmitter } from '../../src/cluster/redis-emitter.js';
import { connectRedis } from '../../src/cluster/redis.js';
import { clusterSkipReason, REDIS_URL } from './helpers.js';

const skip = clusterSkipReason();

test('the emitter drains a queue of 20,000 local messages whose listener completes at once without deep recursion, in order, at most `concurrency` in flight', { skip }, async (t) => {
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
  const topic = 'fleet/burst';
  const seen: number[] = [];
  let maxInFlight = 0;
  // The first 100 messages are held (all slots busy); the rest queue. Once released, every listener call completes at once.
  const held: Array<() => void> = [];
  await new Promise<void>((resolve) =>
    emitter.on(
      topic,
      (packet, done) => {
        seen.push(Number(String(packet.payload)));
        maxInFlight = Math.max(maxInFlight, emitter.current);
        if (held.length < 100 && seen.length <= 100) held.push(done);
        else done();
      },
      () => resolve(),
    ),
  );
  const total = 20_000;
  let completed = 0;
  for (let i = 0; i < total; i++) emitter.emit({ cmd: 'publish', topic, payload: Buffer.from(String(i)), qos: 0, retain: false, dup: false } as never, () => completed++);
  assert.equal(seen.length, 100, 'only `concurrency` messages start while every slot is held');
  for (const done of held.splice(0)) done(); // with mqemitter's own queue this recursed once per queued message: RangeError
  assert.equal(completed, total);
  assert.deepEqual(seen, Array.from({ length: total }, (_, i) => i), 'each once, in order');
  assert.ok(maxInFlight <= 100, `at most 100 in flight (saw ${maxInFlight})`);
  assert.equal(emitter.current, 0);
});
