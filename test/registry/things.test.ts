import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateThingCommand,
  CreateThingTypeCommand,
  DeleteThingCommand,
  DeleteThingTypeCommand,
  DeprecateThingTypeCommand,
  DescribeThingCommand,
  DescribeThingTypeCommand,
  ListThingTypesCommand,
  ListThingsCommand,
  UpdateThingCommand,
} from '@aws-sdk/client-iot';
import { startTestServer } from '../helpers/server.js';
import { rejectsWith } from './helpers.js';

test('things: create (idempotent), describe, list with filters and paging, update, delete', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const iot = s.iot();
  const { accountId, region } = s.endpoints;

  await iot.send(new CreateThingTypeCommand({ thingTypeName: 'Mixer', thingTypeProperties: { thingTypeDescription: 'a mixer', searchableAttributes: ['model'] } }));
  const created = await iot.send(new CreateThingCommand({ thingName: 'miso_things_1', thingTypeName: 'Mixer', attributePayload: { attributes: { model: 'm1', color: 'red' } } }));
  assert.equal(created.thingArn, `arn:aws:iot:${region}:${accountId}:thing/miso_things_1`);
  assert.match(created.thingId!, /^[0-9a-f-]{36}$/);

  // aws-wire-protocols.md §3.3: the same request again answers the same thing; another configuration is refused.
  const again = await iot.send(new CreateThingCommand({ thingName: 'miso_things_1', thingTypeName: 'Mixer', attributePayload: { attributes: { color: 'red', model: 'm1' } } }));
  assert.equal(again.thingId, created.thingId);
  await rejectsWith(iot.send(new CreateThingCommand({ thingName: 'miso_things_1', attributePayload: { attributes: { model: 'm2' } } })), 'ResourceAlreadyExistsException', 409);

  const described = await iot.send(new DescribeThingCommand({ thingName: 'miso_things_1' }));
  assert.equal(described.defaultClientId, 'miso_things_1');
  assert.equal(described.thingTypeName, 'Mixer');
  assert.deepEqual(described.attributes, { color: 'red', model: 'm1' });
  assert.equal(described.version, 1);

  await rejectsWith(iot.send(new DescribeThingCommand({ thingName: 'nope' })), 'ResourceNotFoundException', 404);
  await rejectsWith(iot.send(new CreateThingCommand({ thingName: 'bad name!' })), 'InvalidRequestException', 400);
  await rejectsWith(iot.send(new CreateThingCommand({ thingName: 'x', thingTypeName: 'NoSuchType' })), 'ResourceNotFoundException', 404);
  // DG thing-types.md: a thing without a type has at most three attributes.
  await rejectsWith(iot.send(new CreateThingCommand({ thingName: 'x', attributePayload: { attributes: { a: '1', b: '2', c: '3', d: '4' } } })), 'InvalidRequestException', 400);

  for (let i = 2; i <= 6; i++) {
    await iot.send(new CreateThingCommand({ thingName: `miso_things_${i}`, attributePayload: { attributes: { batch: i % 2 ? 'odd' : 'even', serial: `SN-${i}0` } } }));
  }
  const names: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await iot.send(new ListThingsCommand({ maxResults: 2, ...(nextToken ? { nextToken } : {}) }));
    assert.ok(page.things!.length <= 2);
    names.push(...page.things!.map((th) => th.thingName!));
    nextToken = page.nextToken;
  } while (nextToken);
  assert.deepEqual(names, ['miso_things_1', 'miso_things_2', 'miso_things_3', 'miso_things_4', 'miso_things_5', 'miso_things_6']);

  const even = await iot.send(new ListThingsCommand({ attributeName: 'batch', attributeValue: 'even' }));
  assert.deepEqual(even.things!.map((th) => th.thingName), ['miso_things_2', 'miso_things_4', 'miso_things_6']);
  const prefixed = await iot.send(new ListThingsCommand({ attributeName: 'serial', attributeValue: 'SN-3', usePrefixAttributeValue: true }));
  assert.deepEqual(prefixed.things!.map((th) => th.thingName), ['miso_things_3']);
  const typed = await iot.send(new ListThingsCommand({ thingTypeName: 'Mixer' }));
  assert.deepEqual(typed.things!.map((th) => [th.thingName, th.thingTypeName, th.thingArn]), [['miso_things_1', 'Mixer', created.thingArn]]);

  // Merge keeps other attributes and an empty value removes one; without merge the map is replaced.
  await iot.send(new UpdateThingCommand({ thingName: 'miso_things_1', attributePayload: { attributes: { color: '', firmware: '1.0.0' }, merge: true } }));
  let thing = await iot.send(new DescribeThingCommand({ thingName: 'miso_things_1' }));
  assert.deepEqual(thing.attributes, { firmware: '1.0.0', model: 'm1' });
  assert.equal(thing.version, 2);
  await iot.send(new UpdateThingCommand({ thingName: 'miso_things_1', attributePayload: { attributes: { only: 'this' } }, expectedVersion: 2 }));
  thing = await iot.send(new DescribeThingCommand({ thingName: 'miso_things_1' }));
  assert.deepEqual(thing.attributes, { only: 'this' });
  await rejectsWith(iot.send(new UpdateThingCommand({ thingName: 'miso_things_1', expectedVersion: 1, attributePayload: { attributes: { a: 'b' } } })), 'VersionConflictException', 409);
  await iot.send(new UpdateThingCommand({ thingName: 'miso_things_1', removeThingType: true }));
  thing = await iot.send(new DescribeThingCommand({ thingName: 'miso_things_1' }));
  assert.equal(thing.thingTypeName, undefined);
  await rejectsWith(iot.send(new UpdateThingCommand({ thingName: 'ghost', attributePayload: { attributes: {} } })), 'ResourceNotFoundException', 404);

  await rejectsWith(iot.send(new DeleteThingCommand({ thingName: 'miso_things_2', expectedVersion: 7 })), 'VersionConflictException', 409);
  await iot.send(new DeleteThingCommand({ thingName: 'miso_things_2' }));
  await iot.send(new DeleteThingCommand({ thingName: 'miso_things_2' })); // deleting what is gone succeeds
  await rejectsWith(iot.send(new DescribeThingCommand({ thingName: 'miso_things_2' })), 'ResourceNotFoundException');
});

