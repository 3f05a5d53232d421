import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AttachPolicyCommand,
  AttachPrincipalPolicyCommand,
  CreateKeysAndCertificateCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateThingGroupCommand,
  DeletePolicyCommand,
  DeletePolicyVersionCommand,
  DetachPolicyCommand,
  DetachPrincipalPolicyCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  ListAttachedPoliciesCommand,
  ListPoliciesCommand,
  ListPolicyPrincipalsCommand,
  ListPolicyVersionsCommand,
  ListPrincipalPoliciesCommand,
  ListTargetsForPolicyCommand,
  SetDefaultPolicyVersionCommand,
} from '@aws-sdk/client-iot';
import { startTestServer } from '../helpers/server.js';
import { rejectsWith, storyPolicy } from './helpers.js';

const doc = (action: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }] });

test('IoT policies: create, get, list, malformed documents, versions (five at most), default version, delete', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const iot = s.iot();
  const { region, accountId } = s.endpoints;

  const story = storyPolicy(region, accountId);
  const created = await iot.send(new CreatePolicyCommand({ policyName: 'miso-device', policyDocument: story }));
  assert.equal(created.policyArn, `arn:aws:iot:${region}:${accountId}:policy/miso-device`);
  assert.equal(created.policyVersionId, '1');
  assert.equal(created.policyDocument, story);
  await rejectsWith(iot.send(new CreatePolicyCommand({ policyName: 'miso-device', policyDocument: story })), 'ResourceAlreadyExistsException', 409);
  const malformed = await rejectsWith(iot.send(new CreatePolicyCommand({ policyName: 'broken', policyDocument: '{"Version":"2012-10-17","Statement":[{"Effect":"Maybe","Action":"iot:Connect","Resource":"*"}]}' })), 'MalformedPolicyException', 400);
  assert.match(malformed.message, /Effect/);
  await rejectsWith(iot.send(new CreatePolicyCommand({ policyName: 'broken', policyDocument: '{not json' })), 'MalformedPolicyException', 400);
  await rejectsWith(iot.send(new CreatePolicyCommand({ policyName: 'bad name!', policyDocument: story })), 'InvalidRequestException', 400);
  await rejectsWith(iot.send(new GetPolicyCommand({ policyName: 'broken' })), 'ResourceNotFoundException', 404);

  const got = await iot.send(new GetPolicyCommand({ policyName: 'miso-device' }));
  assert.equal(got.defaultVersionId, '1');
  assert.equal(got.policyDocument, story);
  assert.ok(got.creationDate instanceof Date && got.lastModifiedDate instanceof Date);
  assert.ok(got.generationId);

  await iot.send(new CreatePolicyCommand({ policyName: 'a-first', policyDocument: doc('iot:Connect') }));
  const listed = await iot.send(new ListPoliciesCommand({}));
  assert.deepEqual(listed.policies!.map((p) => p.policyName), ['a-first', 'miso-device']);
  const page = await iot.send(new ListPoliciesCommand({ pageSize: 1 }));
  assert.deepEqual(page.policies!.map((p) => p.policyName), ['a-first']);
  const page2 = await iot.send(new ListPoliciesCommand({ pageSize: 1, marker: page.nextMarker! }));
  assert.deepEqual(page2.policies!.map((p) => p.policyName), ['miso-device']);
  assert.equal(page2.nextMarker, undefined);

  const v2 = await iot.send(new CreatePolicyVersionCommand({ policyName: 'a-first', policyDocument: doc('iot:Publish') }));
  assert.deepEqual([v2.policyVersionId, v2.isDefaultVersion], ['2', false]);
  const v3 = await iot.send(new CreatePolicyVersionCommand({ policyName: 'a-first', policyDocument: doc('iot:Subscribe'), setAsDefault: true }));
  assert.deepEqual([v3.policyVersionId, v3.isDefaultVersion], ['3', true]);
  assert.equal((await iot.send(new GetPolicyCommand({ policyName: 'a-first' }))).policyDocument, doc('iot:Subscribe'));
  await iot.send(new CreatePolicyVersionCommand({ policyName: 'a-first', policyDocument: doc('iot:Receive') }));
  await iot.send(new CreatePolicyVersionCommand({ policyName: 'a-first', policyDocument: doc('iot:RetainPublish') }));
  await rejectsWith(iot.send(new CreatePolicyVersionCommand({ policyName: 'a-first', policyDocument: doc('iot:Connect') })), 'VersionsLimitExceededException', 409);
  await rejectsWith(iot.send(new CreatePolicyVersionCommand({ policyName: 'a-first', policyDocument: '[]' })), 'MalformedPolicyException', 400);
  await rejectsWith(iot.send(new CreatePolicyVersionCommand({ policyName: 'nope', policyDocument: doc('iot:Connect') })), 'ResourceNotFoundException', 404);

  const versions = await iot.send(new ListPolicyVersionsCommand({ policyName: 'a-first' }));
  assert.deepEqual(versions.policyVersions!.map((v) => [v.versionId, v.isDefaultVersion]), [['5', false], ['4', false], ['3', true], ['2', false], ['1', false]]);
  const v1 = await iot.send(new GetPolicyVersionCommand({ policyName: 'a-first', policyVersionId: '1' }));
  assert.deepEqual([v1.policyDocument, v1.isDefaultVersion, v1.policyName], [doc('iot:Connect'), false, 'a-first']);
  await rejectsWith(iot.send(new GetPolicyVersionCommand({ policyName: 'a-first', policyVersionId: '9' })), 'ResourceNotFoundException', 404);

  await iot.send(new SetDefaultPolicyVersionCommand({ policyName: 'a-first', policyVersionId: '1' }));
  assert.equal((await iot.send(new GetPolicyCommand({ policyName: 'a-first' }))).defaultVersionId, '1');
  await rejectsWith(iot.send(new DeletePolicyVersionCommand({ policyName: 'a-first', policyVersionId: '1' })), 'DeleteConflictException', 409);
  await rejectsWith(iot.send(new DeletePolicyCommand({ policyName: 'a-first' })), 'DeleteConflictException', 409); // other versions remain
  for (const id of ['2', '3', '4', '5']) await iot.send(new DeletePolicyVersionCommand({ policyName: 'a-first', policyVersionId: id }));
  const v6 = await iot.send(new CreatePolicyVersionCommand({ policyName: 'a-first', policyDocument: doc('iot:Connect') }));
  assert.equal(v6.policyVersionId, '6'); // version ids are never reused
  await iot.send(new DeletePolicyVersionCommand({ policyName: 'a-first', policyVersionId: '6' }));
  await iot.send(new DeletePolicyCommand({ policyName: 'a-first' }));
  await rejectsWith(iot.send(new GetPolicyCommand({ policyName: 'a-first' })), 'ResourceNotFoundException');
  await rejectsWith(iot.send(new DeletePolicyCommand({ policyName: 'a-first' })), 'ResourceNotFoundException');
});

