import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { CreateAccessKeyCommand, CreateUserCommand, GetRoleCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
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
