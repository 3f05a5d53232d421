import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DescribeJobCommand, ListThingGroupsCommand, ListThingsInThingGroupCommand } from '@aws-sdk/client-iot';
import { startTestServer } from '../helpers/server.js';
import { cli } from './helpers.js';

test('thing-group create, add, remove, list, describe, delete; a job targets thing-group:NAME (group: still works); refusals', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const d = ['--data-dir', s.dataDir];
  const ok = async (...args: string[]) => {
    const r = await cli([...args, ...d]);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r;
  };
  for (const thing of ['miso_things_1', 'miso_things_2']) await ok('thing', 'create', thing, '--kit', `${s.dataDir}/${thing}-kit`);
  const members = async (group: string) =>
    ((await s.iot().send(new ListThingsInThingGroupCommand({ thingGroupName: group }))).things ?? []).sort();

  // Refusals first, next to the successes below: nothing changes.
  const noName = await cli(['thing-group', 'create', ...d]);
  assert.equal(noName.code, 2);
  assert.match(noName.stderr, /missing required argument 'name'/);
  const noGroup = await cli(['thing-group', 'add', 'nowhere', 'miso_things_1', ...d]);
  assert.equal(noGroup.code, 1);
  assert.match(noGroup.stderr, /^ferry: ResourceNotFoundException: .+\n$/);
  const noThings = await cli(['thing-group', 'add', 'lobby', ...d]);
  assert.equal(noThings.code, 2);
  assert.match(noThings.stderr, /missing required argument 'things'/);
  assert.deepEqual((await s.iot().send(new ListThingGroupsCommand({}))).thingGroups, []);

  const created = (await ok('thing-group', 'create', 'lobby', '--description', 'the lobby screens', '--attribute', 'floor=0', '--json')).json();
  assert.equal(created.thingGroupName, 'lobby');
  assert.equal(created.thingGroupArn, `arn:aws:iot:${s.endpoints.region}:${s.endpoints.accountId}:thinggroup/lobby`);
  await ok('thing-group', 'create', 'lobby-east', '--parent', 'lobby');
  const dup = await cli(['thing-group', 'create', 'lobby', '--description', 'another', ...d]);
  assert.equal(dup.code, 1, 'a second group of the same name with other properties is refused');
  assert.match(dup.stderr, /ResourceAlreadyExistsException/);

  assert.match((await ok('thing-group', 'add', 'lobby', 'miso_things_1', 'miso_things_2')).stdout, /^added miso_things_1, miso_things_2 to thing group lobby\n$/);
  assert.deepEqual(await members('lobby'), ['miso_things_1', 'miso_things_2']);
  const unknownThing = await cli(['thing-group', 'add', 'lobby', 'ghost', ...d]);
  assert.equal(unknownThing.code, 1);
  assert.match(unknownThing.stderr, /ResourceNotFoundException/);

  const described = (await ok('thing-group', 'describe', 'lobby', '--json')).json();
  assert.equal(described.thingGroupProperties.thingGroupDescription, 'the lobby screens');
  assert.deepEqual(described.thingGroupProperties.attributePayload.attributes, { floor: '0' });
  assert.deepEqual(described.things.sort(), ['miso_things_1', 'miso_things_2']);
  assert.match((await ok('thing-group', 'describe', 'lobby')).stdout, /^things:\s+miso_things_\d, miso_things_\d$/m);
  assert.equal((await ok('thing-group', 'describe', 'lobby-east', '--json')).json().thingGroupMetadata.parentGroupName, 'lobby');

  const list = (await ok('thing-group', 'list', '--json')).json();
  assert.deepEqual(list.map((g: { groupName: string }) => g.groupName).sort(), ['lobby', 'lobby-east']);
  assert.deepEqual((await ok('thing-group', 'list', '--parent', 'lobby', '--json')).json().map((g: { groupName: string }) => g.groupName), ['lobby-east']);
  assert.match((await ok('thing-group', 'list')).stdout, /^NAME\s+ARN\n/);

  // Jobs: thing-group:NAME is the group's ARN; group:NAME is its alias.
  await ok('job', 'create', 'j1', '--targets', 'thing-group:lobby', '--document', '{"operation":"noop"}');
  await ok('job', 'create', 'j2', '--targets', 'group:lobby-east,miso_things_1', '--document', '{"operation":"noop"}');
  const group = (name: string) => `arn:aws:iot:${s.endpoints.region}:${s.endpoints.accountId}:thinggroup/${name}`;
  assert.deepEqual((await s.iot().send(new DescribeJobCommand({ jobId: 'j1' }))).job?.targets, [group('lobby')]);
  assert.deepEqual((await s.iot().send(new DescribeJobCommand({ jobId: 'j2' }))).job?.targets, [
    group('lobby-east'),
    `arn:aws:iot:${s.endpoints.region}:${s.endpoints.accountId}:thing/miso_things_1`,
  ]);

  await ok('thing-group', 'remove', 'lobby', 'miso_things_2');
  assert.deepEqual(await members('lobby'), ['miso_things_1']);
  await ok('thing-group', 'delete', 'lobby-east');
  assert.match((await ok('thing-group', 'delete', 'lobby')).stdout, /^deleted thing group lobby\n$/);
  assert.deepEqual((await s.iot().send(new ListThingGroupsCommand({}))).thingGroups, []);
  const gone = await cli(['thing-group', 'describe', 'lobby', ...d]);
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, /ResourceNotFoundException/);
  // The things stay.
  assert.equal((await ok('thing', 'list', '--json')).json().length, 2);
});
