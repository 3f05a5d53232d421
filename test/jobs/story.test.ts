import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { DescribeJobCommand, DescribeJobExecutionCommand, GetJobDocumentCommand } from '@aws-sdk/client-iot';
import { UpdateAssumeRolePolicyCommand } from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from '../helpers/server.js';
import type { DeviceCredentials } from '../mqtt/helpers.js';
import { createJob, createSigningRole, eventsObserver, httpsGet, provisionDevices, trustPolicy, uploadFirmware } from './helpers.js';

interface SdkJob {
  id: string;
  document: { operation: string; version: string; url: string };
  status: { status: string };
  inProgress(details: Record<string, string>, cb: (err?: Error) => void): void;
  succeeded(details: Record<string, string>, cb: (err?: Error) => void): void;
}
interface SdkJobs {
  on(event: 'connect' | 'error', cb: (...args: unknown[]) => void): void;
  subscribeToJobs(thing: string, operation: string, cb: (err: Error | null, job: SdkJob) => void): void;
  startJobNotifications(thing: string, cb: (err?: Error) => void): void;
  end(force: boolean, cb?: () => void): void;
}
const awsIot = createRequire(import.meta.url)('aws-iot-device-sdk') as { jobs(options: Record<string, unknown>): SdkJobs };

/** A device on aws-iot-device-sdk's `jobs` API (v1), as the SDK's own jobs agent connects. */
function sdkJobsDevice(ts: TestServer, thingName: string, creds: DeviceCredentials): Promise<SdkJobs> {
  const url = new URL(ts.endpoints.endpoints.mqtt);
  const jobs = awsIot.jobs({
    host: url.hostname,
    port: Number(url.port),
    protocol: 'mqtts',
    clientId: thingName,
    privateKey: Buffer.from(creds.privateKeyPem),
    clientCert: Buffer.from(creds.certificatePem),
    caCert: Buffer.from(ts.ca),
    servername: 'localhost',
    baseReconnectTimeMs: 60_000,
    maximumReconnectTimeMs: 60_000,
    minimumConnectionTimeMs: 60_000,
  });
  return new Promise((resolve, reject) => {
    jobs.on('connect', () => resolve(jobs));
    jobs.on('error', (e) => reject(e as Error));
  });
}

const FIRMWARE = randomBytes(200_000);
const DOCUMENT = JSON.stringify({ operation: 'download', version: '1.0.0', url: '${aws:iot:s3-presigned-url:https://s3.amazonaws.com/firmware/miso-1.0.0.bin}' });

