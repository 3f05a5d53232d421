import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DescribeJobCommand } from '@aws-sdk/client-iot';
import { clusterSkipReason, startTestCluster } from './helpers.js';
import { createJob, JobsDevice, provisionDevices } from '../jobs/helpers.js';

const skip = clusterSkipReason();

test('a job created through one node notifies a device connected to another, which completes it there; counters exact', { skip }, async (t) => {
  const cluster = await startTestCluster(2);
  t.after(() => cluster.close());
  const [a, b] = cluster.nodes as [typeof cluster.nodes[0], typeof cluster.nodes[0]];
  const creds = await provisionDevices(a, ['miso_far']);
  const device = await JobsDevice.connect(b, 'miso_far', creds.get('miso_far')!);
  await createJob(a, { jobId: 'across', things: ['miso_far'], document: '{"operation":"noop"}' });
  const next = JSON.parse((await device.inbox.next('$aws/things/miso_far/jobs/notify-next')).payload) as { execution?: { jobId: string } };
  assert.equal(next.execution?.jobId, 'across');
  const started = await device.request('start-next');
  assert.equal(started.outcome, 'accepted');
  const done = await device.request('across/update', { status: 'SUCCEEDED' });
  assert.equal(done.outcome, 'accepted');
  const job = await a.iot().send(new DescribeJobCommand({ jobId: 'across' }));
  assert.equal(job.job?.status, 'COMPLETED');
  assert.equal(job.job?.jobProcessDetails?.numberOfSucceededThings, 1);
  device.client.end(true);
});
