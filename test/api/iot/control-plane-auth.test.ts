import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IoTClient, ListThingsCommand } from '@aws-sdk/client-iot';
import { CreateRoleCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { startTestServer } from '../../helpers/server.js';

test('the IoT control plane serves the root key and refuses role sessions; STS names each', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'credentials.iot.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
  const created = await s.iam().send(new CreateRoleCommand({ RoleName: 'device-role', AssumeRolePolicyDocument: trust }));
  // Even a role that allows iot:* is not an operator.
  const allowAll = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }] });
  await s.iam().send(new PutRolePolicyCommand({ RoleName: 'device-role', PolicyName: 'all', PolicyDocument: allowAll }));
  const role = await s.server.ctx.services.iam.roles.findByArn(created.Role!.Arn!);
  const session = await s.server.ctx.services.iam.sessions.issue(role!, { sessionName: 'dev1', durationSeconds: 900, variables: {} });
  const credentials = { accessKeyId: session.accessKeyId, secretAccessKey: session.secretAccessKey, sessionToken: session.sessionToken };
  const handler = new NodeHttpHandler({ httpsAgent: s.agent });

  assert.ok(Array.isArray((await s.iot().send(new ListThingsCommand({}))).things), 'root may');
  const asRole = new IoTClient({ region: 'us-east-1', endpoint: s.endpoints.endpoints.iot, credentials, requestHandler: handler, maxAttempts: 1 });
  await assert.rejects(asRole.send(new ListThingsCommand({})), { name: 'AccessDeniedException' });

  const sts = new STSClient({ region: 'us-east-1', endpoint: s.endpoints.endpoints.iam, credentials, requestHandler: handler, maxAttempts: 1 });
  const who = await sts.send(new GetCallerIdentityCommand({}));
  assert.equal(who.Arn, `arn:aws:sts::${s.endpoints.accountId}:assumed-role/device-role/dev1`);
  assert.equal(who.UserId, `${created.Role!.RoleId}:dev1`);
});
