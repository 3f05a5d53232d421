/**
 * Rollout rates (aws-wire-protocols.md §9, jobExecutionsRolloutConfig): the
 * pacer notifies at most so many things a minute; a thing not reached yet sees
 * nothing of the job while the control plane counts it QUEUED. The clock is
 * moved, never slept on.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AddThingToThingGroupCommand, CancelJobCommand, CreateThingGroupCommand, ListJobExecutionsForJobCommand, UpdateJobCommand } from '@aws-sdk/client-iot';
import { GetPendingJobExecutionsCommand } from '@aws-sdk/client-iot-jobs-data-plane';
import { startTestServer, type TestServer } from '../helpers/server.js';
import type { DeviceCredentials } from '../mqtt/helpers.js';
import { certificateClient } from '../api/iot-jobs-data/helpers.js';
import { arnOf, createJob, iotAtClock, JobsDevice } from './helpers.js';
import { advanceTo, createdAtMs, createThings, describeJob, MINUTE, names, notifiedCount, provisionFleet, tick } from './rollout-helpers.js';

describe('jobs rollouts: maximumPerMinute and exponentialRate', () => {
  let ts: TestServer;
  let fleet: Map<string, DeviceCredentials>;
  const things = names('miso_r', 100);

  before(async () => {
    // Only the test's own ticks step the pacer (the clock also runs on in real time while devices are asked).
    ts = await startTestServer({ jobsTickMs: 3_600_000 });
    fleet = await provisionFleet(ts, things);
  });
  after(() => ts.close());

  /** Things whose device sees the job over HTTPS (GetPendingJobExecutions with its own certificate). */
  const visibleOverHttps = async (jobId: string) => {
    let n = 0;
    for (const thingName of things) {
      const client = certificateClient(ts, fleet.get(thingName)!);
      const pending = await client.send(new GetPendingJobExecutionsCommand({ thingName }));
      client.destroy();
      if ([...pending.queuedJobs!, ...pending.inProgressJobs!].some((j) => j.jobId === jobId)) n++;
    }
    return n;
  };

  test('maximumPerMinute 10 over 100 things: 10 notified by 0:59, 20 by 1:59, 30 by 2:59; only those see the job; the control plane counts all 100 QUEUED', async (t) => {
    const early = await JobsDevice.connect(ts, 'miso_r000', fleet.get('miso_r000')!);
    const late = await JobsDevice.connect(ts, 'miso_r015', fleet.get('miso_r015')!);
    t.after(() => Promise.all([early.end(), late.end()]));
    await createJob(ts, { jobId: 'paced', things, document: '{"op":"update"}', jobExecutionsRolloutConfig: { maximumPerMinute: 10 } });
    const t0 = await createdAtMs(ts, 'paced');
    await ts.server.ctx.services.jobs.settled();
    assert.equal((await early.next('notify')).jobs.QUEUED[0].jobId, 'paced', 'the first minute\'s things are told at once');

    const expected: Array<[number, number]> = [
      [59_000, 10],
      [60_000, 20],
      [MINUTE + 59_000, 20],
      [2 * MINUTE, 30],
      [2 * MINUTE + 59_000, 30],
    ];
    for (const [at, notified] of expected) {
      advanceTo(ts, t0 + at);
      await tick(ts);
      assert.equal(await visibleOverHttps('paced'), notified, `visible over HTTPS at ${at / 1000}s`);
      if (at === 59_000) {
        const nothing = await late.accepted('start-next');
        assert.equal(nothing.execution, undefined, 'a thing not reached: start-next finds nothing');
        assert.equal((await late.rejected('paced/get')).code, 'ResourceNotFound', 'nor can it describe the job');
        assert.deepEqual((await late.accepted('get')).queuedJobs, []);
        assert.equal(late.seen('notify').length, 0, 'and it was told nothing');
      }
      if (at === 60_000) {
        assert.equal((await late.next('notify')).jobs.QUEUED[0].jobId, 'paced', 'reached in the second minute: told');
        assert.equal((await late.accepted('start-next')).execution.jobId, 'paced');
      }
    }
    const iot = iotAtClock(ts);
    let queued = 0;
    let token: string | undefined;
    do {
      const page = await iot.send(new ListJobExecutionsForJobCommand({ jobId: 'paced', status: 'QUEUED', maxResults: 50, nextToken: token }));
      queued += page.executionSummaries!.length;
      token = page.nextToken;
    } while (token);
    assert.equal(queued, 99, 'ListJobExecutionsForJob lists every QUEUED thing, reached or not (one started)');
    const job = await describeJob(ts, 'paced');
    assert.deepEqual([job.status, job.jobProcessDetails?.numberOfQueuedThings, job.jobProcessDetails?.numberOfInProgressThings], ['IN_PROGRESS', 99, 1]);
    assert.deepEqual(job.jobProcessDetails?.processingTargets, things.map((n) => arnOf(ts, `thing/${n}`)), 'still rolling out to its targets');
    assert.equal(job.isConcurrent, true);
    assert.deepEqual(job.jobExecutionsRolloutConfig, { maximumPerMinute: 10 });

    // A jump of several minutes releases one minute's quota, not a burst of the minutes missed.
    advanceTo(ts, t0 + 10 * MINUTE);
    await tick(ts);
    assert.equal(await notifiedCount(ts, 'paced'), 40);
    await iot.send(new CancelJobCommand({ jobId: 'paced' }));
    assert.equal(await notifiedCount(ts, 'paced'), 40, 'a canceled job rolls out no further');
  });

  test('UpdateJob slowing a running rollout takes effect from the next minute', async () => {
    const slow = names('slow_', 30);
    await createThings(ts, slow);
    await createJob(ts, { jobId: 'slowed', things: slow, document: '{}', jobExecutionsRolloutConfig: { maximumPerMinute: 10 } });
    const t0 = await createdAtMs(ts, 'slowed');
    assert.equal(await notifiedCount(ts, 'slowed'), 10);
    advanceTo(ts, t0 + 30_000);
    await iotAtClock(ts).send(new UpdateJobCommand({ jobId: 'slowed', jobExecutionsRolloutConfig: { maximumPerMinute: 3 } }));
    await tick(ts);
    assert.equal(await notifiedCount(ts, 'slowed'), 10, 'this minute\'s quota is already out');
    assert.deepEqual((await describeJob(ts, 'slowed')).jobExecutionsRolloutConfig, { maximumPerMinute: 3 });
    advanceTo(ts, t0 + MINUTE);
    await tick(ts);
    assert.equal(await notifiedCount(ts, 'slowed'), 13);
    advanceTo(ts, t0 + 2 * MINUTE);
    await tick(ts);
    assert.equal(await notifiedCount(ts, 'slowed'), 16);
  });

  /** Steps a minute at a time from the job's creation; returns how many things each minute notified. */
  const perMinute = async (jobId: string, minutes: number, eachMinute: () => Promise<void> = async () => {}) => {
    const t0 = await createdAtMs(ts, jobId);
    const rates: number[] = [];
    let before = 0;
    for (let m = 0; m < minutes; m++) {
      if (m > 0) {
        advanceTo(ts, t0 + m * MINUTE);
        await tick(ts);
      }
      const now = await notifiedCount(ts, jobId);
      rates.push(now - before);
      before = now;
      await eachMinute();
    }
    return rates;
  };

  test('exponentialRate by notified things: base 5, factor 2, every 100 notified, capped at maximumPerMinute 40, over 500 things', async () => {
    const many = names('exp_', 500);
    await createThings(ts, many);
    const iot = ts.iot();
    await iot.send(new CreateThingGroupCommand({ thingGroupName: 'ramp-fleet' }));
    for (const thingName of many) await iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'ramp-fleet', thingName }));
    await createJob(ts, {
      jobId: 'ramp',
      targets: [arnOf(ts, 'thinggroup/ramp-fleet')],
      document: '{}',
      jobExecutionsRolloutConfig: { maximumPerMinute: 40, exponentialRate: { baseRatePerMinute: 5, incrementFactor: 2, rateIncreaseCriteria: { numberOfNotifiedThings: 100 } } },
    });
    // The table: 5 a minute until 100 are notified, then 10 until 200, 20 until 300, 40 (the cap: 80 > 40) after.
    const table = [...Array(20).fill(5), ...Array(10).fill(10), ...Array(5).fill(20), ...Array(5).fill(40), 0];
    assert.deepEqual(await perMinute('ramp', table.length), table);
    const job = await describeJob(ts, 'ramp');
    assert.equal(job.jobProcessDetails?.processingTargets, undefined, 'rolled out: no processing targets');
    assert.equal(job.isConcurrent, false);
  });

  test('exponentialRate by succeeded things, with devices that succeed: base 2, factor 2, every 4 succeeded, capped at 8', async (t) => {
    const group = things.slice(40, 70);
    const devices = await Promise.all(group.map((n) => JobsDevice.connect(ts, n, fleet.get(n)!)));
    t.after(() => Promise.all(devices.map((d) => d.end())));
    await createJob(ts, {
      jobId: 'earned',
      things: group,
      document: '{}',
      jobExecutionsRolloutConfig: { maximumPerMinute: 8, exponentialRate: { baseRatePerMinute: 2, incrementFactor: 2, rateIncreaseCriteria: { numberOfSucceededThings: 4 } } },
    });
    await ts.server.ctx.services.jobs.settled();
    // Each minute every device that can start the job does, and succeeds.
    const succeedAll = async () => {
      for (const d of devices) {
        const next = (await d.accepted('start-next')).execution;
        if (next?.jobId === 'earned') await d.accepted('earned/update', { status: 'SUCCEEDED' });
      }
    };
    // 2 (0 succeeded), 2 (2), 4 (4 → ×2), 8 (8 → ×4), 8 (16: 16 capped at 8), the last 6.
    assert.deepEqual(await perMinute('earned', 7, succeedAll), [2, 2, 4, 8, 8, 6, 0]);
    const job = await describeJob(ts, 'earned');
    assert.deepEqual([job.status, job.jobProcessDetails?.numberOfSucceededThings], ['COMPLETED', 30]);
  });
});
