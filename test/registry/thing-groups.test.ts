import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AddThingToThingGroupCommand,
  CreateThingCommand,
  CreateThingGroupCommand,
  DeleteThingGroupCommand,
  DescribeThingGroupCommand,
  ListThingGroupsCommand,
  ListThingGroupsForThingCommand,
  ListThingsInThingGroupCommand,
  RemoveThingFromThingGroupCommand,
  UpdateThingGroupCommand,
  UpdateThingGroupsForThingCommand,
} from '@aws-sdk/client-iot';
import { startTestServer } from '../helpers/server.js';
import { rejectsWith } from './helpers.js';

test('thing groups: hierarchy, describe, list (recursive), update, delete', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const iot = s.iot();
  const arn = (name: string) => `arn:aws:iot:${s.endpoints.region}:${s.endpoints.accountId}:thinggroup/${name}`;

  const fleet = await iot.send(new CreateThingGroupCommand({ thingGroupName: 'fleet', thingGroupProperties: { thingGroupDescription: 'all', attributePayload: { attributes: { site: 'osaka' } } } }));
  assert.equal(fleet.thingGroupArn, arn('fleet'));
  const again = await iot.send(new CreateThingGroupCommand({ thingGroupName: 'fleet', thingGroupProperties: { thingGroupDescription: 'all', attributePayload: { attributes: { site: 'osaka' } } } }));
  assert.equal(again.thingGroupId, fleet.thingGroupId);
  await rejectsWith(iot.send(new CreateThingGroupCommand({ thingGroupName: 'fleet', thingGroupProperties: { thingGroupDescription: 'other' } })), 'ResourceAlreadyExistsException', 409);
  await iot.send(new CreateThingGroupCommand({ thingGroupName: 'kitchen', parentGroupName: 'fleet' }));
  await iot.send(new CreateThingGroupCommand({ thingGroupName: 'mixers', parentGroupName: 'kitchen' }));
  await iot.send(new CreateThingGroupCommand({ thingGroupName: 'spare' }));
  await rejectsWith(iot.send(new CreateThingGroupCommand({ thingGroupName: 'orphan', parentGroupName: 'nope' })), 'ResourceNotFoundException', 404);

  const mixers = await iot.send(new DescribeThingGroupCommand({ thingGroupName: 'mixers' }));
  assert.equal(mixers.thingGroupMetadata?.parentGroupName, 'kitchen');
  assert.deepEqual(mixers.thingGroupMetadata?.rootToParentThingGroups, [
    { groupName: 'fleet', groupArn: arn('fleet') },
    { groupName: 'kitchen', groupArn: arn('kitchen') },
  ]);
  assert.equal(mixers.version, 1);
  const fleetDescribed = await iot.send(new DescribeThingGroupCommand({ thingGroupName: 'fleet' }));
  assert.equal(fleetDescribed.thingGroupProperties?.thingGroupDescription, 'all');
  assert.deepEqual(fleetDescribed.thingGroupProperties?.attributePayload?.attributes, { site: 'osaka' });
  await rejectsWith(iot.send(new DescribeThingGroupCommand({ thingGroupName: 'nope' })), 'ResourceNotFoundException');

  const all = await iot.send(new ListThingGroupsCommand({}));
  assert.deepEqual(all.thingGroups!.map((g) => g.groupName), ['fleet', 'kitchen', 'mixers', 'spare']);
  const roots = await iot.send(new ListThingGroupsCommand({ recursive: false }));
  assert.deepEqual(roots.thingGroups!.map((g) => g.groupName), ['fleet', 'spare']);
  const under = await iot.send(new ListThingGroupsCommand({ parentGroup: 'fleet' }));
  assert.deepEqual(under.thingGroups!.map((g) => g.groupName), ['kitchen', 'mixers']);
  const children = await iot.send(new ListThingGroupsCommand({ parentGroup: 'fleet', recursive: false }));
  assert.deepEqual(children.thingGroups!.map((g) => g.groupName), ['kitchen']);
  const prefixed = await iot.send(new ListThingGroupsCommand({ namePrefixFilter: 'mi' }));
  assert.deepEqual(prefixed.thingGroups!.map((g) => g.groupArn), [arn('mixers')]);
  const page = await iot.send(new ListThingGroupsCommand({ maxResults: 3 }));
  assert.equal(page.thingGroups!.length, 3);
  const rest = await iot.send(new ListThingGroupsCommand({ maxResults: 3, nextToken: page.nextToken! }));
  assert.deepEqual(rest.thingGroups!.map((g) => g.groupName), ['spare']);
  assert.equal(rest.nextToken, undefined);

  const updated = await iot.send(new UpdateThingGroupCommand({ thingGroupName: 'fleet', thingGroupProperties: { attributePayload: { attributes: { owner: 'ops' }, merge: true } } }));
  assert.equal(updated.version, 2);
  const afterUpdate = await iot.send(new DescribeThingGroupCommand({ thingGroupName: 'fleet' }));
  assert.deepEqual(afterUpdate.thingGroupProperties?.attributePayload?.attributes, { owner: 'ops', site: 'osaka' });
  await rejectsWith(iot.send(new UpdateThingGroupCommand({ thingGroupName: 'fleet', expectedVersion: 1, thingGroupProperties: {} })), 'VersionConflictException', 409);

  await rejectsWith(iot.send(new DeleteThingGroupCommand({ thingGroupName: 'kitchen' })), 'InvalidRequestException'); // has a child
  await iot.send(new DeleteThingGroupCommand({ thingGroupName: 'mixers' }));
  await iot.send(new DeleteThingGroupCommand({ thingGroupName: 'mixers' })); // already gone: success
  await rejectsWith(iot.send(new DescribeThingGroupCommand({ thingGroupName: 'mixers' })), 'ResourceNotFoundException');
});

