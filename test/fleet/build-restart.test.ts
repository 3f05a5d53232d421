/**
 * A dynamic group's evaluation interrupted by a stop (or a crash) goes on when
 * the server starts again, from the thing it had reached, without waiting out
 * the lease its previous run held.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateDynamicThingGroupCommand, CreateThingCommand, DescribeThingGroupCommand, ListThingsInThingGroupCommand } from '@aws-sdk/client-iot';
import { startTestServer, tempDir } from '../helpers/server.js';

test('an evaluation interrupted mid-way finishes after a restart, at once', async (t) => {
  const dataDir = tempDir();
  const first = await startTestServer({ dataDir, keepDataDir: true });
  const things = Array.from({ length: 12 }, (_, i) => `probe-${String(i).padStart(2, '0')}`);
  for (const [i, thingName] of things.entries()) await first.iot().send(new CreateThingCommand({ thingName, attributePayload: { attributes: { site: i % 2 === 0 ? 'berlin' : 'oslo' } } }));
  const membership = first.server.ctx.services.fleet.membership;
  membership.holdBuilds();
  await first.iot().send(new CreateDynamicThingGroupCommand({ thingGroupName: 'berlin', queryString: 'attributes.site:berlin' }));
  await membership.evaluateDue({ maxSteps: 1, page: 5 });
  assert.equal((await first.iot().send(new DescribeThingGroupCommand({ thingGroupName: 'berlin' }))).status, 'BUILDING');
  await first.stop();

  const second = await startTestServer({ dataDir });
  t.after(() => second.close());
  await second.server.ctx.services.fleet.membership.settled();
  assert.equal((await second.iot().send(new DescribeThingGroupCommand({ thingGroupName: 'berlin' }))).status, 'ACTIVE');
  const members = (await second.iot().send(new ListThingsInThingGroupCommand({ thingGroupName: 'berlin' }))).things!.sort();
  assert.deepEqual(members, things.filter((_, i) => i % 2 === 0));
});