test('policy attachments: certificates and thing groups, ListAttachedPolicies with %2F in the label, targets, limits, legacy principal operations', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const iot = s.iot();

  const cert = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
  const certArn = cert.certificateArn!;
  const fleet = await iot.send(new CreateThingGroupCommand({ thingGroupName: 'fleet' }));
  const kitchen = await iot.send(new CreateThingGroupCommand({ thingGroupName: 'kitchen', parentGroupName: 'fleet' }));
  for (const name of ['p-cert', 'p-fleet', 'p-kitchen']) await iot.send(new CreatePolicyCommand({ policyName: name, policyDocument: doc('iot:Connect') }));

  await iot.send(new AttachPolicyCommand({ policyName: 'p-cert', target: certArn }));
  await iot.send(new AttachPolicyCommand({ policyName: 'p-cert', target: certArn })); // idempotent
  await iot.send(new AttachPolicyCommand({ policyName: 'p-fleet', target: fleet.thingGroupArn! }));
  await iot.send(new AttachPolicyCommand({ policyName: 'p-kitchen', target: kitchen.thingGroupArn! }));
  await rejectsWith(iot.send(new AttachPolicyCommand({ policyName: 'nope', target: certArn })), 'ResourceNotFoundException', 404);
  await rejectsWith(iot.send(new AttachPolicyCommand({ policyName: 'p-cert', target: certArn.replace(/cert\/.*/, `cert/${'0'.repeat(64)}`) })), 'ResourceNotFoundException', 404);
  await rejectsWith(iot.send(new AttachPolicyCommand({ policyName: 'p-cert', target: 'us-east-1:cognito-id' })), 'InvalidRequestException', 400);

  // aws-wire-protocols.md §3.1: the SDK sends the certificate ARN's `/` as %2F inside the path label.
  const onCert = await iot.send(new ListAttachedPoliciesCommand({ target: certArn }));
  assert.deepEqual(onCert.policies, [{ policyName: 'p-cert', policyArn: `arn:aws:iot:${s.endpoints.region}:${s.endpoints.accountId}:policy/p-cert` }]);
  const onKitchen = await iot.send(new ListAttachedPoliciesCommand({ target: kitchen.thingGroupArn! }));
  assert.deepEqual(onKitchen.policies!.map((p) => p.policyName), ['p-kitchen']);
  const inherited = await iot.send(new ListAttachedPoliciesCommand({ target: kitchen.thingGroupArn!, recursive: true }));
  assert.deepEqual(inherited.policies!.map((p) => p.policyName), ['p-fleet', 'p-kitchen']);
  const targets = await iot.send(new ListTargetsForPolicyCommand({ policyName: 'p-fleet' }));
  assert.deepEqual(targets.targets, [fleet.thingGroupArn]);
  await rejectsWith(iot.send(new ListTargetsForPolicyCommand({ policyName: 'nope' })), 'ResourceNotFoundException');

  await rejectsWith(iot.send(new DeletePolicyCommand({ policyName: 'p-fleet' })), 'DeleteConflictException', 409);
  await iot.send(new DetachPolicyCommand({ policyName: 'p-fleet', target: fleet.thingGroupArn! }));
  await iot.send(new DetachPolicyCommand({ policyName: 'p-fleet', target: fleet.thingGroupArn! })); // not attached: fine
  assert.deepEqual((await iot.send(new ListTargetsForPolicyCommand({ policyName: 'p-fleet' }))).targets, []);
  await iot.send(new DeletePolicyCommand({ policyName: 'p-fleet' }));

  // At most 10 policies on one target: the eleventh is LimitExceededException (410).
  for (let i = 2; i <= 10; i++) {
    await iot.send(new CreatePolicyCommand({ policyName: `extra-${i}`, policyDocument: doc('iot:Connect') }));
    await iot.send(new AttachPolicyCommand({ policyName: `extra-${i}`, target: certArn }));
  }
  await iot.send(new CreatePolicyCommand({ policyName: 'one-too-many', policyDocument: doc('iot:Connect') }));
  await rejectsWith(iot.send(new AttachPolicyCommand({ policyName: 'one-too-many', target: certArn })), 'LimitExceededException', 410);
  const all = await iot.send(new ListAttachedPoliciesCommand({ target: certArn, pageSize: 4 }));
  assert.equal(all.policies!.length, 4);
  assert.ok(all.nextMarker);

  // The deprecated principal-policy operations (older scripts and CLIs).
  const other = await iot.send(new CreateKeysAndCertificateCommand({}));
  await iot.send(new AttachPrincipalPolicyCommand({ policyName: 'one-too-many', principal: other.certificateArn! }));
  assert.deepEqual((await iot.send(new ListPrincipalPoliciesCommand({ principal: other.certificateArn! }))).policies!.map((p) => p.policyName), ['one-too-many']);
  assert.deepEqual((await iot.send(new ListPolicyPrincipalsCommand({ policyName: 'one-too-many' }))).principals, [other.certificateArn]);
  await iot.send(new DetachPrincipalPolicyCommand({ policyName: 'one-too-many', principal: other.certificateArn! }));
  assert.deepEqual((await iot.send(new ListPrincipalPoliciesCommand({ principal: other.certificateArn! }))).policies, []);
});
