import { test } from 'node:test';
import assert from 'node:assert/strict';
import { abortDistance, rolloutState } from '../../src/jobs/rollout-state.js';
import type { PacerInput } from '../../src/jobs/rollout.js';

const T0 = Date.UTC(2026, 11, 3, 12, 0, 0);
const NONE = { SUCCEEDED: 0, FAILED: 0, REJECTED: 0, TIMED_OUT: 0 };
const base: PacerInput = { rollout: { maximumPerMinute: 10 }, awaiting: 25, notified: 0, succeeded: 0, beganAtMs: T0, minuteStart: null, minuteCount: 0 };

test('a constant rate: devices due now, then the next minute once this one is spent; the next window moves with the clock', () => {
  const fresh = rolloutState({ ...base, attempts: NONE }, T0 + 5_000);
  assert.equal(fresh.rateKind, 'constant');
  assert.equal(fresh.ratePerMinute, 10);
  assert.equal(fresh.nextNotifyAtMs, T0 + 5_000, 'due now');
  const spent = rolloutState({ ...base, awaiting: 15, notified: 10, minuteStart: T0, minuteCount: 10, attempts: NONE }, T0 + 5_000);
  assert.equal(spent.nextNotifyAtMs, T0 + 60_000);
  assert.equal(spent.leftThisMinute, 0);
  const later = rolloutState({ ...base, awaiting: 5, notified: 20, minuteStart: T0 + 60_000, minuteCount: 10, attempts: NONE }, T0 + 61_000);
  assert.equal(later.nextNotifyAtMs, T0 + 120_000);
  const done = rolloutState({ ...base, awaiting: 0, notified: 25, attempts: NONE }, T0 + 200_000);
  assert.equal(done.nextNotifyAtMs, undefined, 'nobody waiting');
});

test('an exponential rate rises with the things notified; no rollout config is unlimited', () => {
  const rollout = { maximumPerMinute: 100, exponentialRate: { baseRatePerMinute: 5, incrementFactor: 2, rateIncreaseCriteria: { numberOfNotifiedThings: 10 } } };
  assert.equal(rolloutState({ ...base, rollout, attempts: NONE }, T0).ratePerMinute, 5);
  const risen = rolloutState({ ...base, rollout, notified: 20, attempts: NONE }, T0);
  assert.equal(risen.rateKind, 'exponential');
  assert.equal(risen.ratePerMinute, 20);
  const unlimited = rolloutState({ ...base, rollout: undefined, attempts: NONE }, T0);
  assert.deepEqual([unlimited.rateKind, unlimited.ratePerMinute, unlimited.leftThisMinute, unlimited.nextNotifyAtMs], ['unlimited', null, null, T0]);
});

test('the distance to an abort criterion: failures so far, and how many more cancel the job; a 100 % threshold fires only when every ended execution failed', () => {
  const criterion = { failureType: 'FAILED' as const, action: 'CANCEL' as const, thresholdPercentage: 20, minNumberOfExecutedThings: 1 };
  // 3 of 50 ended failed: (3 + x) / (50 + x) >= 20 % at x = 9.
  const d = abortDistance(criterion, { ...NONE, SUCCEEDED: 47, FAILED: 3 });
  assert.deepEqual([d.failures, d.ended, d.moreToAbort], [3, 50, 9]);
  assert.equal(abortDistance(criterion, { ...NONE, SUCCEEDED: 4, FAILED: 1 }).moreToAbort, 0, 'met');
  assert.equal(abortDistance({ ...criterion, thresholdPercentage: 100 }, { ...NONE, SUCCEEDED: 1, FAILED: 1 }).moreToAbort, null);
  const all = abortDistance({ ...criterion, failureType: 'ALL' }, { ...NONE, SUCCEEDED: 5, FAILED: 1, REJECTED: 1, TIMED_OUT: 1 });
  assert.equal(all.failures, 3);
  const state = rolloutState({ ...base, abortCriteria: [criterion], attempts: { ...NONE, SUCCEEDED: 47, FAILED: 3 } }, T0);
  assert.equal(state.abort[0]!.moreToAbort, 9);
});
