import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { CreateAccessKeyCommand, CreateUserCommand, GetRoleCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { CreateBucketCommand, HeadBucketCommand } from '@aws-sdk/client-s3';
import { startTestServer, type TestServer } from '../helpers/server.js';

let ts: TestServer;

before(async () => {
  ts = await startTestServer();
});
after(async () => {
  await ts?.close();
});

function post(path: string, body: unknown, cookie?: string): Promise<{ status: number; headers: Record<string, unknown>; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const request = https.request(new URL(path, ts.endpoints.endpoints.console), { method: 'POST', agent: ts.agent, headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (c: Buffer) => chunks.push(c));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, json: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown> }));
    });
    request.on('error', reject);
    request.end(JSON.stringify(body));
  });
}

async function signIn(accessKeyId: string, secretAccessKey: string): Promise<string> {
  const answer = await post('api/session', { accessKeyId, secretAccessKey });
  assert.equal(answer.status, 200);
  return String((answer.headers['set-cookie'] as string[])[0]).split(';')[0]!;
}

test('a fix runs as the signed-in identity: a user without iam:CreateRole is refused and nothing is made; the root key makes the role', async () => {
  const iam = ts.iam();
  await iam.send(new CreateUserCommand({ UserName: 'operator' }));
  await iam.send(new PutUserPolicyCommand({ UserName: 'operator', PolicyName: 'iot-only', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }] }) }));
  const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'operator' }))).AccessKey!;
  const fix = { kind: 'create-role', roleName: 'FixedRole', bucket: 'firmware', prefix: 'releases/' };

  const refused = await post('api/flows/distribute/fix', { fix }, await signIn(key.AccessKeyId!, key.SecretAccessKey!));
  assert.equal(refused.status, 403);
  assert.equal((refused.json.error as { code: string }).code, 'AccessDenied');
  await assert.rejects(iam.send(new GetRoleCommand({ RoleName: 'FixedRole' })), { name: 'NoSuchEntityException' });

  const done = await post('api/flows/distribute/fix', { fix }, await signIn(ts.credentials.accessKeyId, ts.credentials.secretAccessKey));
  assert.equal(done.status, 200);
  const role = (await iam.send(new GetRoleCommand({ RoleName: 'FixedRole' }))).Role!;
  assert.match(decodeURIComponent(role.AssumeRolePolicyDocument!), /iot\.amazonaws\.com/);
});

test('the create-bucket fix runs as the signed-in identity: a user without s3:CreateBucket is refused and no bucket is made; one with it makes the bucket', async () => {
  const iam = ts.iam();
  await iam.send(new CreateUserCommand({ UserName: 'no-buckets' }));
  await iam.send(new PutUserPolicyCommand({ UserName: 'no-buckets', PolicyName: 'read-only', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['iot:*', 's3:ListAllMyBuckets', 's3:GetObject'], Resource: '*' }] }) }));
  const denied = (await iam.send(new CreateAccessKeyCommand({ UserName: 'no-buckets' }))).AccessKey!;
  await iam.send(new CreateUserCommand({ UserName: 'bucket-maker' }));
  await iam.send(new PutUserPolicyCommand({ UserName: 'bucket-maker', PolicyName: 'buckets', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:CreateBucket', Resource: 'arn:aws:s3:::*' }] }) }));
  const allowed = (await iam.send(new CreateAccessKeyCommand({ UserName: 'bucket-maker' }))).AccessKey!;
  const fix = { kind: 'create-bucket', bucket: 'fixed-firmware' };

  const refused = await post('api/flows/distribute/fix', { fix }, await signIn(denied.AccessKeyId!, denied.SecretAccessKey!));
  assert.equal(refused.status, 403);
  assert.equal((refused.json.error as { code: string }).code, 'AccessDenied');
  await assert.rejects(ts.s3().send(new HeadBucketCommand({ Bucket: 'fixed-firmware' })), { name: 'NotFound' });

  const done = await post('api/flows/distribute/fix', { fix }, await signIn(allowed.AccessKeyId!, allowed.SecretAccessKey!));
  assert.equal(done.status, 200);
  await ts.s3().send(new HeadBucketCommand({ Bucket: 'fixed-firmware' }));
});

test('the bucket check offers the create-bucket fix for a missing bucket, and none for one that exists', async () => {
  const cookie = await signIn(ts.credentials.accessKeyId, ts.credentials.secretAccessKey);
  const body = (bucket: string) => ({ bucket, key: 'releases/app.bin', role: 'NoSuchRole', targets: [{ kind: 'thing', name: 'nobody' }] });
  await ts.s3().send(new CreateBucketCommand({ Bucket: 'present-bucket' }));
  const missingAnswer = await post('api/flows/distribute/check', body('absent-bucket'), cookie);
  assert.equal(missingAnswer.status, 200, JSON.stringify(missingAnswer.json));
  const missing = missingAnswer.json.checks as Array<{ id: string; ok: boolean; fix?: { kind: string; bucket: string } }>;
  const there = (await post('api/flows/distribute/check', body('present-bucket'), cookie)).json.checks as Array<{ id: string; ok: boolean; fix?: unknown }>;
  const absent = missing.find((c) => c.id === 'bucket');
  assert.deepEqual({ ok: absent?.ok, kind: absent?.fix?.kind, bucket: absent?.fix?.bucket }, { ok: false, kind: 'create-bucket', bucket: 'absent-bucket' });
  assert.match(JSON.stringify(missing.find((c) => c.id === 'devices')), /nobody \(does not exist\)/);
  assert.equal(there.find((c) => c.id === 'bucket')?.ok, true);
  assert.equal(there.find((c) => c.id === 'bucket')?.fix, undefined);
});
