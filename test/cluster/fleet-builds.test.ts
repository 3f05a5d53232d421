/**
 * A dynamic thing group's whole-fleet evaluation is stored, leased work: a
 * node that dies mid-way leaves its progress and its lease; another node
 * takes the evaluation over once the lease has run out (by its clock, moved
 * here, never slept on) and finishes it from where the first stopped.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateDynamicThingGroupCommand, CreateThingCommand, DescribeThingGroupCommand, ListThingsInThingGroupCommand, type IoTClient } from '@aws-sdk/client-iot';
import { clusterSkipReason, startTestCluster } from './helpers.js';

const skip = clusterSkipReason();
const LEASE_MS = 30_000;

async function members(iot: IoTClient, group: string): Promise<string[]> {
  const out: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await iot.send(new ListThingsInThingGroupCommand({ thingGroupName: group, maxResults: 100, nextToken }));
    out.push(...(page.things ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return out.sort();
}

test('a whole-fleet evaluation whose node died mid-way is finished by another node after the lease, from where it stopped', { skip }, async (t) => {
  const cluster = await startTestCluster(2, { jobsTickMs: 3_600_000 });
  t.after(() => cluster.close());
  const [a, b] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0]];
  const things = Array.from({ length: 30 }, (_, i) => `cam-${String(i).padStart(2, '0')}`);
  for (const [i, thingName] of things.entries()) await a.iot().send(new CreateThingCommand({ thingName, attributePayload: { attributes: { fw: i % 3 === 0 ? '1' : '2' } } }));
  const expected = things.filter((_, i) => i % 3 === 0);

  // Neither node starts the evaluation on its own; A does one page of ten things, then dies holding the lease.
  const releaseA = a.server.ctx.services.fleet.membership.holdBuilds();
  const releaseB = b.server.ctx.services.fleet.membership.holdBuilds();
  await a.iot().send(new CreateDynamicThingGroupCommand({ thingGroupName: 'old-fw', queryString: 'attributes.fw:1' }));
  await a.server.ctx.services.fleet.membership.evaluateDue({ maxSteps: 1, page: 10 });
  const row = await a.server.ctx.store.db.selectFrom('iot_thing_groups').select(['build_owner', 'build_after', 'dynamic_status']).where('group_name', '=', 'old-fw').executeTakeFirstOrThrow();
  assert.deepEqual(row, { build_owner: a.server.ctx.cluster.nodeId, build_after: 'cam-09', dynamic_status: 'BUILDING' }, 'A recorded its progress');
  assert.deepEqual(await members(b.iot(), 'old-fw'), ['cam-00', 'cam-03', 'cam-06', 'cam-09'], 'the first page is done');
  releaseA();
  await a.close();
  // Behind the feed's back (so no change re-evaluates it), cam-03 stops matching: a node that started over would drop it; one that resumes after cam-09 keeps it.
  await b.server.ctx.store.db.updateTable('iot_thing_attributes').set({ attr_value: '2' }).where('thing_name', '=', 'cam-03').where('attr_name', '=', 'fw').execute();

  // B looks before the lease has run out: A still holds it.
  releaseB();
  const membership = b.server.ctx.services.fleet.membership;
  b.clock.advance(LEASE_MS - 1000);
  await membership.evaluateDue();
  assert.equal((await b.iot().send(new DescribeThingGroupCommand({ thingGroupName: 'old-fw' }))).status, 'BUILDING');

  // After it, B takes the evaluation over and finishes it.
  b.clock.advance(2000);
  await membership.evaluateDue();
  await membership.settled();
  assert.equal((await b.iot().send(new DescribeThingGroupCommand({ thingGroupName: 'old-fw' }))).status, 'ACTIVE');
  assert.deepEqual(await members(b.iot(), 'old-fw'), expected, 'resumed after cam-09: the first page was not evaluated again');
  const done = await b.server.ctx.store.db.selectFrom('iot_thing_groups').select(['build_owner', 'build_after', 'build_due']).where('group_name', '=', 'old-fw').executeTakeFirstOrThrow();
  assert.deepEqual(done, { build_owner: null, build_after: null, build_due: null });
});
