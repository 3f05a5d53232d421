/** The AWS CLI's own shapes for the rollout configurations: create-job, update-job, describe-job, and a refusal. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateThingCommand } from '@aws-sdk/client-iot';
import { awsCli } from '../helpers/aws-cli.js';
import { startTestServer } from '../helpers/server.js';

test('aws iot create-job with rollout, abort, retry and scheduling configs; update-job; describe-job; a bad value refused', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  await s.iot().send(new CreateThingCommand({ thingName: 'miso_cli' }));
  const target = `arn:aws:iot:${s.endpoints.region}:${s.endpoints.accountId}:thing/miso_cli`;
  const start = new Date(Math.ceil((s.clock.now() + 45 * 60_000) / 60_000) * 60_000).toISOString().slice(0, 16);
  const rollout = { maximumPerMinute: 50, exponentialRate: { baseRatePerMinute: 5, incrementFactor: 1.5, rateIncreaseCriteria: { numberOfNotifiedThings: 10 } } };
  const abort = { criteriaList: [{ failureType: 'FAILED', action: 'CANCEL', thresholdPercentage: 25.5, minNumberOfExecutedThings: 4 }] };
  const created = await awsCli(s, [
    'iot', 'create-job', '--job-id', 'cli-rollout', '--targets', target, '--document', '{"op":"x"}',
    '--job-executions-rollout-config', JSON.stringify(rollout),
    '--abort-config', JSON.stringify(abort),
    '--timeout-config', 'inProgressTimeoutInMinutes=20',
    '--job-executions-retry-config', JSON.stringify({ criteriaList: [{ failureType: 'ALL', numberOfRetries: 2 }] }),
    '--scheduling-config', JSON.stringify({ startTime: start, maintenanceWindows: [{ startTime: 'cron(0 18 ? * MON-FRI *)', durationInMinutes: 60 }] }),
  ]);
  assert.equal(created.code, 0, created.stderr);
  const refused = await awsCli(s, ['iot', 'update-job', '--job-id', 'cli-rollout', '--job-executions-rollout-config', '{"maximumPerMinute":1001}']);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /InvalidRequestException.*jobExecutionsRolloutConfig\.maximumPerMinute 1001 is not valid/);
  const updated = await awsCli(s, ['iot', 'update-job', '--job-id', 'cli-rollout', '--job-executions-rollout-config', '{"maximumPerMinute":20}', '--description', 'slower']);
  assert.equal(updated.code, 0, updated.stderr);
  const described = await awsCli(s, ['iot', 'describe-job', '--job-id', 'cli-rollout']);
  assert.equal(described.code, 0, described.stderr);
  const job = JSON.parse(described.stdout).job;
  assert.deepEqual([job.status, job.description, job.jobExecutionsRolloutConfig, job.abortConfig], ['SCHEDULED', 'slower', { maximumPerMinute: 20 }, abort]);
  assert.deepEqual(job.jobExecutionsRetryConfig, { criteriaList: [{ failureType: 'ALL', numberOfRetries: 2 }] });
  assert.equal(job.schedulingConfig.startTime, start);
  assert.equal(job.scheduledJobRollouts.length, 7);
});
