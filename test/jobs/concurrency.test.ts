/**
 * The account's job concurrency quota (AWS's "Active and concurrent job
 * limits"): jobs still rolling out count; one more is LimitExceededException
 * and nothing is created; a job that has rolled out frees its place; a
 * scheduled job reaching its startTime with the quota full is CANCELED.
 * The clock is moved, never slept on.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DescribeJobCommand, ListJobsCommand } from '@aws-sdk/client-iot';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { engines } from '../helpers/stores.js';
import { rejectsWith } from '../helpers/assert.js';
import { createJob, iotAtClock } from './helpers.js';
import { advanceTo, createThings, describeJob, MINUTE, names, tick } from './rollout-helpers.js';

const at = (ms: number) => new Date(ms).toISOString().slice(0, 16);

for (const { engine, skip } of engines()) describe(`the job concurrency quota [${engine}]`, { skip }, () => {
  let ts: TestServer;
  const things = names('quota_', 4);

  before(async () => {
    ts = await startTestServer({ engine, jobsTickMs: 3_600_000, maxConcurrentJobs: 2 });
    await createThings(ts, things);
  });
  after(() => ts.close());

  test('two rolling-out jobs fill a quota of two: a third is refused and not created, beside a job rolled out at once; a finished rollout frees its place', async () => {
    const paced = { jobExecutionsRolloutConfig: { maximumPerMinute: 1 } };
    await createJob(ts, { jobId: 'paced-1', things, document: '{}', ...paced });
    await createJob(ts, { jobId: 'paced-2', things, document: '{}', ...paced });
    for (const jobId of ['paced-1', 'paced-2']) assert.equal((await describeJob(ts, jobId)).isConcurrent, true);

    await rejectsWith(createJob(ts, { jobId: 'paced-3', things, document: '{}', ...paced }), 'LimitExceededException', 410, /concurrency limit/);
    await rejectsWith(iotAtClock(ts).send(new DescribeJobCommand({ jobId: 'paced-3' })), 'ResourceNotFoundException', 404);
    // A job with no rollout configuration has reached every thing when CreateJob answers: never concurrent, never refused.
    await createJob(ts, { jobId: 'at-once', things, document: '{}' });
    assert.equal((await describeJob(ts, 'at-once')).isConcurrent, false);

    // paced-1 and paced-2 reach their last things in the fourth minute: no longer concurrent.
    const start = ts.clock.now();
    for (let m = 1; m <= 3; m++) {
      advanceTo(ts, start + m * MINUTE + 1000);
      await tick(ts);
    }
    assert.equal((await describeJob(ts, 'paced-1')).isConcurrent, false);
    await createJob(ts, { jobId: 'paced-3', things, document: '{}', ...paced });
    assert.equal((await describeJob(ts, 'paced-3')).isConcurrent, true);
  });

  test('a scheduled job that reaches its startTime with the quota full is CANCELED; one with room starts', async () => {
    const paced = { jobExecutionsRolloutConfig: { maximumPerMinute: 1 } };
    const startMs = Math.ceil((ts.clock.now() + 40 * MINUTE) / MINUTE) * MINUTE;
    // paced-3 is rolling out; one place is free.
    await createJob(ts, { jobId: 'tonight-1', things, document: '{}', ...paced, schedulingConfig: { startTime: at(startMs) } });
    await createJob(ts, { jobId: 'tonight-2', things, document: '{}', ...paced, schedulingConfig: { startTime: at(startMs + 10 * MINUTE) } });
    advanceTo(ts, startMs);
    await tick(ts);
    assert.equal((await describeJob(ts, 'tonight-1')).status, 'IN_PROGRESS', 'room for one');
    advanceTo(ts, startMs + 10 * MINUTE);
    await tick(ts);
    const canceled = await describeJob(ts, 'tonight-2');
    assert.deepEqual([canceled.status, canceled.reasonCode], ['CANCELED', 'JOB_CONCURRENCY_LIMIT_EXCEEDED']);
    assert.match(canceled.comment ?? '', /concurrency limit \(2\)/);
    assert.equal(canceled.jobProcessDetails?.numberOfCanceledThings, things.length);
    const listed = await iotAtClock(ts).send(new ListJobsCommand({ status: 'CANCELED' }));
    assert.deepEqual(listed.jobs?.map((j) => j.jobId), ['tonight-2']);
  });
});
