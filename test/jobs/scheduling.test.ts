/**
 * schedulingConfig (aws-wire-protocols.md §9): SCHEDULED until startTime,
 * each endBehavior at endTime, maintenance windows in AWS's cron dialect
 * (UTC), DescribeJob's scheduledJobRollouts — with real MQTT devices, the
 * clock moved, never slept on.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CancelJobCommand, DeleteJobCommand, UpdateJobCommand } from '@aws-sdk/client-iot';
import type { TestServer } from '../helpers/server.js';
import { pgSkipReason } from '../helpers/postgres.js';
import { refusal } from '../api/iot-jobs-data/helpers.js';
import { eventually } from '../helpers/assert.js';
import { createJob, iotAtClock, JobsDevice } from './helpers.js';
import { advanceTo, describeJob, MINUTE, names, notifiedCount, fleetServer, tick } from './rollout-helpers.js';

const HOUR = 60 * MINUTE;
/** "YYYY-MM-DDTHH:MM" (UTC), schedulingConfig's form. */
const at = (ms: number) => new Date(ms).toISOString().slice(0, 16);
const nextWholeMinute = (ms: number) => Math.ceil(ms / MINUTE) * MINUTE;

/**
 * The starts of AWS's documented example `cron(0 18 ? * MON-FRI *)` ("6:00 PM
 * UTC, Monday to Friday") after `ms`, worked out by hand: 18:00 on weekdays.
 */
function weekdayEvenings(afterMs: number, count: number): number[] {
  const out: number[] = [];
  const day = new Date(afterMs);
  let t = Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), 18);
  while (out.length < count) {
    const weekday = new Date(t).getUTCDay();
    if (t > afterMs && weekday >= 1 && weekday <= 5) out.push(t);
    t += 24 * HOUR;
  }
  return out;
}

