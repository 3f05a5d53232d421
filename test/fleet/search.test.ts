import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AddThingToThingGroupCommand,
  CreateThingCommand,
  CreateThingGroupCommand,
  CreateThingTypeCommand,
  DescribeIndexCommand,
  GetBucketsAggregationCommand,
  GetCardinalityCommand,
  GetIndexingConfigurationCommand,
  GetPercentilesCommand,
  GetStatisticsCommand,
  ListIndicesCommand,
  SearchIndexCommand,
  UpdateIndexingConfigurationCommand,
  UpdateThingCommand,
  type IoTClient,
} from '@aws-sdk/client-iot';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { eventually, rejectsWith } from '../helpers/assert.js';
import { createPolicy, end, openPolicy } from '../mqtt/helpers.js';
import { JobsDevice, provisionDevices } from '../jobs/helpers.js';

/** 190 filler things and ten special ones with mixed types, attributes, a static group and connectivity. */
const SPECIALS: Array<{ name: string; type?: string; attributes: Record<string, string> }> = [
  { name: 'cam-front', type: 'camera', attributes: { fw: '1.2.0', floor: '3', site: 'Berlin' } },
  { name: 'cam-back', type: 'camera', attributes: { fw: '1.10.0', floor: '12', site: 'berlin' } },
  { name: 'cam-lobby', type: 'camera', attributes: { fw: '2.0.0', floor: '0', site: 'Paris', note: 'main_entrance' } },
  { name: 'thermo-1', type: 'sensor', attributes: { floor: '3', site: 'Paris' } },
  { name: 'thermo-2', type: 'sensor', attributes: { floor: '7', site: 'Oslo' } },
  { name: 'thermo-3', type: 'sensor', attributes: { floor: '-1', site: 'Oslo' } },
  { name: 'Gateway-A', attributes: { site: 'Berlin', role: 'gw' } },
  { name: 'gateway-b', attributes: { site: 'Oslo', role: 'gw' } },
  { name: 'plasma-tv', type: 'display', attributes: { site: 'Berlin' } },
  { name: 'tv-oled', type: 'display', attributes: { site: 'Paris' } },
];
const FILLERS = Array.from({ length: 190 }, (_, i) => `filler-${String(i).padStart(3, '0')}`);

/** Each query and exactly the things it finds, in name order. */
const TABLE: Array<[string, string[]]> = [
  ['thingTypeName:camera', ['cam-back', 'cam-front', 'cam-lobby']],
  ['thingTypeName:camera AND attributes.site:berlin', ['cam-back', 'cam-front']],
  ['thingTypeName:camera attributes.site:BERLIN', ['cam-back', 'cam-front']],
  ['attributes.site:Oslo OR attributes.site:paris', ['cam-lobby', 'gateway-b', 'thermo-1', 'thermo-2', 'thermo-3', 'tv-oled']],
  ['attributes.site:(oslo OR paris) -thingTypeName:sensor', ['cam-lobby', 'gateway-b', 'tv-oled']],
  ['attributes.site:(oslo OR paris) NOT thingTypeName:sensor', ['cam-lobby', 'gateway-b', 'tv-oled']],
  ['thingName:cam*', ['cam-back', 'cam-front', 'cam-lobby']],
  ['thingName:thermo-?', ['thermo-1', 'thermo-2', 'thermo-3']],
  ['thingName:*tv', ['plasma-tv']],
  ['thingName:(tv* AND -plasma*)', ['tv-oled']],
  ['attributes.floor:[3 TO 7]', ['cam-front', 'thermo-1', 'thermo-2']],
  ['attributes.floor:{3 TO 7]', ['thermo-2']],
  ['attributes.floor>3', ['cam-back', 'thermo-2']],
  ['attributes.floor<=0', ['cam-lobby', 'thermo-3']],
  ['attributes.fw:{1.2.0 TO 2.0.0]', ['cam-lobby']],
  ['attributes.note:"main_entrance"', ['cam-lobby']],
  ['attributes.note:"main*"', []],
  ['attributes.note:main*', ['cam-lobby']],
  ['"MAIN_ENTRANCE"', ['cam-lobby']],
  ['gateway*', ['Gateway-A', 'gateway-b']],
  ['thingGroupNames:hq', ['Gateway-A', 'cam-front', 'thermo-1']],
  ['attributes.role:gw AND NOT thingName:gateway-b', ['Gateway-A']],
  ['(thingTypeName:display OR attributes.role:gw) AND attributes.site:berlin', ['Gateway-A', 'plasma-tv']],
  ['connectivity.connected:true', ['cam-front', 'thermo-1']],
  ['connectivity.connected:false AND thingTypeName:sensor', ['thermo-2', 'thermo-3']],
  ['connectivity.disconnectReason:CLIENT_INITIATED_DISCONNECT', ['gateway-b']],
  ['NOT attributes.batch:filler', ['Gateway-A', 'cam-back', 'cam-front', 'cam-lobby', 'gateway-b', 'plasma-tv', 'thermo-1', 'thermo-2', 'thermo-3', 'tv-oled']],
  ['attributes.n:[100 TO 102] OR attributes.n:7', ['filler-007', 'filler-100', 'filler-101', 'filler-102']],
];

