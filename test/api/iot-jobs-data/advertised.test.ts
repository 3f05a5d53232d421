/**
 * The data plane is advertised where a user looks for it, and what is
 * advertised answers: endpoints.json's `iotJobsData`, the AWS config's
 * `iot_jobs_data_plane` service (the SDK finds the endpoint from the profile
 * alone), DescribeEndpoint `iot:Jobs`, and the connection kit's
 * `endpoints.iotJobsData`, with which `ferry agent --transport https` works.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { DescribeEndpointCommand } from '@aws-sdk/client-iot';
import { GetPendingJobExecutionsCommand, IoTJobsDataPlaneClient } from '@aws-sdk/client-iot-jobs-data-plane';
import { startTestServer, tempDir } from '../../helpers/server.js';
import { createJob } from '../../jobs/helpers.js';
import { cli } from '../../cli/helpers.js';

test('endpoints.json, the AWS profile, DescribeEndpoint iot:Jobs and the kit all name the data plane, and it answers there', async (t) => {
  const ts = await startTestServer();
  t.after(() => ts.close());
  const advertised = ts.endpoints.endpoints.iotJobsData;
  assert.equal(new URL(advertised).port, new URL(ts.endpoints.endpoints.credentialProvider).port, 'the device listener');
  assert.match(readFileSync(ts.endpoints.configFile, 'utf8'), new RegExp(`^iot_jobs_data_plane =\\n  endpoint_url = ${advertised.replace(/[.]/g, '\\.')}$`, 'm'));
  assert.equal((await ts.iot().send(new DescribeEndpointCommand({ endpointType: 'iot:Jobs' }))).endpointAddress, new URL(advertised).hostname);

  // The SDK given nothing but the profile: no endpoint, which would otherwise be AWS's data.jobs.iot.REGION.amazonaws.com
  // (this test file runs in its own process, so its environment is its own).
  Object.assign(process.env, { AWS_CONFIG_FILE: ts.endpoints.configFile, AWS_SHARED_CREDENTIALS_FILE: ts.endpoints.credentialsFile, AWS_PROFILE: 'ferry' });
  const fromProfile = new IoTJobsDataPlaneClient({ requestHandler: new NodeHttpHandler({ httpsAgent: ts.agent }), maxAttempts: 1 });
  await ts.server.ctx.services.registry.things.create({ name: 'miso_advertised' });
  await createJob(ts, { jobId: 'advertised-1', things: ['miso_advertised'], document: '{"operation":"noop"}' });
  const pending = await fromProfile.send(new GetPendingJobExecutionsCommand({ thingName: 'miso_advertised' }));
  assert.deepEqual(pending.queuedJobs?.map((j) => j.jobId), ['advertised-1']);

  // The kit `ferry thing create` writes carries the same endpoint.
  const work = tempDir();
  const d = ['--data-dir', ts.dataDir];
  assert.equal((await cli(['policy', 'create', 'miso-device', '--device', '--client-prefix', 'miso', ...d])).code, 0);
  const created = await cli(['thing', 'create', 'miso_kit', '--policy', 'miso-device', '--kit', join(work, 'kit'), ...d]);
  assert.equal(created.code, 0, created.stderr);
  const kit = JSON.parse(readFileSync(join(work, 'kit', 'kit.json'), 'utf8'));
  assert.equal(kit.endpoints.iotJobsData, advertised);
});