test('thing group membership: add/remove, recursive listing, ten groups at most, one group per hierarchy', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const iot = s.iot();

  await iot.send(new CreateThingGroupCommand({ thingGroupName: 'fleet' }));
  await iot.send(new CreateThingGroupCommand({ thingGroupName: 'kitchen', parentGroupName: 'fleet' }));
  for (const name of ['t1', 't2', 't3']) await iot.send(new CreateThingCommand({ thingName: name }));

  await iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'fleet', thingName: 't1' }));
  await iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'fleet', thingName: 't1' })); // twice is fine
  const thingArn = `arn:aws:iot:${s.endpoints.region}:${s.endpoints.accountId}:thing/t2`;
  const groupArn = `arn:aws:iot:${s.endpoints.region}:${s.endpoints.accountId}:thinggroup/kitchen`;
  await iot.send(new AddThingToThingGroupCommand({ thingGroupArn: groupArn, thingArn }));
  await iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'kitchen', thingName: 't3' }));

  const direct = await iot.send(new ListThingsInThingGroupCommand({ thingGroupName: 'fleet' }));
  assert.deepEqual(direct.things, ['t1']);
  const recursive = await iot.send(new ListThingsInThingGroupCommand({ thingGroupName: 'fleet', recursive: true }));
  assert.deepEqual(recursive.things, ['t1', 't2', 't3']);
  const paged = await iot.send(new ListThingsInThingGroupCommand({ thingGroupName: 'fleet', recursive: true, maxResults: 2 }));
  assert.deepEqual(paged.things, ['t1', 't2']);
  const next = await iot.send(new ListThingsInThingGroupCommand({ thingGroupName: 'fleet', recursive: true, maxResults: 2, nextToken: paged.nextToken! }));
  assert.deepEqual(next.things, ['t3']);
  const groupsOfT2 = await iot.send(new ListThingGroupsForThingCommand({ thingName: 't2' }));
  assert.deepEqual(groupsOfT2.thingGroups, [{ groupName: 'kitchen', groupArn }]);

  // DG thing-groups.md: one group per hierarchy.
  await rejectsWith(iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'kitchen', thingName: 't1' })), 'InvalidRequestException', 400);
  await rejectsWith(iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'nope', thingName: 't1' })), 'ResourceNotFoundException');
  await rejectsWith(iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'fleet', thingName: 'ghost' })), 'ResourceNotFoundException');
  await rejectsWith(iot.send(new AddThingToThingGroupCommand({ thingName: 't1' })), 'InvalidRequestException');

  await iot.send(new RemoveThingFromThingGroupCommand({ thingGroupName: 'fleet', thingName: 't1' }));
  await iot.send(new RemoveThingFromThingGroupCommand({ thingGroupName: 'fleet', thingName: 't1' })); // not a member: fine
  assert.deepEqual((await iot.send(new ListThingsInThingGroupCommand({ thingGroupName: 'fleet' }))).things, []);

  // Ten groups at most: the eleventh is LimitExceededException, which AWS sends as 410.
  for (let i = 1; i <= 11; i++) await iot.send(new CreateThingGroupCommand({ thingGroupName: `g${i}` }));
  for (let i = 1; i <= 10; i++) await iot.send(new AddThingToThingGroupCommand({ thingGroupName: `g${i}`, thingName: 't1' }));
  await rejectsWith(iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'g11', thingName: 't1' })), 'LimitExceededException', 410);
  const groupsOfT1 = await iot.send(new ListThingGroupsForThingCommand({ thingName: 't1' }));
  assert.equal(groupsOfT1.thingGroups!.length, 10);

  await iot.send(new UpdateThingGroupsForThingCommand({ thingName: 't1', thingGroupsToRemove: ['g1', 'g2'], thingGroupsToAdd: ['g11'] }));
  const after = await iot.send(new ListThingGroupsForThingCommand({ thingName: 't1' }));
  assert.deepEqual(after.thingGroups!.map((g) => g.groupName).sort(), ['g10', 'g11', 'g3', 'g4', 'g5', 'g6', 'g7', 'g8', 'g9']);
  await rejectsWith(iot.send(new ListThingGroupsForThingCommand({ thingName: 'ghost' })), 'ResourceNotFoundException');
});
