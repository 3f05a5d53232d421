import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateThingCommand, IoTClient, ListThingsCommand } from '@aws-sdk/client-iot';
import { CreateRoleCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { startTestServer } from '../../helpers/server.js';

test('the IoT control plane serves the root key, and a role session what its role allows (issue 20); STS names each', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'credentials.iot.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
  const created = await s.iam().send(new CreateRoleCommand({ RoleName: 'device-role', AssumeRolePolicyDocument: trust }));
  // A session of a role that allows iot:ListThings may list things, and nothing else (issue 20).
  const allowAll = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:ListThings', Resource: '*' }] });
  await s.iam().send(new PutRolePolicyCommand({ RoleName: 'device-role', PolicyName: 'all', PolicyDocument: allowAll }));
  const role = await s.server.ctx.services.iam.roles.findByArn(created.Role!.Arn!);
  const session = await s.server.ctx.services.iam.sessions.issue(role!, { sessionName: 'dev1', durationSeconds: 900, variables: {} });
  const credentials = { accessKeyId: session.accessKeyId, secretAccessKey: session.secretAccessKey, sessionToken: session.sessionToken };
  const handler = new NodeHttpHandler({ httpsAgent: s.agent });

  assert.ok(Array.isArray((await s.iot().send(new ListThingsCommand({}))).things), 'root may');
  const asRole = new IoTClient({ region: 'us-east-1', endpoint: s.endpoints.endpoints.iot, credentials, requestHandler: handler, maxAttempts: 1 });
  assert.ok(Array.isArray((await asRole.send(new ListThingsCommand({}))).things), 'the role allows it');
  await assert.rejects(asRole.send(new CreateThingCommand({ thingName: 'x' })), {
    name: 'AccessDeniedException',
    message: /assumed-role\/device-role\/dev1 is not authorized to perform: iot:CreateThing on resource: arn:aws:iot:[^:]+:\d+:thing\/x because no identity-based policy allows the iot:CreateThing action/,
  });
  await s.iot().send(new CreateThingCommand({ thingName: 'x' }));

  const sts = new STSClient({ region: 'us-east-1', endpoint: s.endpoints.endpoints.iam, credentials, requestHandler: handler, maxAttempts: 1 });
  const who = await sts.send(new GetCallerIdentityCommand({}));
  assert.equal(who.Arn, `arn:aws:sts::${s.endpoints.accountId}:assumed-role/device-role/dev1`);
  assert.equal(who.UserId, `${created.Role!.RoleId}:dev1`);
});
