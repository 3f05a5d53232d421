import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TokenBucket } from '../../src/mqtt/token-bucket.js';
import { ConnectRate } from '../../src/mqtt/connect-rate.js';

const clockAt = (start = 1_000_000) => {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
};

test('a token bucket holds one second of its rate, refills with the clock, and never holds more', () => {
  const clock = clockAt();
  const bucket = new TokenBucket(clock, 100);
  for (let i = 0; i < 100; i++) assert.equal(bucket.take(), true);
  assert.equal(bucket.take(), false);
  clock.advance(10);
  assert.equal(bucket.take(), true, 'one token back after a hundredth of a second');
  assert.equal(bucket.take(), false);
  clock.advance(60_000);
  assert.equal(bucket.full, true);
  for (let i = 0; i < 100; i++) assert.equal(bucket.take(), true);
  assert.equal(bucket.take(), false, 'a long quiet spell does not bank more than a second');
  assert.equal(bucket.take(0), true);
  clock.advance(1000);
  assert.equal(bucket.take(101), false, 'a request larger than the rate never fits');
  assert.equal(bucket.take(100), true);
});

test('CONNECTs are counted per client id', () => {
  const clock = clockAt();
  const rate = new ConnectRate(clock, 1);
  assert.equal(rate.admit('a'), true);
  assert.equal(rate.admit('a'), false);
  assert.equal(rate.admit('b'), true);
  clock.advance(999);
  assert.equal(rate.admit('a'), false);
  clock.advance(1);
  assert.equal(rate.admit('a'), true);
});
