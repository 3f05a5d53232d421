import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AddThingToThingGroupCommand,
  AttachPolicyCommand,
  CreateDynamicThingGroupCommand,
  CreateThingCommand,
  CreateThingGroupCommand,
  CreateThingTypeCommand,
  DeleteDynamicThingGroupCommand,
  DescribeThingGroupCommand,
  RemoveThingFromThingGroupCommand,
  ListThingGroupsForThingCommand,
  ListThingsInThingGroupCommand,
  UpdateDynamicThingGroupCommand,
  UpdateThingCommand,
  UpdateThingGroupsForThingCommand,
  type IoTClient,
} from '@aws-sdk/client-iot';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { engines } from '../helpers/stores.js';
import { eventually, rejectsWith } from '../helpers/assert.js';
import { createPolicy, end, openPolicy } from '../mqtt/helpers.js';
import { JobsDevice, provisionDevices } from '../jobs/helpers.js';

async function members(iot: IoTClient, group: string): Promise<string[]> {
  const out: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await iot.send(new ListThingsInThingGroupCommand({ thingGroupName: group, maxResults: 25, nextToken }));
    out.push(...(page.things ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return out.sort();
}

const FLEET = Array.from({ length: 40 }, (_, i) => `unit-${String(i).padStart(2, '0')}`);
/** Every fourth unit runs firmware 1; the rest firmware 2. */
const OLD_FW = FLEET.filter((_, i) => i % 4 === 0);

for (const { engine, skip } of engines()) describe(`dynamic thing groups [${engine}]`, { skip }, () => {
  let ts: TestServer;
  let iot: IoTClient;

  before(async () => {
    ts = await startTestServer({ engine });
    iot = ts.iot();
    await iot.send(new CreateThingTypeCommand({ thingTypeName: 'camera' }));
    for (const [i, name] of FLEET.entries()) await iot.send(new CreateThingCommand({ thingName: name, attributePayload: { attributes: { fw: i % 4 === 0 ? '1' : '2' } } }));
  });

  after(() => ts.close());

  test('BUILDING while the existing fleet is evaluated, then ACTIVE with exactly the matching things', async () => {
    const release = ts.server.ctx.services.fleet.membership.holdBuilds();
    const created = await iot.send(new CreateDynamicThingGroupCommand({ thingGroupName: 'old-fw', queryString: 'attributes.fw:1' }));
    assert.deepEqual([created.indexName, created.queryString, created.queryVersion], ['AWS_Things', 'attributes.fw:1', '2017-09-30']);
    const building = await iot.send(new DescribeThingGroupCommand({ thingGroupName: 'old-fw' }));
    assert.deepEqual([building.status, building.queryString, building.indexName, building.queryVersion], ['BUILDING', 'attributes.fw:1', 'AWS_Things', '2017-09-30']);
    release();
    await ts.server.ctx.services.fleet.membership.settled();
    assert.equal((await iot.send(new DescribeThingGroupCommand({ thingGroupName: 'old-fw' }))).status, 'ACTIVE');
    assert.deepEqual(await members(iot, 'old-fw'), OLD_FW);
    const groups = await iot.send(new ListThingGroupsForThingCommand({ thingName: 'unit-00' }));
    assert.deepEqual(groups.thingGroups!.map((g) => g.groupName), ['old-fw']);
  });

  test('membership follows attribute changes and new things, not recomputed per request', async () => {
    await iot.send(new UpdateThingCommand({ thingName: 'unit-00', attributePayload: { attributes: { fw: '2' }, merge: true } }));
    await iot.send(new UpdateThingCommand({ thingName: 'unit-01', attributePayload: { attributes: { fw: '1' }, merge: true } }));
    await iot.send(new CreateThingCommand({ thingName: 'unit-new', attributePayload: { attributes: { fw: '1' } } }));
    assert.deepEqual(await members(iot, 'old-fw'), [...OLD_FW.filter((t) => t !== 'unit-00'), 'unit-01', 'unit-new'].sort());
  });

  test('membership follows thing type and static-group changes', async () => {
    await iot.send(new CreateDynamicThingGroupCommand({ thingGroupName: 'lab-cams', queryString: 'thingTypeName:camera AND thingGroupNames:lab' }));
    await iot.send(new CreateThingGroupCommand({ thingGroupName: 'lab' }));
    await ts.server.ctx.services.fleet.membership.settled();
    await iot.send(new UpdateThingCommand({ thingName: 'unit-05', thingTypeName: 'camera' }));
    assert.deepEqual(await members(iot, 'lab-cams'), []);
    await iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'lab', thingName: 'unit-05' }));
    assert.deepEqual(await members(iot, 'lab-cams'), ['unit-05']);
    await iot.send(new UpdateThingCommand({ thingName: 'unit-05', removeThingType: true }));
    assert.deepEqual(await members(iot, 'lab-cams'), []);
  });

  test('membership follows connectivity as a device connects and disconnects', async () => {
    await iot.send(new CreateDynamicThingGroupCommand({ thingGroupName: 'online', queryString: 'connectivity.connected:true' }));
    await createPolicy(iot, 'fleet-devices', openPolicy(ts));
    const creds = await provisionDevices(ts, ['probe'], 'fleet-devices');
    await ts.server.ctx.services.fleet.membership.settled();
    assert.deepEqual(await members(iot, 'online'), []);
    const device = await JobsDevice.connect(ts, 'probe', creds.get('probe')!, { subscribe: false });
    await eventually(async () => (await members(iot, 'online')).includes('probe'), 'probe joins online');
    await end(device.client);
    await eventually(async () => (await members(iot, 'online')).length === 0, 'probe leaves online');
  });

  test('a query change is REBUILDING, then the new query decides', async () => {
    const release = ts.server.ctx.services.fleet.membership.holdBuilds();
    const { version } = await iot.send(new UpdateDynamicThingGroupCommand({ thingGroupName: 'old-fw', queryString: 'attributes.fw:1 AND thingName:unit-0*', thingGroupProperties: { thingGroupDescription: 'firmware 1, first ten' } }));
    assert.equal(version, 2);
    assert.equal((await iot.send(new DescribeThingGroupCommand({ thingGroupName: 'old-fw' }))).status, 'REBUILDING');
    release();
    await ts.server.ctx.services.fleet.membership.settled();
    const described = await iot.send(new DescribeThingGroupCommand({ thingGroupName: 'old-fw' }));
    assert.deepEqual([described.status, described.queryString, described.thingGroupProperties?.thingGroupDescription], ['ACTIVE', 'attributes.fw:1 AND thingName:unit-0*', 'firmware 1, first ten']);
    assert.deepEqual(await members(iot, 'old-fw'), ['unit-01', 'unit-04', 'unit-08']);
  });

  test("AWS's rules: no policies, no members by hand, no children — each refused beside a static group where it works", async () => {
    await createPolicy(iot, 'group-policy', openPolicy(ts));
    await iot.send(new AttachPolicyCommand({ policyName: 'group-policy', target: (await iot.send(new DescribeThingGroupCommand({ thingGroupName: 'lab' }))).thingGroupArn! }));
    const dynamicArn = (await iot.send(new DescribeThingGroupCommand({ thingGroupName: 'old-fw' }))).thingGroupArn!;
    await rejectsWith(iot.send(new AttachPolicyCommand({ policyName: 'group-policy', target: dynamicArn })), 'InvalidRequestException', 400, /dynamic/);

    await iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'lab', thingName: 'unit-10' }));
    await rejectsWith(iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'old-fw', thingName: 'unit-10' })), 'InvalidRequestException', 400, /dynamic/);
    assert.ok(!(await members(iot, 'old-fw')).includes('unit-10'));

    await iot.send(new CreateThingGroupCommand({ thingGroupName: 'lab-bench', parentGroupName: 'lab' }));
    await rejectsWith(iot.send(new CreateThingGroupCommand({ thingGroupName: 'old-fw-child', parentGroupName: 'old-fw' })), 'InvalidRequestException', 400, /dynamic/);

    await rejectsWith(iot.send(new CreateDynamicThingGroupCommand({ thingGroupName: 'broken', queryString: 'attributes.fw:(1' })), 'InvalidQueryException', 400, /position 14:/);
    await rejectsWith(iot.send(new DescribeThingGroupCommand({ thingGroupName: 'broken' })), 'ResourceNotFoundException', 404);
  });

  test('dynamic memberships count toward the 10-group limit; overrideDynamicGroups gives up the last dynamic one', async () => {
    await iot.send(new CreateThingCommand({ thingName: 'busy', attributePayload: { attributes: { fw: '1' } } }));
    await iot.send(new UpdateDynamicThingGroupCommand({ thingGroupName: 'old-fw', queryString: 'attributes.fw:1', thingGroupProperties: {} }));
    await ts.server.ctx.services.fleet.membership.settled();
    for (let i = 0; i < 9; i++) {
      await iot.send(new CreateThingGroupCommand({ thingGroupName: `root-${i}` }));
      await iot.send(new AddThingToThingGroupCommand({ thingGroupName: `root-${i}`, thingName: 'busy' }));
    }
    assert.ok((await members(iot, 'old-fw')).includes('busy'));
    await iot.send(new CreateThingGroupCommand({ thingGroupName: 'root-9' }));
    await rejectsWith(iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'root-9', thingName: 'busy' })), 'LimitExceededException', 410);
    await iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'root-9', thingName: 'busy', overrideDynamicGroups: true }));
    assert.ok(!(await members(iot, 'old-fw')).includes('busy'));
    assert.equal((await iot.send(new ListThingGroupsForThingCommand({ thingName: 'busy' }))).thingGroups!.length, 10);
  });

  test('a thing already in 10 groups is left out of a further dynamic group it comes to match — not an error on the thing — and joins once it leaves one', async () => {
    await iot.send(new CreateDynamicThingGroupCommand({ thingGroupName: 'fw-three', queryString: 'attributes.fw:3' }));
    await ts.server.ctx.services.fleet.membership.settled();
    for (const thingName of ['full', 'roomy']) await iot.send(new CreateThingCommand({ thingName, attributePayload: { attributes: { fw: '2' } } }));
    for (let i = 0; i < 10; i++) {
      await iot.send(new CreateThingGroupCommand({ thingGroupName: `full-${i}` }));
      await iot.send(new AddThingToThingGroupCommand({ thingGroupName: `full-${i}`, thingName: 'full' }));
    }
    // The change itself is accepted for both things; only the one with room joins.
    for (const thingName of ['full', 'roomy']) await iot.send(new UpdateThingCommand({ thingName, attributePayload: { attributes: { fw: '3' }, merge: true } }));
    assert.deepEqual(await members(iot, 'fw-three'), ['roomy']);
    assert.equal((await iot.send(new ListThingGroupsForThingCommand({ thingName: 'full' }))).thingGroups!.length, 10);
    await iot.send(new RemoveThingFromThingGroupCommand({ thingGroupName: 'full-0', thingName: 'full' }));
    assert.deepEqual(await members(iot, 'fw-three'), ['full', 'roomy']);
    assert.equal((await iot.send(new ListThingGroupsForThingCommand({ thingName: 'full' }))).thingGroups!.length, 10);
    // UpdateThingGroupsForThing takes overrideDynamicGroups as AddThingToThingGroup does.
    await rejectsWith(iot.send(new UpdateThingGroupsForThingCommand({ thingName: 'full', thingGroupsToAdd: ['full-0'] })), 'LimitExceededException', 410);
    await iot.send(new UpdateThingGroupsForThingCommand({ thingName: 'full', thingGroupsToAdd: ['full-0'], overrideDynamicGroups: true }));
    assert.deepEqual(await members(iot, 'fw-three'), ['roomy']);
    assert.ok((await iot.send(new ListThingGroupsForThingCommand({ thingName: 'full' }))).thingGroups!.some((g) => g.groupName === 'full-0'));
  });

  test('concurrent adds and dynamic joins never take a thing past 10 groups', async () => {
    await iot.send(new CreateThingCommand({ thingName: 'contested', attributePayload: { attributes: { fw: '2' } } }));
    for (let i = 0; i < 7; i++) {
      await iot.send(new CreateThingGroupCommand({ thingGroupName: `held-${i}` }));
      await iot.send(new AddThingToThingGroupCommand({ thingGroupName: `held-${i}`, thingName: 'contested' }));
    }
    for (let i = 0; i < 5; i++) await iot.send(new CreateThingGroupCommand({ thingGroupName: `wanted-${i}` }));
    await iot.send(new CreateDynamicThingGroupCommand({ thingGroupName: 'any-fw', queryString: 'attributes.fw:*' }));
    await ts.server.ctx.services.fleet.membership.settled();
    const groupsOf = async () => (await iot.send(new ListThingGroupsForThingCommand({ thingName: 'contested' }))).thingGroups!.map((g) => g.groupName!);
    assert.equal((await groupsOf()).length, 8, 'seven static groups and any-fw');
    // Five static adds racing an attribute change that makes old-fw (attributes.fw:1) match: two places are free.
    const results = await Promise.allSettled([
      ...Array.from({ length: 5 }, (_, i) => iot.send(new AddThingToThingGroupCommand({ thingGroupName: `wanted-${i}`, thingName: 'contested' }))),
      iot.send(new UpdateThingCommand({ thingName: 'contested', attributePayload: { attributes: { fw: '1' }, merge: true } })),
    ]);
    assert.equal(results[5]!.status, 'fulfilled', 'the attribute change is never refused');
    const refused = results.slice(0, 5).filter((r) => r.status === 'rejected');
    for (const r of refused) assert.equal((r as PromiseRejectedResult).reason.name, 'LimitExceededException');
    await ts.server.ctx.services.fleet.membership.settled();
    const final = await groupsOf();
    assert.equal(final.length, 10, `at most 10, and every place taken: ${final.join(', ')}`);
    const joinedDynamic = final.includes('old-fw') ? 1 : 0;
    assert.equal(5 - refused.length + joinedDynamic, 2, 'the two free places went to static adds or the dynamic join, no more');
  });

  test('DeleteDynamicThingGroup deletes a dynamic group; a static one is refused', async () => {
    await rejectsWith(iot.send(new DeleteDynamicThingGroupCommand({ thingGroupName: 'lab' })), 'InvalidRequestException', 400);
    await iot.send(new DeleteDynamicThingGroupCommand({ thingGroupName: 'lab-cams' }));
    await rejectsWith(iot.send(new DescribeThingGroupCommand({ thingGroupName: 'lab-cams' })), 'ResourceNotFoundException', 404);
    await iot.send(new UpdateThingCommand({ thingName: 'unit-05', thingTypeName: 'camera' }));
    assert.equal((await iot.send(new DescribeThingGroupCommand({ thingGroupName: 'lab' }))).thingGroupName, 'lab');
  });
});
