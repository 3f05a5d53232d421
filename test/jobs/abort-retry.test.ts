/**
 * abortConfig and jobExecutionsRetryConfig (aws-wire-protocols.md §9), with
 * real devices over MQTT; timeouts fire by moving the clock.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DescribeJobExecutionCommand, ListJobExecutionsForJobCommand } from '@aws-sdk/client-iot';
import type { TestServer } from '../helpers/server.js';
import { pgSkipReason } from '../helpers/postgres.js';
import { refusal } from '../api/iot-jobs-data/helpers.js';
import { createJob, iotAtClock, JobsDevice } from './helpers.js';
import { describeJob, MINUTE, names, fleetServer, tick } from './rollout-helpers.js';

for (const engine of ['sqlite', 'postgres'] as const) {
  describe(`jobs abort and retry [${engine}]`, { skip: engine === 'postgres' ? pgSkipReason() : false }, () => {
    let ts: TestServer;
    let connect: (thingNames: string[]) => Promise<JobsDevice[]>;
    let close: () => Promise<void>;

    before(async () => {
      ({ ts, connect, close } = await fleetServer(engine, [...names('miso_a', 14), ...names('miso_n', 10), ...names('miso_y', 6)]));
    });
    after(() => close());
    const run = async (d: JobsDevice, jobId: string, status: 'SUCCEEDED' | 'FAILED' | 'REJECTED') => {
      assert.equal((await d.accepted('start-next')).execution.jobId, jobId);
      return d.accepted(`${jobId}/update`, { status });
    };
    const abort20 = { criteriaList: [{ failureType: 'FAILED' as const, action: 'CANCEL' as const, thresholdPercentage: 20, minNumberOfExecutedThings: 10 }] };

    test('abort at 20 % FAILED after 10 things: 1 of 10 failed goes on', async () => {
      const group = names('miso_n', 10);
      const devices = await connect(group);
      await createJob(ts, { jobId: 'steady', things: group, document: '{}', abortConfig: abort20 });
      for (const d of devices.slice(0, 9)) await run(d, 'steady', 'SUCCEEDED');
      await run(devices[9]!, 'steady', 'FAILED');
      const job = await describeJob(ts, 'steady');
      assert.deepEqual([job.status, job.reasonCode, job.jobProcessDetails?.numberOfFailedThings], ['COMPLETED', undefined, 1]);
      assert.deepEqual(job.abortConfig, abort20);
    });

    test('abort at 20 % FAILED after 10 things: 2 of 10 failed cancels the job with the reason; queued executions canceled and their devices told, an in-progress one reports its result, a pending retry dropped', async () => {
      const group = names('miso_a', 14);
      const devices = await connect(group);
      const [running, ...rest] = devices as [JobsDevice, ...JobsDevice[]];
      await createJob(ts, { jobId: 'bad-image', things: group, document: '{}', abortConfig: abort20, jobExecutionsRetryConfig: { criteriaList: [{ failureType: 'FAILED', numberOfRetries: 2 }] } });
      await ts.server.ctx.services.jobs.settled();
      assert.equal((await running.accepted('start-next')).execution.jobId, 'bad-image');
      for (const d of rest.slice(0, 8)) await run(d, 'bad-image', 'SUCCEEDED');
      // 1 of 9 ended FAILED (11 %): the job goes on, and the failed thing's retry is queued.
      const firstFailure = rest[8]!;
      await run(firstFailure, 'bad-image', 'FAILED');
      assert.equal((await describeJob(ts, 'bad-image')).status, 'IN_PROGRESS');
      const retry = (await firstFailure.accepted('get')).queuedJobs[0];
      assert.deepEqual([retry.jobId, retry.executionNumber], ['bad-image', 2]);

      // 2 of 10 (20 %): canceled.
      const queuedDevices = rest.slice(10);
      for (const d of queuedDevices) d.inbox.all.length = 0;
      await run(rest[9]!, 'bad-image', 'FAILED');
      const job = await describeJob(ts, 'bad-image');
      assert.equal(job.status, 'CANCELED');
      assert.equal(job.reasonCode, 'ABORT_CRITERIA_MET');
      assert.match(job.comment!, /2 of 10 ended executions FAILED \(20\.00% >= thresholdPercentage 20\) with 14 things notified \(minNumberOfExecutedThings 10\)/);
      assert.deepEqual(
        [job.jobProcessDetails?.numberOfSucceededThings, job.jobProcessDetails?.numberOfFailedThings, job.jobProcessDetails?.numberOfCanceledThings, job.jobProcessDetails?.numberOfInProgressThings],
        [8, 0, 5, 1],
        'the two failed things\' retries and the three queued things canceled; one still in progress',
      );
      await ts.server.ctx.services.jobs.settled();
      for (const d of queuedDevices) assert.deepEqual((await d.next('notify')).jobs, {}, 'a queued device is told its job is gone');
      assert.deepEqual((await firstFailure.accepted('get')).queuedJobs, [], 'the pending retry was dropped');
      const dropped = (await iotAtClock(ts).send(new DescribeJobExecutionCommand({ jobId: 'bad-image', thingName: firstFailure.thingName }))).execution!;
      assert.deepEqual([dropped.status, dropped.executionNumber], ['CANCELED', 2]);
      const finished = await running.accepted('bad-image/update', { status: 'SUCCEEDED', includeJobExecutionState: true });
      assert.equal(finished.executionState.status, 'SUCCEEDED', 'the in-progress execution still reports its result');
      assert.equal((await describeJob(ts, 'bad-image')).jobProcessDetails?.numberOfSucceededThings, 9);
    });

    test('retries: fail once then succeed → SUCCEEDED with retryAttempt 1 on a new executionNumber; retries exhausted → FAILED', async () => {
      const [once, always] = await connect(['miso_y000', 'miso_y001']) as [JobsDevice, JobsDevice];
      await createJob(ts, { jobId: 'flaky', things: ['miso_y000', 'miso_y001'], document: '{}', jobExecutionsRetryConfig: { criteriaList: [{ failureType: 'FAILED', numberOfRetries: 1 }] } });
      await ts.server.ctx.services.jobs.settled();
      await once.next('notify');
      await run(once, 'flaky', 'FAILED');
      const again = await once.next('notify');
      assert.equal(again.jobs.QUEUED[0].executionNumber, 2, 'the device is told of the retry');
      const started = (await once.accepted('start-next')).execution;
      assert.deepEqual([started.executionNumber, started.versionNumber], [2, 2]);
      await once.accepted('flaky/update', { status: 'SUCCEEDED', executionNumber: 2 });

      await run(always, 'flaky', 'FAILED');
      await run(always, 'flaky', 'FAILED');
      assert.equal((await always.accepted('start-next')).execution, undefined, 'one retry allowed: no third attempt');

      const job = await describeJob(ts, 'flaky');
      assert.deepEqual([job.status, job.jobProcessDetails?.numberOfSucceededThings, job.jobProcessDetails?.numberOfFailedThings, job.jobProcessDetails?.numberOfQueuedThings], ['COMPLETED', 1, 1, 0]);
      const summaries = (await iotAtClock(ts).send(new ListJobExecutionsForJobCommand({ jobId: 'flaky' }))).executionSummaries!;
      assert.deepEqual(
        summaries.map((s) => [s.thingArn!.split('/')[1], s.jobExecutionSummary!.executionNumber, s.jobExecutionSummary!.status, s.jobExecutionSummary!.retryAttempt]),
        [
          ['miso_y000', 1, 'FAILED', 0],
          ['miso_y000', 2, 'SUCCEEDED', 1],
          ['miso_y001', 1, 'FAILED', 0],
          ['miso_y001', 2, 'FAILED', 1],
        ],
      );
    });

    test('TIMED_OUT is retried only with a timeoutConfig: refused without one, retried with one, not retried by a FAILED-only criterion', async () => {
      const withoutTimeout = await refusal(
        createJob(ts, { jobId: 'no-timeout', things: ['miso_y002'], document: '{}', jobExecutionsRetryConfig: { criteriaList: [{ failureType: 'TIMED_OUT', numberOfRetries: 1 }] } }),
      );
      assert.equal(withoutTimeout.name, 'InvalidRequestException');
      assert.match(withoutTimeout.message, /jobExecutionsRetryConfig.criteriaList retries TIMED_OUT executions, which needs a timeoutConfig/);
      assert.equal((await refusal(describeJob(ts, 'no-timeout'))).name, 'ResourceNotFoundException', 'nothing created');

      const [slow, other] = await connect(['miso_y002', 'miso_y003']) as [JobsDevice, JobsDevice];
      await createJob(ts, { jobId: 'slow', things: ['miso_y002'], document: '{}', timeoutConfig: { inProgressTimeoutInMinutes: 1 }, jobExecutionsRetryConfig: { criteriaList: [{ failureType: 'TIMED_OUT', numberOfRetries: 1 }] } });
      await createJob(ts, { jobId: 'slow-no-retry', things: ['miso_y003'], document: '{}', timeoutConfig: { inProgressTimeoutInMinutes: 1 }, jobExecutionsRetryConfig: { criteriaList: [{ failureType: 'FAILED', numberOfRetries: 3 }] } });
      await slow.accepted('start-next');
      await other.accepted('start-next');
      ts.clock.advance(MINUTE + 1000);
      await tick(ts);
      const retried = (await slow.accepted('get')).queuedJobs[0];
      assert.deepEqual([retried.jobId, retried.executionNumber], ['slow', 2]);
      assert.deepEqual((await other.accepted('get')).queuedJobs, []);
      assert.equal((await describeJob(ts, 'slow-no-retry')).jobProcessDetails?.numberOfTimedOutThings, 1);
      const s = (await iotAtClock(ts).send(new ListJobExecutionsForJobCommand({ jobId: 'slow' }))).executionSummaries!;
      assert.deepEqual(s.map((e) => [e.jobExecutionSummary!.status, e.jobExecutionSummary!.retryAttempt]), [['TIMED_OUT', 0], ['QUEUED', 1]]);
    });
  });
}