test('the story: a role that lacks the IoT trust is refused by name; then a device downloads the exact bytes through a fresh link and the job completes', async (t) => {
  const ts = await startTestServer();
  t.after(() => ts.close());
  const iot = ts.iot();
  const thing = 'miso_things_1';
  const devices = await provisionDevices(ts, [thing]);
  await uploadFirmware(ts, 'firmware', 'miso-1.0.0.bin', FIRMWARE);
  // The role trusts the credentials provider, not the IoT service (an easy mistake).
  const roleArn = await createSigningRole(ts, 'miso-jobs', 'firmware', 'credentials.iot.amazonaws.com');

  const job = { jobId: 'firmware-1', things: [thing], document: DOCUMENT, description: 'miso 1.0.0', presignedUrlConfig: { roleArn, expiresInSec: 300 } };
  const refused = await createJob(ts, job).then(
    () => assert.fail('CreateJob accepted a role that does not trust iot.amazonaws.com'),
    (e: Error & { $metadata: { httpStatusCode: number } }) => e,
  );
  assert.equal(refused.name, 'InvalidRequestException');
  assert.equal(refused.$metadata.httpStatusCode, 400);
  assert.match(refused.message, new RegExp(`Role ${roleArn} does not trust iot\\.amazonaws\\.com`));
  await assert.rejects(iot.send(new DescribeJobCommand({ jobId: 'firmware-1' })), { name: 'ResourceNotFoundException' }, 'nothing was stored');

  await ts.iam().send(new UpdateAssumeRolePolicyCommand({ RoleName: 'miso-jobs', PolicyDocument: trustPolicy('iot.amazonaws.com') }));
  const created = await createJob(ts, job);
  assert.equal(created.jobId, 'firmware-1');
  assert.equal(created.jobArn, `arn:aws:iot:${ts.endpoints.region}:${ts.endpoints.accountId}:job/firmware-1`);
  assert.equal(created.description, 'miso 1.0.0');
  // The control plane returns the document as stored, placeholder and all.
  assert.equal((await iot.send(new GetJobDocumentCommand({ jobId: 'firmware-1' }))).document, DOCUMENT);

  const observer = await eventsObserver(ts);
  t.after(() => observer.client.endAsync());
  const device = await sdkJobsDevice(ts, thing, devices.get(thing)!);
  t.after(() => new Promise<void>((resolve) => device.end(true, resolve)));

  const received = new Promise<SdkJob>((resolve, reject) => device.subscribeToJobs(thing, 'download', (err, j) => (err ? reject(err) : resolve(j))));
  device.startJobNotifications(thing, (err) => assert.ifError(err));
  const sdkJob = await received;
  assert.equal(sdkJob.id, 'firmware-1');
  assert.equal(sdkJob.status.status, 'QUEUED');
  const link = new URL(sdkJob.document.url);
  assert.equal(link.origin, ts.endpoints.endpoints.s3, 'the link points at Ferry\'s S3 endpoint at the advertised host');
  assert.equal(link.pathname, '/firmware/miso-1.0.0.bin');
  assert.equal(link.searchParams.get('X-Amz-Expires'), '300');
  assert.ok(link.searchParams.get('X-Amz-Security-Token'), 'signed with a role session');

  await new Promise<void>((resolve, reject) => sdkJob.inProgress({ step: 'downloading' }, (e) => (e ? reject(e) : resolve())));
  const download = await httpsGet(ts, sdkJob.document.url);
  assert.equal(download.status, 200);
  assert.ok(download.body.equals(FIRMWARE), 'the exact bytes');
  const sha256 = createHash('sha256').update(download.body).digest('hex');
  await new Promise<void>((resolve, reject) => sdkJob.succeeded({ step: 'installed', sha256 }, (e) => (e ? reject(e) : resolve())));

  // The operators' events tell when the execution and the job are done.
  const succeeded = JSON.parse((await observer.box.next('$aws/events/jobExecution/firmware-1/succeeded')).payload);
  assert.equal(succeeded.eventType, 'JOB_EXECUTION');
  assert.equal(succeeded.thingArn, `arn:aws:iot:${ts.endpoints.region}:${ts.endpoints.accountId}:thing/${thing}`);
  assert.deepEqual(succeeded.statusDetails, { step: 'installed', sha256 });
  const completed = JSON.parse((await observer.box.next('$aws/events/job/firmware-1/completed')).payload);
  assert.equal(completed.status, 'COMPLETED');
  assert.equal(completed.jobProcessDetails.numberOfSucceededThings, 1);

  const execution = (await iot.send(new DescribeJobExecutionCommand({ jobId: 'firmware-1', thingName: thing }))).execution!;
  assert.equal(execution.status, 'SUCCEEDED');
  assert.deepEqual(execution.statusDetails?.detailsMap, { step: 'installed', sha256 });
  assert.equal(execution.thingArn, `arn:aws:iot:${ts.endpoints.region}:${ts.endpoints.accountId}:thing/${thing}`);
  assert.equal(execution.versionNumber, 3, 'queued (1), IN_PROGRESS (2), SUCCEEDED (3)');
  assert.ok(execution.startedAt instanceof Date && execution.lastUpdatedAt instanceof Date);
  assert.equal(execution.approximateSecondsBeforeTimedOut, undefined);

  const described = await iot.send(new DescribeJobCommand({ jobId: 'firmware-1' }));
  assert.equal(described.job?.status, 'COMPLETED');
  assert.ok(described.job?.completedAt instanceof Date);
  assert.deepEqual(described.job?.presignedUrlConfig, { roleArn, expiresInSec: 300 });
  assert.deepEqual(described.job?.jobProcessDetails, {
    numberOfCanceledThings: 0,
    numberOfSucceededThings: 1,
    numberOfFailedThings: 0,
    numberOfRejectedThings: 0,
    numberOfQueuedThings: 0,
    numberOfInProgressThings: 0,
    numberOfRemovedThings: 0,
    numberOfTimedOutThings: 0,
  });
});
