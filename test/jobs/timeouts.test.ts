import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DescribeJobCommand, DescribeJobExecutionCommand } from '@aws-sdk/client-iot';
import { startTestServer, type TestServer } from '../helpers/server.js';
import type { DeviceCredentials } from '../mqtt/helpers.js';
import { createJob, eventsObserver, iotAtClock, JobsDevice, provisionDevices } from './helpers.js';

const MINUTE = 60_000;

/** In-progress and step timers (aws-wire-protocols.md §9), stored in the database and fired by the clock. */
describe('jobs timeouts', () => {
  let ts: TestServer;
  let devices: Map<string, DeviceCredentials>;

  before(async () => {
    ts = await startTestServer();
    devices = await provisionDevices(ts, ['miso_t1', 'miso_t2', 'miso_t3', 'miso_t4']);
  });
  after(() => ts.close());

  const tick = () => ts.server.ctx.services.jobs.tick();
  const execution = async (jobId: string, thingName: string) => (await iotAtClock(ts).send(new DescribeJobExecutionCommand({ jobId, thingName }))).execution!;

  test('the in-progress timer starts with IN_PROGRESS and times the execution out; the device and the operators hear of it', async (t) => {
    const observer = await eventsObserver(ts, 'observer-timeouts');
    t.after(() => observer.client.endAsync());
    const d = await JobsDevice.connect(ts, 'miso_t1', devices.get('miso_t1')!);
    t.after(() => d.end());
    await createJob(ts, { jobId: 'slow', things: ['miso_t1'], document: '{}', timeoutConfig: { inProgressTimeoutInMinutes: 10 } });
    await d.next('notify');
    await d.next('notify-next');

    ts.clock.advance(30 * MINUTE);
    await tick();
    assert.equal((await execution('slow', 'miso_t1')).status, 'QUEUED', 'a QUEUED execution has no timer running');

    const started = (await d.accepted('start-next')).execution;
    assert.equal(started.approximateSecondsBeforeTimedOut, 600);
    ts.clock.advance(5 * MINUTE);
    await tick();
    const halfway = await execution('slow', 'miso_t1');
    assert.equal(halfway.status, 'IN_PROGRESS');
    assert.ok(halfway.approximateSecondsBeforeTimedOut! <= 300 && halfway.approximateSecondsBeforeTimedOut! >= 290);
    // A step timer cannot stretch the in-progress timer's deadline.
    const stretched = await d.accepted('slow/update', { status: 'IN_PROGRESS', stepTimeoutInMinutes: 60, includeJobExecutionState: true });
    assert.equal(stretched.executionState.status, 'IN_PROGRESS');
    assert.ok((await d.accepted('slow/get')).execution.approximateSecondsBeforeTimedOut <= 300);

    ts.clock.advance(5 * MINUTE + 1000);
    await tick();
    const timedOut = await execution('slow', 'miso_t1');
    assert.equal(timedOut.status, 'TIMED_OUT');
    assert.equal(timedOut.approximateSecondsBeforeTimedOut, undefined, 'omitted once terminal');
    assert.deepEqual((await d.next('notify')).jobs, {});
    assert.deepEqual(Object.keys(await d.next('notify-next')), ['timestamp']);
    assert.equal(JSON.parse((await observer.box.next('$aws/events/jobExecution/slow/timed_out')).payload).status, 'TIMED_OUT');
    const job = (await iotAtClock(ts).send(new DescribeJobCommand({ jobId: 'slow' }))).job!;
    assert.deepEqual([job.status, job.jobProcessDetails?.numberOfTimedOutThings, job.jobProcessDetails?.numberOfInProgressThings], ['COMPLETED', 1, 0]);
    assert.equal((await d.rejected('slow/update', { status: 'SUCCEEDED' })).code, 'InvalidStateTransition');
  });

  test('the step timer: each new value replaces the last; -1 clears it', async (t) => {
    const d = await JobsDevice.connect(ts, 'miso_t2', devices.get('miso_t2')!);
    t.after(() => d.end());
    await createJob(ts, { jobId: 'steps', things: ['miso_t2'], document: '{}' });
    assert.equal((await d.accepted('start-next', { stepTimeoutInMinutes: 2 })).execution.approximateSecondsBeforeTimedOut, 120);
    ts.clock.advance(1.5 * MINUTE);
    await d.accepted('steps/update', { status: 'IN_PROGRESS', stepTimeoutInMinutes: 3 });
    ts.clock.advance(1.5 * MINUTE);
    await tick();
    assert.equal((await execution('steps', 'miso_t2')).status, 'IN_PROGRESS', 'the first step timer was replaced');
    await d.accepted('steps/update', { status: 'IN_PROGRESS', stepTimeoutInMinutes: -1 });
    assert.equal('approximateSecondsBeforeTimedOut' in (await d.accepted('steps/get')).execution, false);
    ts.clock.advance(60 * MINUTE);
    await tick();
    assert.equal((await execution('steps', 'miso_t2')).status, 'IN_PROGRESS', 'no timer runs');

    await d.accepted('steps/update', { status: 'IN_PROGRESS', stepTimeoutInMinutes: 1 });
    ts.clock.advance(MINUTE + 1000);
    await tick();
    assert.equal((await execution('steps', 'miso_t2')).status, 'TIMED_OUT');
  });

  test('a device reporting in time beats the timer; a late tick changes nothing', async (t) => {
    const d = await JobsDevice.connect(ts, 'miso_t3', devices.get('miso_t3')!);
    t.after(() => d.end());
    await createJob(ts, { jobId: 'quick', things: ['miso_t3'], document: '{}', timeoutConfig: { inProgressTimeoutInMinutes: 1 } });
    await d.accepted('start-next', { stepTimeoutInMinutes: 1 });
    await d.accepted('quick/update', { status: 'SUCCEEDED' });
    ts.clock.advance(10 * MINUTE);
    await tick();
    const done = await execution('quick', 'miso_t3');
    assert.deepEqual([done.status, done.versionNumber], ['SUCCEEDED', 3]);
  });
});
