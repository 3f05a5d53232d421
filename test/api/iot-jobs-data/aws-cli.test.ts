import { test } from 'node:test';
import assert from 'node:assert/strict';
import { awsCli } from '../../helpers/aws-cli.js';
import { startTestServer } from '../../helpers/server.js';
import { createJob } from '../../jobs/helpers.js';

/** `aws iot-jobs-data …` with nothing but the profile Ferry writes (its services section names the endpoint). */
test('the AWS CLI through the generated profile: get-pending-job-executions, start-next, describe $next, update; DescribeEndpoint iot:Jobs', async (t) => {
  const ts = await startTestServer();
  t.after(() => ts.close());
  const aws = async (args: string[]) => {
    const r = await awsCli(ts, [...args, '--output', 'json']);
    assert.equal(r.code, 0, `aws ${args.join(' ')}: ${r.stderr}`);
    return r.stdout.trim() === '' ? {} : JSON.parse(r.stdout);
  };
  await ts.server.ctx.services.registry.things.create({ name: 'miso_cli' });
  assert.deepEqual(await aws(['iot-jobs-data', 'get-pending-job-executions', '--thing-name', 'miso_cli']), { inProgressJobs: [], queuedJobs: [] });

  await createJob(ts, { jobId: 'cli-1', things: ['miso_cli'], document: JSON.stringify({ operation: 'noop' }) });
  const pending = await aws(['iot-jobs-data', 'get-pending-job-executions', '--thing-name', 'miso_cli']);
  assert.deepEqual(pending.queuedJobs.map((j: { jobId: string }) => j.jobId), ['cli-1']);
  const next = await aws(['iot-jobs-data', 'describe-job-execution', '--thing-name', 'miso_cli', '--job-id', '$next']);
  assert.deepEqual([next.execution.jobId, next.execution.status, JSON.parse(next.execution.jobDocument)], ['cli-1', 'QUEUED', { operation: 'noop' }]);
  const started = await aws(['iot-jobs-data', 'start-next-pending-job-execution', '--thing-name', 'miso_cli', '--status-details', 'step=started']);
  assert.deepEqual([started.execution.status, started.execution.statusDetails], ['IN_PROGRESS', { step: 'started' }]);
  const done = await aws(['iot-jobs-data', 'update-job-execution', '--thing-name', 'miso_cli', '--job-id', 'cli-1', '--status', 'SUCCEEDED', '--expected-version', '2', '--include-job-execution-state']);
  assert.deepEqual(done.executionState, { status: 'SUCCEEDED', statusDetails: { step: 'started' }, versionNumber: 3 }, 'statusDetails left as they were');

  const stale = await awsCli(ts, ['iot-jobs-data', 'update-job-execution', '--thing-name', 'miso_cli', '--job-id', 'cli-1', '--status', 'FAILED', '--expected-version', '2']);
  assert.notEqual(stale.code, 0);
  assert.match(stale.stderr, /InvalidStateTransitionException/);
  const endpoint = await aws(['iot', 'describe-endpoint', '--endpoint-type', 'iot:Jobs']);
  assert.equal(endpoint.endpointAddress, '127.0.0.1');
});
