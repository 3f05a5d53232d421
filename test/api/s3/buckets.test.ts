import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetBucketLocationCommand,
  HeadBucketCommand,
  ListBucketsCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { startTestServer } from '../../helpers/server.js';
import { rawRequest } from '../../helpers/http.js';
import { rejectsWith } from './helpers.js';

test('CreateBucket, HeadBucket, ListBuckets, GetBucketLocation, DeleteBucket (BucketNotEmpty until empty)', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const s3 = s.s3();
  const created = await s3.send(new CreateBucketCommand({ Bucket: 'fleet-firmware' }));
  assert.equal(created.Location, '/fleet-firmware');
  await s3.send(new CreateBucketCommand({ Bucket: 'a.b-c' }));
  // us-east-1 answers 200 to re-creating one's own bucket (aws-wire-protocols.md §4.5).
  await s3.send(new CreateBucketCommand({ Bucket: 'fleet-firmware' }));

  const head = await s3.send(new HeadBucketCommand({ Bucket: 'fleet-firmware' }));
  assert.equal(head.BucketRegion, 'us-east-1');
  await rejectsWith(s3.send(new HeadBucketCommand({ Bucket: 'no-such-bucket' })), 'NotFound', 404);

  const listed = await s3.send(new ListBucketsCommand({}));
  assert.deepEqual(listed.Buckets!.map((b) => b.Name), ['a.b-c', 'fleet-firmware']);
  assert.ok(listed.Buckets![0]!.CreationDate instanceof Date);
  assert.equal(listed.Owner!.ID, s.endpoints.accountId);

  const location = await s3.send(new GetBucketLocationCommand({ Bucket: 'fleet-firmware' }));
  assert.equal(location.LocationConstraint, undefined);

  for (const bad of ['ab', 'Upper', 'has_underscore', '-dash', 'dot..dot', '192.168.1.1', 'x'.repeat(64), 'xn--punycode']) {
    await rejectsWith(s3.send(new CreateBucketCommand({ Bucket: bad })), 'InvalidBucketName', 400);
  }
  await rejectsWith(s3.send(new CreateBucketCommand({ Bucket: 'elsewhere', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } })), 'IllegalLocationConstraintException', 400);

  await s3.send(new PutObjectCommand({ Bucket: 'fleet-firmware', Key: 'k', Body: 'x' }));
  await rejectsWith(s3.send(new DeleteBucketCommand({ Bucket: 'fleet-firmware' })), 'BucketNotEmpty', 409);
  await s3.send(new DeleteObjectCommand({ Bucket: 'fleet-firmware', Key: 'k' }));
  await s3.send(new DeleteBucketCommand({ Bucket: 'fleet-firmware' }));
  await rejectsWith(s3.send(new DeleteBucketCommand({ Bucket: 'fleet-firmware' })), 'NoSuchBucket', 404);
  assert.deepEqual((await s3.send(new ListBucketsCommand({}))).Buckets!.map((b) => b.Name), ['a.b-c']);
});

test('outside us-east-1, re-creating a bucket is BucketAlreadyOwnedByYou and the location constraint is the region', async (t) => {
  const s = await startTestServer({ region: 'eu-west-1' });
  t.after(() => s.close());
  const s3 = new S3Client({ region: 'eu-west-1', credentials: s.credentials, endpoint: s.endpoints.endpoints.s3, forcePathStyle: true, requestHandler: new NodeHttpHandler({ httpsAgent: s.agent }), maxAttempts: 1 });
  await s3.send(new CreateBucketCommand({ Bucket: 'eu-bucket', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }));
  const again = await rejectsWith(s3.send(new CreateBucketCommand({ Bucket: 'eu-bucket', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } })), 'BucketAlreadyOwnedByYou', 409);
  assert.match(again.message, /you already own it/);
  assert.equal((await s3.send(new GetBucketLocationCommand({ Bucket: 'eu-bucket' }))).LocationConstraint, 'eu-west-1');
  assert.equal((await s3.send(new HeadBucketCommand({ Bucket: 'eu-bucket' }))).BucketRegion, 'eu-west-1');
});

test('sub-resources Ferry does not implement answer NotImplemented in S3 XML, not a plain GET', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  await s.s3().send(new CreateBucketCommand({ Bucket: 'subres' }));
  const { signRequest } = await import('../../helpers/sign.js');
  const url = `${s.endpoints.endpoints.s3}/subres?acl`;
  const signed = await signRequest({ url, method: 'GET', service: 's3', region: 'us-east-1', credentials: s.credentials, headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' }, s3: true, signingDate: new Date(s.clock.now()) });
  const res = await rawRequest({ url, headers: signed.headers, ca: s.ca });
  assert.equal(res.status, 501);
  assert.match(res.body, /<Code>NotImplemented<\/Code>/);
});
