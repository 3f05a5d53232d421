import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateThingCommand, DescribeJobCommand, type Job } from '@aws-sdk/client-iot';
import { startTestServer } from '../helpers/server.js';
import { cli } from './helpers.js';
import { rolloutLine } from '../../src/cli/rollout-view.js';
import { counters } from '../../src/cli/ops/jobs.js';

const at = (ms: number) => new Date(ms).toISOString().slice(0, 16);

test('job create: --rate, --exponential, --abort, --retry, --start, --end, --end-behavior, --window become CreateJob\'s own shapes; bad ones are refused', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const d = ['--data-dir', s.dataDir];
  await s.iot().send(new CreateThingCommand({ thingName: 'miso_flags' }));
  const start = Math.ceil((s.clock.now() + 45 * 60_000) / 60_000) * 60_000;
  const base = ['job', 'create', 'flagged', '--targets', 'miso_flags', '--document', '{"op":"x"}'];
  const flags = [
    '--rate', '40',
    '--exponential', '5,2,succeeded:100',
    '--abort', 'FAILED:20:10',
    '--abort', 'ALL:50.5:3',
    '--timeout', '30',
    '--retry', 'FAILED:2',
    '--retry', 'TIMED_OUT:1',
    '--start', at(start),
    '--end', at(start + 3_600_000),
    '--end-behavior', 'CANCEL',
    '--window', 'cron(0 18 ? * MON-FRI *):60',
  ];
  const malformed = await cli([...base, '--abort', 'FAILED:20', ...d]);
  assert.equal(malformed.code, 2);
  assert.match(malformed.stderr, /expected TYPE:PERCENT:MIN/);
  const outOfRange = await cli([...base, '--exponential', '5,1.25,notified:100', ...d]);
  assert.equal(outOfRange.code, 1, 'the server refuses it, naming the field');
  assert.match(outOfRange.stderr, /exponentialRate\.incrementFactor 1\.25 is not valid/);

  const created = await cli([...base, ...flags, ...d]);
  assert.equal(created.code, 0, created.stderr);
  const job = (await s.iot().send(new DescribeJobCommand({ jobId: 'flagged' }))).job!;
  assert.deepEqual(job.jobExecutionsRolloutConfig, { maximumPerMinute: 40, exponentialRate: { baseRatePerMinute: 5, incrementFactor: 2, rateIncreaseCriteria: { numberOfSucceededThings: 100 } } });
  assert.deepEqual(job.abortConfig?.criteriaList, [
    { failureType: 'FAILED', action: 'CANCEL', thresholdPercentage: 20, minNumberOfExecutedThings: 10 },
    { failureType: 'ALL', action: 'CANCEL', thresholdPercentage: 50.5, minNumberOfExecutedThings: 3 },
  ]);
  assert.deepEqual(job.jobExecutionsRetryConfig?.criteriaList, [{ failureType: 'FAILED', numberOfRetries: 2 }, { failureType: 'TIMED_OUT', numberOfRetries: 1 }]);
  assert.deepEqual(job.schedulingConfig, { startTime: at(start), endTime: at(start + 3_600_000), endBehavior: 'CANCEL', maintenanceWindows: [{ startTime: 'cron(0 18 ? * MON-FRI *)', durationInMinutes: 60 }] });
  assert.equal(job.status, 'SCHEDULED');
});

test('job watch\'s rollout line: the rate now, the next window, how close an abort is', () => {
  const job = {
    status: 'IN_PROGRESS',
    jobExecutionsRolloutConfig: { maximumPerMinute: 40, exponentialRate: { baseRatePerMinute: 5, incrementFactor: 2, rateIncreaseCriteria: { numberOfSucceededThings: 4 } } },
    abortConfig: { criteriaList: [{ failureType: 'FAILED', action: 'CANCEL', thresholdPercentage: 20, minNumberOfExecutedThings: 10 }] },
    scheduledJobRollouts: [{ startTime: '2026-12-02T18:00' }],
    jobProcessDetails: { numberOfSucceededThings: 8, numberOfFailedThings: 0, numberOfQueuedThings: 20 },
  } as Job;
  // 8 succeeded: ×2 twice → 20 a minute; 0 of 8 failed: 2 more FAILED make 2 of 10 (20 %).
  assert.equal(rolloutLine(job, counters(job)), 'rate 20/min  ·  next window 2026-12-02T18:00 UTC  ·  2 more FAILED cancel this job');
  const paced = { status: 'IN_PROGRESS', jobExecutionsRolloutConfig: { maximumPerMinute: 10 } } as Job;
  assert.equal(rolloutLine(paced, counters(paced)), 'rate 10/min');
  assert.equal(rolloutLine({ status: 'COMPLETED', jobExecutionsRolloutConfig: { maximumPerMinute: 10 } } as Job, counters(undefined)), undefined, 'nothing once the job ended');
});