test('thing types: create (idempotent), describe, list, deprecate, delete five minutes after deprecation', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const iot = s.iot();

  const created = await iot.send(new CreateThingTypeCommand({ thingTypeName: 'Sensor', thingTypeProperties: { thingTypeDescription: 'temperature', searchableAttributes: ['a', 'b'] }, tags: [{ Key: 'team', Value: 'miso' }] }));
  assert.equal(created.thingTypeArn, `arn:aws:iot:${s.endpoints.region}:${s.endpoints.accountId}:thingtype/Sensor`);
  const again = await iot.send(new CreateThingTypeCommand({ thingTypeName: 'Sensor', thingTypeProperties: { thingTypeDescription: 'temperature', searchableAttributes: ['a', 'b'] } }));
  assert.equal(again.thingTypeId, created.thingTypeId);
  await rejectsWith(iot.send(new CreateThingTypeCommand({ thingTypeName: 'Sensor', thingTypeProperties: { thingTypeDescription: 'other' } })), 'ResourceAlreadyExistsException', 409);
  await rejectsWith(iot.send(new CreateThingTypeCommand({ thingTypeName: 'Wide', thingTypeProperties: { searchableAttributes: ['a', 'b', 'c', 'd'] } })), 'InvalidRequestException');
  await iot.send(new CreateThingTypeCommand({ thingTypeName: 'Switch' }));

  const described = await iot.send(new DescribeThingTypeCommand({ thingTypeName: 'Sensor' }));
  assert.equal(described.thingTypeProperties?.thingTypeDescription, 'temperature');
  assert.deepEqual(described.thingTypeProperties?.searchableAttributes, ['a', 'b']);
  assert.equal(described.thingTypeMetadata?.deprecated, false);
  assert.ok(described.thingTypeMetadata?.creationDate instanceof Date);
  const listed = await iot.send(new ListThingTypesCommand({}));
  assert.deepEqual(listed.thingTypes!.map((ty) => ty.thingTypeName), ['Sensor', 'Switch']);
  const filtered = await iot.send(new ListThingTypesCommand({ thingTypeName: 'Sw' }));
  assert.deepEqual(filtered.thingTypes!.map((ty) => ty.thingTypeName), ['Switch']);

  await iot.send(new CreateThingCommand({ thingName: 'probe', thingTypeName: 'Sensor' }));
  await rejectsWith(iot.send(new DeleteThingTypeCommand({ thingTypeName: 'Sensor' })), 'InvalidRequestException');
  await iot.send(new DeprecateThingTypeCommand({ thingTypeName: 'Sensor' }));
  const deprecated = await iot.send(new DescribeThingTypeCommand({ thingTypeName: 'Sensor' }));
  assert.equal(deprecated.thingTypeMetadata?.deprecated, true);
  assert.ok(deprecated.thingTypeMetadata?.deprecationDate instanceof Date);
  await rejectsWith(iot.send(new CreateThingCommand({ thingName: 'probe2', thingTypeName: 'Sensor' })), 'InvalidRequestException');
  await rejectsWith(iot.send(new DeleteThingTypeCommand({ thingTypeName: 'Sensor' })), 'InvalidRequestException'); // not five minutes yet
  s.clock.advance(5 * 60_000 + 1);
  await rejectsWith(iot.send(new DeleteThingTypeCommand({ thingTypeName: 'Sensor' })), 'InvalidRequestException'); // 'probe' still has it
  await iot.send(new DeleteThingCommand({ thingName: 'probe' }));
  await iot.send(new DeleteThingTypeCommand({ thingTypeName: 'Sensor' }));
  await rejectsWith(iot.send(new DescribeThingTypeCommand({ thingTypeName: 'Sensor' })), 'ResourceNotFoundException');

  await iot.send(new DeprecateThingTypeCommand({ thingTypeName: 'Switch' }));
  await iot.send(new DeprecateThingTypeCommand({ thingTypeName: 'Switch', undoDeprecate: true }));
  await iot.send(new CreateThingCommand({ thingName: 'lamp', thingTypeName: 'Switch' }));
  await rejectsWith(iot.send(new DeprecateThingTypeCommand({ thingTypeName: 'Nope' })), 'ResourceNotFoundException');
});