for (const engine of ['sqlite', 'postgres'] as const) {
  describe(`jobs scheduling and maintenance windows [${engine}]`, { skip: engine === 'postgres' ? pgSkipReason() : false }, () => {
    let ts: TestServer;
    let connect: (thingNames: string[]) => Promise<JobsDevice[]>;
    let close: () => Promise<void>;

    before(async () => {
      ({ ts, connect, close } = await fleetServer(engine, [...names('miso_s', 4), ...names('miso_e', 15), ...names('miso_w', 6), 'miso_p000']));
    });
    after(() => close());

    test('SCHEDULED until startTime with nothing delivered, then rolling out; CancelJob, UpdateJob and DeleteJob on a scheduled job', async () => {
      const devices = await connect(['miso_s000', 'miso_s001']);
      const start = nextWholeMinute(ts.clock.now() + 40 * MINUTE);
      await createJob(ts, { jobId: 'later', things: ['miso_s000', 'miso_s001'], document: '{}', schedulingConfig: { startTime: at(start) } });
      let job = await describeJob(ts, 'later');
      assert.deepEqual([job.status, job.schedulingConfig?.startTime, job.jobProcessDetails?.numberOfQueuedThings], ['SCHEDULED', at(start), 2]);
      await iotAtClock(ts).send(new UpdateJobCommand({ jobId: 'later', description: 'tonight' }));
      advanceTo(ts, start - MINUTE);
      await tick(ts);
      assert.equal((await describeJob(ts, 'later')).status, 'SCHEDULED');
      for (const d of devices) {
        assert.deepEqual((await d.accepted('get')).queuedJobs, [], 'nothing reaches a device before the start');
        assert.equal(d.seen('notify').length, 0);
      }
      advanceTo(ts, start);
      await tick(ts);
      job = await describeJob(ts, 'later');
      assert.deepEqual([job.status, job.description], ['IN_PROGRESS', 'tonight']);
      for (const d of devices) assert.equal((await d.next('notify')).jobs.QUEUED[0].jobId, 'later');

      // A scheduled job can be canceled (nothing was delivered) or deleted without force.
      const again = nextWholeMinute(ts.clock.now() + 40 * MINUTE);
      await createJob(ts, { jobId: 'called-off', things: ['miso_s002'], document: '{}', schedulingConfig: { startTime: at(again) } });
      await iotAtClock(ts).send(new CancelJobCommand({ jobId: 'called-off' }));
      assert.deepEqual([(await describeJob(ts, 'called-off')).status, (await describeJob(ts, 'called-off')).jobProcessDetails?.numberOfCanceledThings], ['CANCELED', 1]);
      await createJob(ts, { jobId: 'dropped', things: ['miso_s003'], document: '{}', schedulingConfig: { startTime: at(again) } });
      await iotAtClock(ts).send(new DeleteJobCommand({ jobId: 'dropped' }));
      assert.equal((await refusal(describeJob(ts, 'dropped'))).name, 'ResourceNotFoundException');
    });

    test('endTime: STOP_ROLLOUT stops notifying, CANCEL cancels what is queued, FORCE_CANCEL what is in progress too', async () => {
      const start = nextWholeMinute(ts.clock.now() + 40 * MINUTE);
      const end = start + 30 * MINUTE;
      const jobs = [
        ['stop', 'STOP_ROLLOUT', names('miso_e', 5)],
        ['cancel', 'CANCEL', names('miso_e', 15).slice(5, 10)],
        ['force', 'FORCE_CANCEL', names('miso_e', 15).slice(10)],
      ] as const;
      const devices = new Map<string, JobsDevice[]>();
      for (const [jobId, endBehavior, things] of jobs) {
        devices.set(jobId, await connect(things.slice(0, 2)));
        await createJob(ts, { jobId, things: [...things], document: '{}', jobExecutionsRolloutConfig: { maximumPerMinute: 1 }, schedulingConfig: { startTime: at(start), endTime: at(end), endBehavior } });
      }
      advanceTo(ts, start);
      await tick(ts);
      for (const [jobId] of jobs) await devices.get(jobId)![0]!.accepted('start-next');
      advanceTo(ts, start + MINUTE);
      await tick(ts);
      for (const [jobId] of jobs) assert.equal(await notifiedCount(ts, jobId), 2);
      for (const [jobId] of jobs) {
        const second = devices.get(jobId)![1]!;
        await second.next('notify');
        second.inbox.all.length = 0;
      }
      advanceTo(ts, end);
      await tick(ts);

      const stop = await describeJob(ts, 'stop');
      assert.deepEqual([stop.status, stop.jobProcessDetails?.numberOfInProgressThings, stop.jobProcessDetails?.numberOfQueuedThings, stop.jobProcessDetails?.numberOfCanceledThings], ['IN_PROGRESS', 1, 1, 0], 'STOP_ROLLOUT: the three never reached are dropped; the two reached go on');
      assert.equal(await notifiedCount(ts, 'stop'), 2);
      const [stopRunning, stopQueued] = devices.get('stop')!;
      await stopRunning!.accepted('stop/update', { status: 'SUCCEEDED' });
      await stopQueued!.accepted('start-next');
      await stopQueued!.accepted('stop/update', { status: 'SUCCEEDED' });
      assert.equal((await describeJob(ts, 'stop')).status, 'COMPLETED');

      const cancel = await describeJob(ts, 'cancel');
      assert.deepEqual([cancel.status, cancel.reasonCode, cancel.forceCanceled, cancel.jobProcessDetails?.numberOfInProgressThings, cancel.jobProcessDetails?.numberOfCanceledThings], ['CANCELED', 'SCHEDULE_ENDED', false, 1, 4]);
      assert.deepEqual((await devices.get('cancel')![1]!.next('notify')).jobs, {}, 'the queued device is told');
      await devices.get('cancel')![0]!.accepted('cancel/update', { status: 'SUCCEEDED' });

      const force = await describeJob(ts, 'force');
      assert.deepEqual([force.status, force.forceCanceled, force.jobProcessDetails?.numberOfInProgressThings, force.jobProcessDetails?.numberOfCanceledThings], ['CANCELED', true, 0, 5]);
      assert.equal((await devices.get('force')![0]!.rejected('force/update', { status: 'SUCCEEDED' })).code, 'InvalidStateTransition', 'the in-progress one was canceled too');
    });

    test('a maintenance window from AWS\'s example cron(0 18 ? * MON-FRI *) admits executions only inside it; scheduledJobRollouts lists the next seven starts', async () => {
      // Start outside a window: move past one if the clock is in it.
      const [previous] = weekdayEvenings(ts.clock.now() - 2 * HOUR, 1);
      if (ts.clock.now() >= previous! && ts.clock.now() < previous! + HOUR) advanceTo(ts, previous! + HOUR + MINUTE);
      const windows = [{ startTime: 'cron(0 18 ? * MON-FRI *)', durationInMinutes: 60 }];
      const all = await connect(names('miso_w', 6));
      const open = all.slice(0, 3);
      await createJob(ts, { jobId: 'evening', things: names('miso_w', 3), document: '{}', schedulingConfig: { maintenanceWindows: windows } });
      const starts = weekdayEvenings(ts.clock.now(), 8);
      const job = await describeJob(ts, 'evening');
      assert.deepEqual(job.scheduledJobRollouts, starts.slice(0, 7).map((s) => ({ startTime: at(s) })));
      assert.deepEqual(job.schedulingConfig?.maintenanceWindows, windows);
      assert.equal(job.status, 'IN_PROGRESS');

      const window = starts[0]!;
      advanceTo(ts, window - MINUTE);
      await tick(ts);
      for (const d of open) assert.deepEqual((await d.accepted('get')).queuedJobs, [], 'before the window: nothing');
      advanceTo(ts, window);
      await tick(ts);
      for (const d of open) assert.equal((await d.next('notify')).jobs.QUEUED[0].jobId, 'evening', 'inside the window: rolled out');

      // Paced at one a minute, made two minutes before the window closes: two inside, none after, the third in the next window.
      advanceTo(ts, window + 58 * MINUTE);
      await createJob(ts, { jobId: 'evening-paced', things: names('miso_w', 6).slice(3), document: '{}', jobExecutionsRolloutConfig: { maximumPerMinute: 1 }, schedulingConfig: { maintenanceWindows: windows } });
      assert.equal(await notifiedCount(ts, 'evening-paced'), 1);
      advanceTo(ts, window + 59 * MINUTE);
      await tick(ts);
      assert.equal(await notifiedCount(ts, 'evening-paced'), 2);
      advanceTo(ts, window + 60 * MINUTE);
      await tick(ts);
      advanceTo(ts, window + 90 * MINUTE);
      await tick(ts);
      assert.equal(await notifiedCount(ts, 'evening-paced'), 2, 'the window closed');
      assert.deepEqual((await all[5]!.accepted('get')).queuedJobs, []);
      advanceTo(ts, starts[1]!);
      await tick(ts);
      assert.equal(await notifiedCount(ts, 'evening-paced'), 3, 'the next window');
      assert.equal((await all[5]!.next('notify')).jobs.QUEUED[0].jobId, 'evening-paced');
    });
    test('the pending list (get and notify alike) holds 10 executions, and up to 5 more of jobs whose maintenance window is open', async () => {
      const [previous] = weekdayEvenings(ts.clock.now() - 2 * HOUR, 1);
      const inside = ts.clock.now() >= previous! && ts.clock.now() < previous! + 50 * MINUTE;
      const window = inside ? previous! : weekdayEvenings(ts.clock.now(), 1)[0]!;
      if (!inside) advanceTo(ts, window);
      const [device] = await connect(['miso_p000']);
      const windows = [{ startTime: 'cron(0 18 ? * MON-FRI *)', durationInMinutes: 60 }];
      for (let i = 0; i < 10; i++) await createJob(ts, { jobId: `plain-${i}`, things: ['miso_p000'], document: '{}' });
      for (let i = 0; i < 6; i++) await createJob(ts, { jobId: `windowed-${i}`, things: ['miso_p000'], document: '{}', schedulingConfig: { maintenanceWindows: windows } });
      await createJob(ts, { jobId: 'plain-last', things: ['miso_p000'], document: '{}' });
      const listed = (await device!.accepted('get')).queuedJobs.map((j: { jobId: string }) => j.jobId);
      const fifteen = [...Array.from({ length: 10 }, (_, i) => `plain-${i}`), ...Array.from({ length: 5 }, (_, i) => `windowed-${i}`)];
      assert.deepEqual(listed, fifteen);
      // notify (ListNotification) lists the same fifteen: AWS's "up to 5 job executions only appear in the ListNotification during a maintenance window".
      const lastNotify = () => (device!.seen('notify').at(-1)?.jobs.QUEUED ?? []).map((j: { jobId: string }) => j.jobId);
      await eventually(async () => lastNotify().length === 15, 'the notify after plain-last lists fifteen');
      assert.deepEqual(lastNotify(), fifteen);
      advanceTo(ts, window + 61 * MINUTE);
      assert.equal((await device!.accepted('get')).queuedJobs.length, 10, 'outside the window: ten');
      await createJob(ts, { jobId: 'plain-later', things: ['miso_p000'], document: '{}' });
      await eventually(async () => lastNotify().length === 10, 'outside the window, notify lists ten');
      assert.deepEqual(lastNotify(), fifteen.slice(0, 10));
    });
  });
}