/** Each malformed query and where AWS's parser would stop (0-based). */
const MALFORMED: Array<[string, number]> = [
  ['thingName:(cam*', 10],
  ['attributes.floor:[1 TO', 22],
  ['attributes.floor:[1 7]', 20],
  ['AND thingName:x', 0],
  ['colour:red', 0],
  ['thingName:*a OR thingName:*b', 26],
  ['thingName:a@b', 11],
  ['"unclosed', 0],
  ['thingName:x)', 11],
  ['a b c d e f g h i j k l m', 24],
];

async function search(iot: IoTClient, queryString: string): Promise<string[]> {
  const names: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await iot.send(new SearchIndexCommand({ indexName: 'AWS_Things', queryString, queryVersion: '2017-09-30', maxResults: 4, nextToken }));
    assert.ok((page.things ?? []).length <= 4);
    names.push(...(page.things ?? []).map((t) => t.thingName!));
    nextToken = page.nextToken;
  } while (nextToken);
  return names;
}

describe('fleet index: SearchIndex over 200 things', () => {
  let ts: TestServer;
  let iot: IoTClient;
  const devices: JobsDevice[] = [];

  before(async () => {
    ts = await startTestServer();
    iot = ts.iot();
    for (const type of ['camera', 'sensor', 'display']) await iot.send(new CreateThingTypeCommand({ thingTypeName: type }));
    for (const name of FILLERS) await iot.send(new CreateThingCommand({ thingName: name, attributePayload: { attributes: { batch: 'filler', n: String(Number(name.slice(7))) } } }));
    await createPolicy(iot, 'fleet-devices', openPolicy(ts));
    const creds = await provisionDevices(ts, ['cam-front', 'thermo-1', 'gateway-b'], 'fleet-devices');
    for (const s of SPECIALS) {
      if (creds.has(s.name)) await iot.send(new UpdateThingCommand({ thingName: s.name, thingTypeName: s.type, attributePayload: { attributes: s.attributes } }));
      else await iot.send(new CreateThingCommand({ thingName: s.name, thingTypeName: s.type, attributePayload: { attributes: s.attributes } }));
    }
    await iot.send(new CreateThingGroupCommand({ thingGroupName: 'hq' }));
    for (const t of ['cam-front', 'thermo-1', 'Gateway-A']) await iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'hq', thingName: t }));
    for (const name of ['cam-front', 'thermo-1', 'gateway-b']) devices.push(await JobsDevice.connect(ts, name, creds.get(name)!, { subscribe: false }));
    await end(devices.pop()!.client);
    await eventually(async () => (await search(iot, 'connectivity.disconnectReason:*')).length === 1, 'gateway-b recorded disconnected');
  });

  after(async () => {
    for (const d of devices) await end(d.client);
    await ts.close();
  });

  for (const [query, expected] of TABLE) {
    test(`${query} finds ${expected.length}`, async () => {
      assert.deepEqual(await search(iot, query), expected);
    });
  }

  test('pages of at most maxResults cover all 190 fillers once, in name order', async () => {
    const first = await iot.send(new SearchIndexCommand({ queryString: 'attributes.batch:filler', maxResults: 100 }));
    assert.equal(first.things!.length, 100);
    const second = await iot.send(new SearchIndexCommand({ queryString: 'attributes.batch:filler', maxResults: 100, nextToken: first.nextToken }));
    assert.equal(second.things!.length, 90);
    assert.equal(second.nextToken, undefined);
    assert.deepEqual([...first.things!, ...second.things!].map((t) => t.thingName), FILLERS);
    const doc = (await iot.send(new SearchIndexCommand({ queryString: 'thingName:cam-front' }))).things![0]!;
    assert.equal(doc.thingTypeName, 'camera');
    assert.deepEqual(doc.attributes, { fw: '1.2.0', floor: '3', site: 'Berlin' });
    assert.deepEqual(doc.thingGroupNames, ['hq']);
    assert.equal(doc.connectivity?.connected, true);
    assert.equal(typeof doc.connectivity?.timestamp, 'number');
  });

  for (const [query, position] of MALFORMED) {
    test(`malformed ${JSON.stringify(query)} is InvalidQueryException at ${position}, beside a query that works`, async () => {
      await rejectsWith(iot.send(new SearchIndexCommand({ queryString: query })), 'InvalidQueryException', 400, new RegExp(`at position ${position}:`));
      assert.deepEqual(await search(iot, 'thingName:plasma-tv'), ['plasma-tv']);
    });
  }

  test('twelve terms are fine; the thirteenth is refused where it starts', async () => {
    const twelve = Array.from({ length: 12 }, (_, i) => `thingName:cam-${i}`).join(' OR ');
    assert.deepEqual(await search(iot, twelve), []);
    await rejectsWith(iot.send(new SearchIndexCommand({ queryString: `${twelve} OR thingName:cam-back` })), 'InvalidQueryException', 400, new RegExp(`at position ${twelve.length + 4}:`));
  });

  test('aggregations answer exact figures over the matching things', async () => {
    const stats = await iot.send(new GetStatisticsCommand({ queryString: 'thingTypeName:sensor', aggregationField: 'attributes.floor' }));
    assert.deepEqual({ count: stats.statistics!.count, sum: stats.statistics!.sum, minimum: stats.statistics!.minimum, maximum: stats.statistics!.maximum }, { count: 3, sum: 9, minimum: -1, maximum: 7 });
    assert.equal((await iot.send(new GetStatisticsCommand({ queryString: 'attributes.batch:filler' }))).statistics!.count, 190);
    assert.equal((await iot.send(new GetCardinalityCommand({ queryString: 'NOT attributes.batch:filler', aggregationField: 'attributes.site' }))).cardinality, 3);
    const p = await iot.send(new GetPercentilesCommand({ queryString: 'attributes.batch:filler', aggregationField: 'attributes.n', percents: [0, 50, 100] }));
    assert.deepEqual(p.percentiles!.map((x) => x.value), [0, 94.5, 189]);
    const b = await iot.send(new GetBucketsAggregationCommand({ queryString: 'NOT attributes.batch:filler', aggregationField: 'thingTypeName', bucketsAggregationType: { termsAggregation: { maxBuckets: 2 } } }));
    assert.deepEqual(b.buckets, [{ keyValue: 'camera', count: 3 }, { keyValue: 'sensor', count: 3 }]);
    await rejectsWith(iot.send(new GetPercentilesCommand({ queryString: 'thingName:*', aggregationField: 'attributes.site' })), 'InvalidAggregationException', 400);
  });

  test('indexing configuration: on by default, kept as written; DescribeIndex and ListIndices follow it', async () => {
    const config = await iot.send(new GetIndexingConfigurationCommand({}));
    assert.equal(config.thingIndexingConfiguration?.thingIndexingMode, 'REGISTRY');
    assert.equal(config.thingIndexingConfiguration?.thingConnectivityIndexingMode, 'STATUS');
    assert.deepEqual((await iot.send(new ListIndicesCommand({}))).indexNames, ['AWS_Things']);
    const index = await iot.send(new DescribeIndexCommand({ indexName: 'AWS_Things' }));
    assert.deepEqual([index.indexStatus, index.schema], ['ACTIVE', 'REGISTRY_AND_CONNECTIVITY_STATUS']);
    await rejectsWith(iot.send(new DescribeIndexCommand({ indexName: 'AWS_Other' })), 'ResourceNotFoundException', 404);
    await rejectsWith(iot.send(new UpdateIndexingConfigurationCommand({ thingIndexingConfiguration: { thingIndexingMode: 'SOMETIMES' as never } })), 'InvalidRequestException', 400);
    await iot.send(new UpdateIndexingConfigurationCommand({ thingIndexingConfiguration: { thingIndexingMode: 'OFF' } }));
    await rejectsWith(iot.send(new SearchIndexCommand({ queryString: 'thingName:cam*' })), 'ResourceNotFoundException', 404);
    assert.deepEqual((await iot.send(new ListIndicesCommand({}))).indexNames, []);
    await iot.send(new UpdateIndexingConfigurationCommand({ thingIndexingConfiguration: { thingIndexingMode: 'REGISTRY', thingConnectivityIndexingMode: 'STATUS' } }));
    assert.equal((await iot.send(new GetIndexingConfigurationCommand({}))).thingIndexingConfiguration?.thingIndexingMode, 'REGISTRY');
    assert.deepEqual(await search(iot, 'thingName:cam-f*'), ['cam-front']);
  });
});
