import { test } from 'node:test';
import assert from 'node:assert/strict';
import { preview, retryPreview, schedulePreview } from '../../console/src/previews.js';

const steady = { perMinute: '', abortPercent: '', abortAfter: '', timeoutMinutes: '' };

test('the rollout preview: a steady rate, the abort rule and the timeout in the rollouts issue\'s words', () => {
  assert.equal(preview({ perMinute: '10', abortPercent: '20', abortAfter: '50', timeoutMinutes: '30' }), '10 devices a minute, stop if 20 % of the first 50 fail, each device has 30 minutes once it starts.');
  assert.equal(preview(steady), 'Every device at once, never stop on failures, no time limit once a device starts.');
  assert.equal(preview({ ...steady, perMinute: '1', timeoutMinutes: '1' }), '1 device a minute, never stop on failures, each device has 1 minute once it starts.');
});

test('the rollout preview of an exponential rate names its start, factor, criterion and ceiling (1000 a minute when none is given)', () => {
  assert.equal(
    preview({ ...steady, perMinute: '100', baseRate: '5', incrementFactor: '2', increaseEvery: '10', increaseOn: 'numberOfNotifiedThings' }),
    'Start at 5 devices a minute, ×2 each time 10 more devices are notified, up to 100 a minute, never stop on failures, no time limit once a device starts.',
  );
  assert.equal(
    preview({ ...steady, baseRate: '1', incrementFactor: '1.5', increaseEvery: '1', increaseOn: 'numberOfSucceededThings' }),
    'Start at 1 device a minute, ×1.5 each time 1 more device succeeds, up to 1000 a minute, never stop on failures, no time limit once a device starts.',
  );
});

test('the retry preview: failed and timed-out retries, one of them, or none', () => {
  assert.equal(retryPreview({ failedRetries: '2', timedOutRetries: '1' }), 'A failed device is tried again up to 2 times; a timed-out one up to 1 time.');
  assert.equal(retryPreview({ failedRetries: '3', timedOutRetries: '' }), 'A failed device is tried again up to 3 times.');
  assert.equal(retryPreview({ failedRetries: '0', timedOutRetries: '1' }), 'A timed-out device is tried again up to 1 time.');
  assert.equal(retryPreview({ failedRetries: '', timedOutRetries: '0' }), 'A device that fails or times out is not tried again.');
});

test('the scheduling preview: start, end with each end behavior, and a maintenance window', () => {
  const none = { startTime: '', endTime: '', endBehavior: '' as const, windowCron: '', windowMinutes: '' };
  assert.equal(schedulePreview(none), 'Starts when created.');
  assert.equal(
    schedulePreview({ startTime: '2026-12-04T10:00', endTime: '2026-12-05T10:00', endBehavior: '', windowCron: 'cron(0 22 ? * MON-FRI *)', windowMinutes: '60' }),
    'Starts at 2026-12-04 10:00 UTC; at 2026-12-05 10:00 UTC no more devices are notified (those notified may finish); devices are notified only during cron(0 22 ? * MON-FRI *), for 60 minutes each time.',
  );
  assert.equal(schedulePreview({ ...none, endTime: '2026-12-05T10:00', endBehavior: 'CANCEL' }), 'Starts when created; at 2026-12-05 10:00 UTC the job is cancelled (devices already running may finish).');
  assert.equal(schedulePreview({ ...none, endTime: '2026-12-05T10:00', endBehavior: 'FORCE_CANCEL' }), 'Starts when created; at 2026-12-05 10:00 UTC the job is cancelled, running devices too.');
});
