import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { CreateThingCommand, ListThingsCommand } from '@aws-sdk/client-iot';
import { CreateRoleCommand, ListRolesCommand } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { CreateBucketCommand, DeleteObjectsCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { DescribeJobExecutionCommand, IoTJobsDataPlaneClient, UpdateJobExecutionCommand } from '@aws-sdk/client-iot-jobs-data-plane';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { HttpRequest } from '@smithy/protocol-http';
import { rejectsWith } from '../helpers/assert.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/** The Jobs data plane on the device listener, signed with the root key (SigV4 is allowed there, as on AWS). */
function jobsData(s: TestServer): IoTJobsDataPlaneClient {
  return new IoTJobsDataPlaneClient({
    region: s.endpoints.region,
    endpoint: s.endpoints.endpoints.iotJobsData,
    credentials: { ...s.credentials },
    requestHandler: new NodeHttpHandler({ httpsAgent: s.agent }),
    maxAttempts: 1,
  });
}

// Issue 24: a 5 MB DeleteObjects body got a reset instead of its error, so SDKs saw a network error and retried.
// Each listener's refusal must arrive whole, in its protocol's shape, as the SDK's named error; then the same client
// (the same keep-alive connections) goes on working.
test('oversized bodies on every listener get a complete protocol error the SDK names, and the server keeps serving', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());

  // api listener, rest-json (IoT): 413 RequestEntityTooLargeException over 256 KiB.
  const iot = s.iot();
  for (const size of [300 * KiB, 10 * MiB]) {
    await rejectsWith(iot.send(new CreateThingCommand({ thingName: 'too-big', attributePayload: { attributes: { pad: 'x'.repeat(size) } } })), 'RequestEntityTooLargeException', 413);
  }
  await iot.send(new CreateThingCommand({ thingName: 'fits' }));
  assert.deepEqual((await iot.send(new ListThingsCommand({}))).things!.map((x) => x.thingName), ['fits']);

  // api listener, aws-query (IAM and STS): an error document in the query shape.
  const iam = s.iam();
  await rejectsWith(iam.send(new CreateRoleCommand({ RoleName: 'too-big', AssumeRolePolicyDocument: 'x'.repeat(10 * MiB) })), 'InvalidInputException', 400, /larger than this operation accepts/);
  assert.deepEqual((await iam.send(new ListRolesCommand({}))).Roles, []);
  const sts = s.sts();
  sts.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as HttpRequest;
      if (typeof request.body === 'string') request.body += `&Pad=${'x'.repeat(10 * MiB)}`;
      return next(args);
    },
    { step: 'serialize', priority: 'low', name: 'padBody' },
  );
  await rejectsWith(sts.send(new GetCallerIdentityCommand({})), 'InvalidInput', 400, /larger than this operation accepts/);
  assert.equal((await s.sts().send(new GetCallerIdentityCommand({}))).Account, s.endpoints.accountId);

  // device listener, rest-json (Jobs data plane): over 64 KiB, the model's InvalidRequestException (it defines no 413).
  const jobs = jobsData(s);
  await rejectsWith(
    jobs.send(new UpdateJobExecutionCommand({ thingName: 'fits', jobId: 'job-1', status: 'IN_PROGRESS', statusDetails: { pad: 'x'.repeat(10 * MiB) } })),
    'InvalidRequestException',
    400,
    /larger than this operation accepts/,
  );
  // The next request on the listener gets its own answer.
  await rejectsWith(jobs.send(new DescribeJobExecutionCommand({ thingName: 'fits', jobId: 'job-1' })), 'ResourceNotFoundException', 404);

  // s3 listener, rest-xml: an XML body over 4 MiB is MaxMessageLengthExceeded and deletes nothing.
  const s3 = s.s3();
  await s3.send(new CreateBucketCommand({ Bucket: 'kept' }));
  await s3.send(new PutObjectCommand({ Bucket: 'kept', Key: 'k'.repeat(1000) + 0, Body: 'still here' }));
  for (const keys of [5000, 50_000]) {
    const objects = Array.from({ length: keys }, (_, i) => ({ Key: 'k'.repeat(1000) + i }));
    await rejectsWith(s3.send(new DeleteObjectsCommand({ Bucket: 'kept', Delete: { Objects: objects } })), 'MaxMessageLengthExceeded', 400, /too big/);
  }
  // A PUT declaring more than S3's 5 GiB is EntityTooLarge, before a byte of it is read.
  const endless = new Readable({ read() { this.push(Buffer.alloc(64 * KiB)); } });
  await rejectsWith(s3.send(new PutObjectCommand({ Bucket: 'kept', Key: 'huge', Body: endless, ContentLength: 5 * 1024 * MiB + 1 })), 'EntityTooLarge', 400);
  endless.destroy();
  const left = await s3.send(new ListObjectsV2Command({ Bucket: 'kept' }));
  assert.deepEqual(left.Contents!.map((c) => c.Key), ['k'.repeat(1000) + 0]);
});
