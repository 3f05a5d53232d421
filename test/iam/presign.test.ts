import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AttachRolePolicyCommand, CreatePolicyCommand, CreateRoleCommand, DetachRolePolicyCommand } from '@aws-sdk/client-iam';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { rawRequest } from '../helpers/http.js';
import { startTestServer } from '../helpers/server.js';
import { allowPolicy, trustPolicy } from './helpers.js';

test('a URL presigned as a role downloads while the role allows it, and is AccessDenied once s3:GetObject is detached', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const iam = s.iam();
  const root = s.s3();
  const presigner = s.server.ctx.services.iam;
  const { accountId } = s.endpoints;

  await root.send(new CreateBucketCommand({ Bucket: 'firmware' }));
  await root.send(new PutObjectCommand({ Bucket: 'firmware', Key: 'miso/1.0.0 image.bin', Body: 'the image' }));
  const roleArn = (await iam.send(new CreateRoleCommand({ RoleName: 'jobs-signer', AssumeRolePolicyDocument: trustPolicy('iot.amazonaws.com') }))).Role!.Arn!;
  const policyArn = (await iam.send(new CreatePolicyCommand({ PolicyName: 'firmware-read', PolicyDocument: allowPolicy('s3:GetObject', 'arn:aws:s3:::firmware/*') }))).Policy!.Arn!;
  await iam.send(new AttachRolePolicyCommand({ RoleName: 'jobs-signer', PolicyArn: policyArn }));

  const url = await presigner.presignGetAsRole({ roleArn, bucket: 'firmware', key: 'miso/1.0.0 image.bin', expiresSec: 600 });
  assert.ok(url.startsWith(`${s.endpoints.endpoints.s3}/firmware/miso/1.0.0%20image.bin?`), url);
  const params = new URL(url).searchParams;
  assert.equal(params.get('X-Amz-Expires'), '600');
  assert.ok(params.get('X-Amz-Security-Token'), 'signed with temporary credentials');
  assert.match(params.get('X-Amz-Credential') ?? '', /^ASIA/);

  const ok = await rawRequest({ url, ca: s.ca });
  assert.equal(ok.status, 200, ok.body);
  assert.equal(ok.body, 'the image');

  // A role without the IoT trust is refused with a message naming the trust; a missing role by name.
  const deviceRole = (await iam.send(new CreateRoleCommand({ RoleName: 'device-only', AssumeRolePolicyDocument: trustPolicy('credentials.iot.amazonaws.com') }))).Role!.Arn!;
  await assert.rejects(presigner.presignGetAsRole({ roleArn: deviceRole, bucket: 'firmware', key: 'miso/1.0.0 image.bin', expiresSec: 600 }), /does not trust iot\.amazonaws\.com/);
  await assert.rejects(
    presigner.presignGetAsRole({ roleArn: `arn:aws:iam::${accountId}:role/nobody`, bucket: 'firmware', key: 'k', expiresSec: 600 }),
    /Role arn:aws:iam::\d+:role\/nobody does not exist/,
  );

  // Taking s3:GetObject away stops the outstanding URL at download time.
  await iam.send(new DetachRolePolicyCommand({ RoleName: 'jobs-signer', PolicyArn: policyArn }));
  const refused = await rawRequest({ url, ca: s.ca });
  assert.equal(refused.status, 403);
  assert.match(refused.body, /<Code>AccessDenied<\/Code>/);

  // Given back, a fresh URL works, and expires as S3 says once X-Amz-Expires has passed.
  await iam.send(new AttachRolePolicyCommand({ RoleName: 'jobs-signer', PolicyArn: policyArn }));
  const fresh = await presigner.presignGetAsRole({ roleArn, bucket: 'firmware', key: 'miso/1.0.0 image.bin', expiresSec: 60 });
  assert.equal((await rawRequest({ url: fresh, ca: s.ca })).status, 200);
  s.clock.advance(61_000);
  const expired = await rawRequest({ url: fresh, ca: s.ca });
  assert.equal(expired.status, 403);
  assert.match(expired.body, /<Message>Request has expired<\/Message>/);
});
