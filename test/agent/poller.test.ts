import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_POLL_BACKOFF_MS, MIN_POLL_INTERVAL_MS, Poller, pollIntervalMs } from '../../src/agent/poller.js';
import { ManualTimer } from './manual-timer.js';

/** A scripted service: each poll reaches it or not, in order. */
function scripted(results: boolean[]) {
  const polls: number[] = [];
  return {
    polls,
    poll: async () => {
      polls.push(polls.length);
      return results[polls.length - 1] ?? true;
    },
  };
}

test('a poll at once, then one per interval ± 10 % jitter; the interval defaults to 60 s and is never under 5 s', async () => {
  assert.equal(pollIntervalMs(undefined), 60_000);
  assert.equal(pollIntervalMs(1_000), MIN_POLL_INTERVAL_MS);
  assert.equal(pollIntervalMs(30_000), 30_000);

  const timer = new ManualTimer();
  const service = scripted([]);
  let r = 0;
  const randoms = [0, 0.999, 0.5];
  const poller = new Poller({ poll: service.poll, timer, random: () => randoms[r++ % randoms.length]! });
  poller.start();
  await timer.scheduled();
  assert.equal(service.polls.length, 1, 'the first poll is immediate');
  for (let i = 0; i < 2; i++) await timer.fire();
  await timer.scheduled();
  assert.equal(service.polls.length, 3);
  assert.deepEqual(timer.waits, [54_000, 65_988, 60_000]);
  await poller.stop();
  assert.equal(timer.count, 0, 'stop cancels the next poll');
  assert.equal(poller.running, false);

  const fast = new Poller({ poll: service.poll, timer: new ManualTimer(), intervalMs: 100, random: () => 0 });
  assert.equal(fast.nextWait(true), MIN_POLL_INTERVAL_MS, 'a tiny interval still waits 5 s');
});

test('while polls fail: jittered exponential back-off, at least 5 s, at most 15 min; back to the interval after a success', async () => {
  const timer = new ManualTimer();
  const service = scripted([false, false, false, false, true, false]);
  const poller = new Poller({ poll: service.poll, timer, intervalMs: 60_000, random: () => 0.5 });
  poller.start();
  for (let i = 0; i < 6; i++) await timer.fire();
  await timer.scheduled();
  await poller.stop();
  // Full jitter at 0.5: half of 60 s, 120 s, 240 s, 480 s; then the interval; then back-off starts again.
  assert.deepEqual(timer.waits, [30_000, 60_000, 120_000, 240_000, 60_000, 30_000, 60_000]);
  const nothing = new Poller({ poll: service.poll, timer: new ManualTimer(), intervalMs: 60_000, random: () => 0 });
  assert.equal(nothing.nextWait(false), MIN_POLL_INTERVAL_MS, 'a zero jitter draw still waits 5 s');
  const capped = new Poller({ poll: service.poll, timer: new ManualTimer(), intervalMs: 60_000, random: () => 0.999999 });
  for (let i = 0; i < 20; i++) capped.nextWait(false);
  assert.ok(capped.nextWait(false) <= MAX_POLL_BACKOFF_MS);
});
