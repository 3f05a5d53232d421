import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DescribeJobCommand, DescribeJobExecutionCommand } from '@aws-sdk/client-iot';
import { startTestServer, tempDir, type TestServer } from '../helpers/server.js';
import { pgSkipReason, pgTestSchema } from '../helpers/postgres.js';
import type { DeviceCredentials } from '../mqtt/helpers.js';
import { startChildServer } from './child-server.js';
import { createJob, createSigningRole, iotAtClock, JobsDevice, provisionDevices, uploadFirmware } from './helpers.js';

const MINUTE = 60_000;
const THINGS = ['miso_r_started', 'miso_r_waiting', 'miso_r_done'];
const DOCUMENT = JSON.stringify({ operation: 'download', url: '${aws:iot:s3-presigned-url:https://s3.amazonaws.com/firmware/r.bin}' });

/** Before the restart: one execution IN_PROGRESS with a 5-minute step timer, one QUEUED, one SUCCEEDED, each acknowledged. */
async function firstHalf(ts: TestServer): Promise<Map<string, DeviceCredentials>> {
  const devices = await provisionDevices(ts, THINGS);
  await uploadFirmware(ts, 'firmware', 'r.bin', Buffer.from('restart firmware'));
  const roleArn = await createSigningRole(ts, 'restart-signer', 'firmware');
  await createJob(ts, { jobId: 'survivor', things: THINGS, document: DOCUMENT, presignedUrlConfig: { roleArn, expiresInSec: 120 }, timeoutConfig: { inProgressTimeoutInMinutes: 30 } });
  const started = await JobsDevice.connect(ts, 'miso_r_started', devices.get('miso_r_started')!);
  assert.equal((await started.accepted('start-next', { stepTimeoutInMinutes: 5, statusDetails: { step: 'downloading' } })).execution.status, 'IN_PROGRESS');
  const done = await JobsDevice.connect(ts, 'miso_r_done', devices.get('miso_r_done')!);
  await done.accepted('survivor/update', { status: 'IN_PROGRESS' });
  await done.accepted('survivor/update', { status: 'SUCCEEDED', statusDetails: { result: 'ok' } });
  // No clean disconnect: the server goes away under them.
  started.client.end(true);
  done.client.end(true);
  return devices;
}

/** After the restart: the state is intact, the step timer fires by the clock, the waiting device gets its work and the job completes. */
async function secondHalf(ts: TestServer, devices: Map<string, DeviceCredentials>): Promise<void> {
  const iot = () => iotAtClock(ts);
  const job = (await iot().send(new DescribeJobCommand({ jobId: 'survivor' }))).job!;
  assert.equal(job.status, 'IN_PROGRESS');
  assert.deepEqual(
    [job.jobProcessDetails?.numberOfInProgressThings, job.jobProcessDetails?.numberOfQueuedThings, job.jobProcessDetails?.numberOfSucceededThings],
    [1, 1, 1],
  );
  const started = (await iot().send(new DescribeJobExecutionCommand({ jobId: 'survivor', thingName: 'miso_r_started' }))).execution!;
  assert.deepEqual([started.status, started.statusDetails?.detailsMap, started.versionNumber], ['IN_PROGRESS', { step: 'downloading' }, 2]);
  assert.ok(started.approximateSecondsBeforeTimedOut! > 0 && started.approximateSecondsBeforeTimedOut! <= 300, 'the step timer survived');
  const done = (await iot().send(new DescribeJobExecutionCommand({ jobId: 'survivor', thingName: 'miso_r_done' }))).execution!;
  assert.deepEqual([done.status, done.statusDetails?.detailsMap], ['SUCCEEDED', { result: 'ok' }]);

  ts.clock.advance(5 * MINUTE + 1000);
  await ts.server.ctx.services.jobs.tick();
  assert.equal((await iot().send(new DescribeJobExecutionCommand({ jobId: 'survivor', thingName: 'miso_r_started' }))).execution?.status, 'TIMED_OUT');

  // The waiting device reconnects and asks for its pending work.
  const waiting = await JobsDevice.connect(ts, 'miso_r_waiting', devices.get('miso_r_waiting')!);
  try {
    const pending = await waiting.accepted('get');
    assert.deepEqual(pending.queuedJobs.map((j: { jobId: string }) => j.jobId), ['survivor']);
    const execution = (await waiting.accepted('start-next')).execution;
    const link = new URL(execution.jobDocument.url);
    assert.equal(link.origin, ts.endpoints.endpoints.s3, 'links point at the S3 endpoint of the server now running');
    await waiting.accepted('survivor/update', { status: 'SUCCEEDED' });
  } finally {
    await waiting.end();
  }
  const finished = (await iot().send(new DescribeJobCommand({ jobId: 'survivor' }))).job!;
  assert.equal(finished.status, 'COMPLETED');
  assert.deepEqual(
    [finished.jobProcessDetails?.numberOfSucceededThings, finished.jobProcessDetails?.numberOfTimedOutThings, finished.jobProcessDetails?.numberOfInProgressThings, finished.jobProcessDetails?.numberOfQueuedThings],
    [2, 1, 0, 0],
  );
}

describe('jobs across restarts', () => {
  test('a clean restart on the same data dir (SQLite): executions, timers and counters intact; the job completes', async (t) => {
    const dataDir = tempDir();
    const first = await startTestServer({ dataDir, keepDataDir: true });
    const devices = await firstHalf(first);
    await first.stop();
    const second = await startTestServer({ dataDir });
    t.after(() => second.close());
    await secondHalf(second, devices);
  });

  test('a clean restart on PostgreSQL', { skip: pgSkipReason() }, async (t) => {
    const pg = await pgTestSchema();
    const dataDir = tempDir();
    const first = await startTestServer({ dataDir, keepDataDir: true, pg });
    const devices = await firstHalf(first);
    await first.stop();
    const second = await startTestServer({ dataDir, pg });
    t.after(async () => {
      await second.close();
      await pg.drop();
    });
    await secondHalf(second, devices);
  });

  test('kill -9 of `ferry server` mid-job loses nothing acknowledged', async (t) => {
    const dataDir = tempDir();
    const child = await startChildServer(dataDir);
    t.after(() => (child.child.exitCode === null ? child.kill9() : undefined));
    const devices = await firstHalf(child.ts);
    await child.kill9();
    const second = await startTestServer({ dataDir });
    t.after(() => second.close());
    await secondHalf(second, devices);
  });
});
