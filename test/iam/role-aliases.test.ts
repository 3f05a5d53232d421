import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateRoleAliasCommand, DeleteRoleAliasCommand, DescribeRoleAliasCommand, ListRoleAliasesCommand, UpdateRoleAliasCommand } from '@aws-sdk/client-iot';
import { CreateRoleCommand, UpdateRoleCommand } from '@aws-sdk/client-iam';
import { startTestServer } from '../helpers/server.js';
import { rejectsWith, trustPolicy } from './helpers.js';

test('role aliases through @aws-sdk/client-iot: create, describe, list, update, delete, and their refusals', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const iot = s.iot();
  const iam = s.iam();
  const { accountId, region } = s.endpoints;
  const roleArn = (await iam.send(new CreateRoleCommand({ RoleName: 'device-logs', AssumeRolePolicyDocument: trustPolicy('credentials.iot.amazonaws.com') }))).Role!.Arn!;

  const created = await iot.send(new CreateRoleAliasCommand({ roleAlias: 'logs-alias', roleArn, credentialDurationSeconds: 900 }));
  assert.equal(created.roleAlias, 'logs-alias');
  assert.equal(created.roleAliasArn, `arn:aws:iot:${region}:${accountId}:rolealias/logs-alias`);
  const described = (await iot.send(new DescribeRoleAliasCommand({ roleAlias: 'logs-alias' }))).roleAliasDescription!;
  assert.equal(described.roleArn, roleArn);
  assert.equal(described.credentialDurationSeconds, 900);
  assert.equal(described.owner, accountId);
  assert.ok(described.creationDate instanceof Date);

  // Duration: 900–43200, default 3600, and never above the role's MaxSessionDuration (3600 here).
  await rejectsWith(iot.send(new CreateRoleAliasCommand({ roleAlias: 'too-short', roleArn, credentialDurationSeconds: 899 })), 'InvalidRequestException', 400);
  await rejectsWith(iot.send(new CreateRoleAliasCommand({ roleAlias: 'too-long', roleArn, credentialDurationSeconds: 7200 })), 'InvalidRequestException', 400, /MaxSessionDuration/);
  await rejectsWith(
    iot.send(new CreateRoleAliasCommand({ roleAlias: 'no-role', roleArn: `arn:aws:iam::${accountId}:role/missing` })),
    'InvalidRequestException',
    400,
    /does not exist/,
  );
  await rejectsWith(iot.send(new CreateRoleAliasCommand({ roleAlias: 'logs-alias', roleArn })), 'ResourceAlreadyExistsException', 409);
  await rejectsWith(iot.send(new DescribeRoleAliasCommand({ roleAlias: 'ghost' })), 'ResourceNotFoundException', 404);
  const defaulted = await iot.send(new CreateRoleAliasCommand({ roleAlias: 'defaults', roleArn }));
  assert.equal((await iot.send(new DescribeRoleAliasCommand({ roleAlias: defaulted.roleAlias! }))).roleAliasDescription!.credentialDurationSeconds, 3600);

  const first = await iot.send(new ListRoleAliasesCommand({ pageSize: 1 }));
  assert.deepEqual(first.roleAliases, ['defaults']);
  const second = await iot.send(new ListRoleAliasesCommand({ pageSize: 1, marker: first.nextMarker! }));
  assert.deepEqual(second.roleAliases, ['logs-alias']);
  assert.equal(second.nextMarker, undefined);
  assert.deepEqual((await iot.send(new ListRoleAliasesCommand({ ascendingOrder: false }))).roleAliases, ['logs-alias', 'defaults']);

  await rejectsWith(iot.send(new UpdateRoleAliasCommand({ roleAlias: 'logs-alias', credentialDurationSeconds: 7200 })), 'InvalidRequestException', 400);
  await iam.send(new UpdateRoleCommand({ RoleName: 'device-logs', MaxSessionDuration: 7200 }));
  const updated = await iot.send(new UpdateRoleAliasCommand({ roleAlias: 'logs-alias', credentialDurationSeconds: 7200 }));
  assert.equal(updated.roleAliasArn, created.roleAliasArn);
  assert.equal((await iot.send(new DescribeRoleAliasCommand({ roleAlias: 'logs-alias' }))).roleAliasDescription!.credentialDurationSeconds, 7200);
  await rejectsWith(iot.send(new UpdateRoleAliasCommand({ roleAlias: 'ghost', credentialDurationSeconds: 900 })), 'ResourceNotFoundException', 404);

  await iot.send(new DeleteRoleAliasCommand({ roleAlias: 'logs-alias' }));
  await rejectsWith(iot.send(new DeleteRoleAliasCommand({ roleAlias: 'logs-alias' })), 'ResourceNotFoundException', 404);
  assert.deepEqual((await iot.send(new ListRoleAliasesCommand({}))).roleAliases, ['defaults']);
});
