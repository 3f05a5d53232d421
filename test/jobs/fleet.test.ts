import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { AddThingToThingGroupCommand, AttachPolicyCommand, AttachThingPrincipalCommand, CreateThingCommand, CreateThingGroupCommand, DescribeJobCommand, ListJobExecutionsForJobCommand } from '@aws-sdk/client-iot';
import { startTestServer } from '../helpers/server.js';
import { createEcCertificate, createPolicy, storyPolicy, type DeviceCredentials } from '../mqtt/helpers.js';
import { arnOf, createJob, createSigningRole, uploadFirmware } from './helpers.js';

const THINGS = 200;
const CERTIFICATES = 10;

test(`a thing-group job over ${THINGS} things with ${THINGS} concurrent device connections: every execution ends as its device chose, counters exact`, async (t) => {
  const ts = await startTestServer();
  t.after(() => ts.close());
  const iot = ts.iot();
  await createPolicy(iot, 'miso-device', storyPolicy(ts));
  await iot.send(new CreateThingGroupCommand({ thingGroupName: 'miso-fleet' }));
  await iot.send(new CreateThingGroupCommand({ thingGroupName: 'miso-fleet-west', parentGroupName: 'miso-fleet' }));
  const certificates: DeviceCredentials[] = [];
  for (let i = 0; i < CERTIFICATES; i++) {
    const creds = await createEcCertificate(iot);
    await iot.send(new AttachPolicyCommand({ policyName: 'miso-device', target: creds.certificateArn }));
    certificates.push(creds);
  }
  // Ten certificates, each attached to twenty things (AWS allows a certificate on several things).
  const things = Array.from({ length: THINGS }, (_, i) => ({ name: `miso_fleet_${String(i).padStart(3, '0')}`, certificate: i % CERTIFICATES }));
  await Promise.all(
    things.map(async (thing, i) => {
      await iot.send(new CreateThingCommand({ thingName: thing.name }));
      await iot.send(new AttachThingPrincipalCommand({ thingName: thing.name, principal: certificates[thing.certificate]!.certificateArn }));
      await iot.send(new AddThingToThingGroupCommand({ thingGroupName: i % 2 === 0 ? 'miso-fleet' : 'miso-fleet-west', thingName: thing.name }));
    }),
  );
  await uploadFirmware(ts, 'firmware', 'fleet.bin', Buffer.from('fleet firmware'));
  const roleArn = await createSigningRole(ts, 'fleet-signer', 'firmware');

  // Workers do not inherit tsx's loader on Node 20: register it, then load the TypeScript module.
  const bootstrap = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(new URL('./fleet-worker.ts', import.meta.url).href)}); })`;
  const worker = new Worker(bootstrap, {
    eval: true,
    workerData: { url: ts.endpoints.endpoints.mqtt, ca: ts.ca, certificates: certificates.map(({ certificatePem, privateKeyPem }) => ({ certificatePem, privateKeyPem })), things, batch: 50 },
  });
  t.after(() => worker.terminate());
  const next = messagesOf(worker);
  assert.deepEqual(await next(), { connected: THINGS });

  await createJob(ts, {
    jobId: 'fleet-1',
    targets: [arnOf(ts, 'thinggroup/miso-fleet')],
    document: JSON.stringify({ operation: 'download', url: '${aws:iot:s3-presigned-url:https://s3.amazonaws.com/firmware/fleet.bin}' }),
    presignedUrlConfig: { roleArn, expiresInSec: 600 },
  });
  const result = (await next()) as { finished: Record<string, string>; urls: number };
  assert.equal(Object.keys(result.finished).length, THINGS);
  assert.equal(result.urls, THINGS, 'every notify-next carried a signed link');

  const expectedFailed = things.filter((_, i) => i % 3 === 0).length;
  const job = (await iot.send(new DescribeJobCommand({ jobId: 'fleet-1' }))).job!;
  assert.equal(job.status, 'COMPLETED');
  assert.deepEqual(job.jobProcessDetails, {
    numberOfCanceledThings: 0,
    numberOfSucceededThings: THINGS - expectedFailed,
    numberOfFailedThings: expectedFailed,
    numberOfRejectedThings: 0,
    numberOfQueuedThings: 0,
    numberOfInProgressThings: 0,
    numberOfRemovedThings: 0,
    numberOfTimedOutThings: 0,
  });
  const statuses: Record<string, string> = {};
  let nextToken: string | undefined;
  do {
    const page = await iot.send(new ListJobExecutionsForJobCommand({ jobId: 'fleet-1', maxResults: 250, nextToken }));
    for (const s of page.executionSummaries ?? []) statuses[s.thingArn!.split('/')[1]!] = s.jobExecutionSummary!.status!;
    nextToken = page.nextToken;
  } while (nextToken);
  assert.deepEqual(statuses, result.finished, 'each execution ended as its device chose');

  worker.postMessage('close');
  assert.deepEqual(await next(), { closed: true });
});

/** The worker's messages in order; an { error } message rejects. */
function messagesOf(worker: Worker): () => Promise<Record<string, unknown>> {
  const queue: Array<Record<string, unknown>> = [];
  const waiting: Array<{ resolve: (m: Record<string, unknown>) => void; reject: (e: Error) => void }> = [];
  let failure: Error | undefined;
  worker.on('message', (message: Record<string, unknown>) => {
    if (message.error) {
      failure = new Error(String(message.error));
      for (const w of waiting.splice(0)) w.reject(failure);
      return;
    }
    const waiter = waiting.shift();
    if (waiter) waiter.resolve(message);
    else queue.push(message);
  });
  worker.on('error', (error) => {
    failure = error;
    for (const w of waiting.splice(0)) w.reject(error);
  });
  return () => {
    if (failure) return Promise.reject(failure);
    const queued = queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
  };
}
