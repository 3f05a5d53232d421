/**
 * The one validator of rollout, abort, retry and scheduling configurations
 * (src/jobs/configs.ts) on the wire: each bad value is refused with
 * InvalidRequestException naming the field, the value and the range, and
 * nothing is created — beside a valid job with every configuration accepted.
 * UpdateJob's new timeout applies only to executions started afterwards.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DescribeJobExecutionCommand, UpdateJobCommand, type CreateJobCommandInput } from '@aws-sdk/client-iot';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { refusal } from '../api/iot-jobs-data/helpers.js';
import type { DeviceCredentials } from '../mqtt/helpers.js';
import { createJob, iotAtClock, JobsDevice } from './helpers.js';
import { describeJob, MINUTE, provisionFleet, tick } from './rollout-helpers.js';
import { parseWindowCron } from '../../src/jobs/windows.js';

const at = (ms: number) => new Date(ms).toISOString().slice(0, 16);

describe('jobs rollout configurations: validation and UpdateJob', () => {
  let ts: TestServer;
  let fleet: Map<string, DeviceCredentials>;

  before(async () => {
    ts = await startTestServer({ jobsTickMs: 3_600_000 });
    fleet = await provisionFleet(ts, ['miso_v1', 'miso_v2', 'miso_v3']);
  });
  after(() => ts.close());

  const valid = (): Partial<CreateJobCommandInput> => {
    const start = Math.ceil((ts.clock.now() + 60 * MINUTE) / MINUTE) * MINUTE;
    return {
      jobExecutionsRolloutConfig: { maximumPerMinute: 100, exponentialRate: { baseRatePerMinute: 10, incrementFactor: 1.5, rateIncreaseCriteria: { numberOfSucceededThings: 20 } } },
      abortConfig: { criteriaList: [{ failureType: 'ALL', action: 'CANCEL', thresholdPercentage: 12.5, minNumberOfExecutedThings: 5 }] },
      timeoutConfig: { inProgressTimeoutInMinutes: 30 },
      jobExecutionsRetryConfig: { criteriaList: [{ failureType: 'FAILED', numberOfRetries: 3 }, { failureType: 'TIMED_OUT', numberOfRetries: 7 }] },
      schedulingConfig: { startTime: at(start), endTime: at(start + 60 * MINUTE), endBehavior: 'CANCEL', maintenanceWindows: [{ startTime: 'cron(0/15 * * * ? *)', durationInMinutes: 10 }] },
    };
  };

  test('each invalid value is refused naming the field, the value and the range; nothing is created; a valid job is accepted', async () => {
    const now = ts.clock.now();
    const rate = (exponentialRate: Record<string, unknown>) => ({ jobExecutionsRolloutConfig: { exponentialRate: { baseRatePerMinute: 5, incrementFactor: 2, rateIncreaseCriteria: { numberOfNotifiedThings: 10 }, ...exponentialRate } } });
    const abort = (c: Record<string, unknown>) => ({ abortConfig: { criteriaList: [{ failureType: 'FAILED', action: 'CANCEL', thresholdPercentage: 10, minNumberOfExecutedThings: 1, ...c }] } });
    const start = Math.ceil((now + 60 * MINUTE) / MINUTE) * MINUTE;
    const cases: Array<[string, Record<string, unknown>, RegExp]> = [
      ['rate 0', { jobExecutionsRolloutConfig: { maximumPerMinute: 0 } }, /jobExecutionsRolloutConfig\.maximumPerMinute 0 is not valid: it must be an integer from 1 to 1000/],
      ['rate 1001', { jobExecutionsRolloutConfig: { maximumPerMinute: 1001 } }, /jobExecutionsRolloutConfig\.maximumPerMinute 1001 is not valid: it must be an integer from 1 to 1000/],
      ['base 0', rate({ baseRatePerMinute: 0 }), /exponentialRate\.baseRatePerMinute 0 is not valid: it must be an integer from 1 to 1000/],
      ['factor 1.05', rate({ incrementFactor: 1.05 }), /exponentialRate\.incrementFactor 1\.05 is not valid: it must be a number from 1\.1 to 5 with at most one decimal place/],
      ['factor 5.5', rate({ incrementFactor: 5.5 }), /exponentialRate\.incrementFactor 5\.5 is not valid/],
      ['factor 1.25', rate({ incrementFactor: 1.25 }), /exponentialRate\.incrementFactor 1\.25 is not valid: .*one decimal place/],
      ['both criteria', rate({ rateIncreaseCriteria: { numberOfNotifiedThings: 1, numberOfSucceededThings: 1 } }), /rateIncreaseCriteria must give exactly one of numberOfNotifiedThings and numberOfSucceededThings/],
      ['threshold 100.001', abort({ thresholdPercentage: 100.001 }), /abortConfig\.criteriaList\[0\]\.thresholdPercentage 100\.001 is not valid: it must be a number from 0 to 100 with at most two decimal places/],
      ['min 0', abort({ minNumberOfExecutedThings: 0 }), /abortConfig\.criteriaList\[0\]\.minNumberOfExecutedThings 0 is not valid: it must be an integer of at least 1/],
      ['abort type', abort({ failureType: 'SUCCEEDED' }), /abortConfig\.criteriaList\[0\]\.failureType "SUCCEEDED" is not valid: it must be one of FAILED, REJECTED, TIMED_OUT, ALL/],
      ['action', abort({ action: 'PAUSE' }), /action "PAUSE" is not valid: it must be one of CANCEL/],
      ['start 10 minutes ahead', { schedulingConfig: { startTime: at(now + 10 * MINUTE) } }, /schedulingConfig\.startTime "[\d-]+T[\d:]+" is not valid: it must be at least 30 minutes and at most one year ahead/],
      ['start 2 years ahead', { schedulingConfig: { startTime: at(now + 730 * 24 * 60 * MINUTE) } }, /schedulingConfig\.startTime .* at most one year ahead/],
      ['end 10 minutes after start', { schedulingConfig: { startTime: at(start), endTime: at(start + 10 * MINUTE) } }, /schedulingConfig\.endTime "[\d-]+T[\d:]+" is not valid: it must be at least 30 minutes after the start time/],
      ['start not a time', { schedulingConfig: { startTime: '2027-02-30T10:00' } }, /schedulingConfig\.startTime "2027-02-30T10:00" is not valid: it must be a UTC time written YYYY-MM-DDTHH:MM/],
      ['end behavior', { schedulingConfig: { startTime: at(start), endTime: at(start + 60 * MINUTE), endBehavior: 'PAUSE' } }, /endBehavior "PAUSE" is not valid: it must be one of STOP_ROLLOUT, CANCEL, FORCE_CANCEL/],
      ['five-field cron', { schedulingConfig: { maintenanceWindows: [{ startTime: 'cron(0 18 * * 1)', durationInMinutes: 60 }] } }, /maintenanceWindows\[0\]\.startTime "cron\(0 18 \* \* 1\)" is not valid: .*it has 5 fields/],
      ['malformed cron', { schedulingConfig: { maintenanceWindows: [{ startTime: '0 18 ? * MON-FRI *', durationInMinutes: 60 }] } }, /maintenanceWindows\[0\]\.startTime .* is not wrapped in cron/],
      ['both day fields', { schedulingConfig: { maintenanceWindows: [{ startTime: 'cron(0 18 1 * MON *)', durationInMinutes: 60 }] } }, /exactly one of day-of-month and day-of-week must be \?/],
      ['minute 61', { schedulingConfig: { maintenanceWindows: [{ startTime: 'cron(61 18 ? * MON *)', durationInMinutes: 60 }] } }, /number 61 is not between 0 and 59/],
      ['window 1431 minutes', { schedulingConfig: { maintenanceWindows: [{ startTime: 'cron(0 18 ? * MON *)', durationInMinutes: 1431 }] } }, /maintenanceWindows\[0\]\.durationInMinutes 1431 is not valid: it must be an integer from 1 to 1430/],
      ['3 retry criteria', { jobExecutionsRetryConfig: { criteriaList: [{ failureType: 'FAILED', numberOfRetries: 1 }, { failureType: 'ALL', numberOfRetries: 1 }, { failureType: 'TIMED_OUT', numberOfRetries: 1 }] }, timeoutConfig: { inProgressTimeoutInMinutes: 5 } }, /jobExecutionsRetryConfig\.criteriaList has 3 entries: it must have 1 to 2/],
      ['11 retries', { jobExecutionsRetryConfig: { criteriaList: [{ failureType: 'FAILED', numberOfRetries: 11 }] } }, /numberOfRetries 11 is not valid: it must be an integer from 0 to 10/],
      ['12 retries in all', { jobExecutionsRetryConfig: { criteriaList: [{ failureType: 'FAILED', numberOfRetries: 6 }, { failureType: 'TIMED_OUT', numberOfRetries: 6 }] }, timeoutConfig: { inProgressTimeoutInMinutes: 5 } }, /allows 12 retries in all: at most 10 retries per device/],
      ['retry type', { jobExecutionsRetryConfig: { criteriaList: [{ failureType: 'REJECTED', numberOfRetries: 1 }] } }, /failureType "REJECTED" is not valid: it must be one of FAILED, TIMED_OUT, ALL/],
    ];
    for (const [name, change, message] of cases) {
      const jobId = `bad-${name.replace(/[^a-z0-9]+/gi, '-')}`;
      const r = await refusal(createJob(ts, { jobId, things: ['miso_v1'], document: '{}', ...change }));
      assert.equal(r.name, 'InvalidRequestException', name);
      assert.equal(r.status, 400, name);
      assert.match(r.message, message, name);
      assert.equal((await refusal(describeJob(ts, jobId))).name, 'ResourceNotFoundException', `${name}: nothing created`);
    }
    const config = valid();
    await createJob(ts, { jobId: 'all-configs', things: ['miso_v1'], document: '{}', ...config });
    const job = await describeJob(ts, 'all-configs');
    assert.equal(job.status, 'SCHEDULED');
    assert.deepEqual(
      [job.jobExecutionsRolloutConfig, job.abortConfig, job.jobExecutionsRetryConfig, job.schedulingConfig],
      [config.jobExecutionsRolloutConfig, config.abortConfig, config.jobExecutionsRetryConfig, config.schedulingConfig],
    );
    assert.equal(job.scheduledJobRollouts?.length, 7);

    // UpdateJob goes through the same validator: refused and unchanged, beside an accepted change.
    const bad = await refusal(iotAtClock(ts).send(new UpdateJobCommand({ jobId: 'all-configs', jobExecutionsRolloutConfig: { maximumPerMinute: 1001 } })));
    assert.deepEqual([bad.name, /maximumPerMinute 1001 is not valid/.test(bad.message)], ['InvalidRequestException', true]);
    await iotAtClock(ts).send(new UpdateJobCommand({ jobId: 'all-configs', abortConfig: { criteriaList: [{ failureType: 'REJECTED', action: 'CANCEL', thresholdPercentage: 50, minNumberOfExecutedThings: 2 }] } }));
    const updated = await describeJob(ts, 'all-configs');
    assert.deepEqual([updated.jobExecutionsRolloutConfig, updated.abortConfig?.criteriaList?.[0]?.failureType], [config.jobExecutionsRolloutConfig, 'REJECTED']);
  });

  test('AWS\'s documented cron examples read as AWS means them (UTC, six fields, ? in one day field)', () => {
    for (const example of ['cron(0 10 * * ? *)', 'cron(15 12 * * ? *)', 'cron(0 18 ? * MON-FRI *)', 'cron(0 8 1 * ? *)', 'cron(0/15 * * * ? *)', 'cron(0/10 * ? * MON-FRI *)', 'cron(0/5 8-17 ? * MON-FRI *)', 'cron(0 9 ? * 2#1 *)']) {
      assert.equal(parseWindowCron(example).ok, true, example);
    }
  });

  test('UpdateJob: a new timeout applies to executions that start afterwards, not to those already in progress', async (t) => {
    const [early, late] = await Promise.all(['miso_v2', 'miso_v3'].map((n) => JobsDevice.connect(ts, n, fleet.get(n)!)));
    t.after(() => Promise.all([early!.end(), late!.end()]));
    await createJob(ts, { jobId: 'retimed', things: ['miso_v2', 'miso_v3'], document: '{}' });
    await early!.accepted('start-next');
    await iotAtClock(ts).send(new UpdateJobCommand({ jobId: 'retimed', timeoutConfig: { inProgressTimeoutInMinutes: 1 }, description: 'now with a timeout' }));
    assert.equal((await late!.accepted('start-next')).execution.approximateSecondsBeforeTimedOut, 60);
    ts.clock.advance(MINUTE + 1000);
    await tick(ts);
    const status = async (thingName: string) => (await iotAtClock(ts).send(new DescribeJobExecutionCommand({ jobId: 'retimed', thingName }))).execution!.status;
    assert.deepEqual([await status('miso_v2'), await status('miso_v3')], ['IN_PROGRESS', 'TIMED_OUT']);
    const job = await describeJob(ts, 'retimed');
    assert.deepEqual([job.description, job.timeoutConfig?.inProgressTimeoutInMinutes], ['now with a timeout', 1]);
  });
});
