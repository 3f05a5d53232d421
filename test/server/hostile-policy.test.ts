import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CreatePolicyCommand, ListThingsCommand, TestAuthorizationCommand, type AuthInfo } from '@aws-sdk/client-iot';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { rmSync } from 'node:fs';
import { rejectsWith } from '../helpers/assert.js';
import { startTestServer, tempDir } from '../helpers/server.js';
import { startChildServer } from '../jobs/child-server.js';
import { connect, end, inbox, provisionThing, subscribe } from '../mqtt/helpers.js';

// Issue 24: with the backtracking RegExp, one TestAuthorization of this pattern on a 250-character topic of `a`s held
// the process's one thread for minutes; no listener answered and SIGTERM went unheard. The server runs as a child
// process here so that, were it stuck, this process could still see it: the S3 call would time out.
test('the worst wildcard pattern of issue 24 is evaluated while another listener keeps answering', async (t) => {
  const dir = tempDir();
  const { ts: s, kill9 } = await startChildServer(dir);
  t.after(async () => {
    await kill9();
    rmSync(dir, { recursive: true, force: true });
  });
  const iot = s.iot();
  const { region, accountId } = s.endpoints;
  const arn = (rest: string) => `arn:aws:iot:${region}:${accountId}:${rest}`;
  const hostile = `${'*a'.repeat(30)}b`;
  const policy = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: 'iot:Connect', Resource: arn('client/*') },
      { Effect: 'Allow', Action: ['iot:Publish', 'iot:Receive'], Resource: arn(`topic/${hostile}`) },
      { Effect: 'Allow', Action: 'iot:Subscribe', Resource: arn(`topicfilter/${hostile}`) },
    ],
  });
  await iot.send(new CreatePolicyCommand({ policyName: 'hostile', policyDocument: policy }));
  const device = await provisionThing(iot, 'hostile-thing', 'hostile');

  const refused = arn(`topic/${'a'.repeat(250)}`);
  const allowed = arn(`topic/${'a'.repeat(249)}b`);
  // AWS's 10 authInfos, each with as many adversarial resources as the api listener's 256 KiB body holds with the others.
  const authInfos: AuthInfo[] = Array.from({ length: 10 }, (_, i) => ({ actionType: 'PUBLISH', resources: Array(60).fill(i === 9 ? allowed : refused) }));
  const evaluations = Array.from({ length: 4 }, () => iot.send(new TestAuthorizationCommand({ principal: device.certificateArn, clientId: 'hostile-thing', authInfos })));
  // While those are evaluated, the s3 listener answers (a stuck server would let this time out).
  const s3 = new S3Client({ region, endpoint: s.endpoints.endpoints.s3, forcePathStyle: true, credentials: s.credentials, maxAttempts: 1, requestHandler: new NodeHttpHandler({ httpsAgent: s.agent, requestTimeout: 30_000, throwOnRequestTimeout: true }) });
  const buckets = await s3.send(new ListBucketsCommand({}));
  assert.deepEqual(buckets.Buckets ?? [], []);
  for (const auth of await Promise.all(evaluations)) {
    assert.deepEqual(
      auth.authResults!.map((r) => r.authDecision),
      [...Array(9).fill('IMPLICIT_DENY'), 'ALLOWED'],
    );
  }
  const things = await iot.send(new ListThingsCommand({}));
  assert.deepEqual(things.things!.map((x) => x.thingName), ['hostile-thing']);

  // The broker judges the same pattern on every publish, subscribe and delivery, and answers as the policy says.
  const client = await connect(s, device, 'hostile-thing');
  t.after(() => end(client));
  const box = inbox(client);
  assert.deepEqual(await subscribe(client, [`${'a'.repeat(249)}b`, 'a'.repeat(250)]), [1, 128]);
  await client.publishAsync(`${'a'.repeat(249)}b`, 'hello', { qos: 1 });
  assert.equal((await box.next(`${'a'.repeat(249)}b`)).payload, 'hello');
});

test('TestAuthorization refuses inputs beyond AWS limits (10 authInfos, 2,048-character resources) beside one within them', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const iot = s.iot();
  const { region, accountId } = s.endpoints;
  await iot.send(new CreatePolicyCommand({ policyName: 'any', policyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }] }) }));
  const device = await provisionThing(iot, 'limits-thing', 'any');
  const topic = (n: number) => {
    const head = `arn:aws:iot:${region}:${accountId}:topic/`;
    return head + 'a'.repeat(n - head.length);
  };
  const ask = (authInfos: AuthInfo[]) => iot.send(new TestAuthorizationCommand({ principal: device.certificateArn, authInfos }));
  const within = await ask(Array.from({ length: 10 }, () => ({ actionType: 'PUBLISH', resources: [topic(2048)] })));
  assert.equal(within.authResults!.length, 10);
  assert.ok(within.authResults!.every((r) => r.authDecision === 'ALLOWED'));
  await rejectsWith(ask(Array.from({ length: 11 }, () => ({ actionType: 'PUBLISH', resources: [topic(100)] }))), 'InvalidRequestException', 400, /at most 10/);
  await rejectsWith(ask([{ actionType: 'PUBLISH', resources: [topic(2049)] }]), 'InvalidRequestException', 400, /2049 characters; at most 2048/);
  await rejectsWith(ask([{ actionType: 'PUBLISH', resources: Array.from({ length: 101 }, () => topic(100)) }]), 'InvalidRequestException', 400, /at most 100/);
});
