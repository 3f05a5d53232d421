import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateThingCommand, DescribeJobCommand, DescribeJobExecutionCommand, UpdateThingCommand } from '@aws-sdk/client-iot';
import { startTestServer } from '../helpers/server.js';
import { cli } from './helpers.js';

test('thing search, thing-group create --query, thing-group members, job create --continuous', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const d = ['--data-dir', s.dataDir];
  const iot = s.iot();
  for (const [name, ring] of [['cam-1', 'beta'], ['cam-2', 'stable'], ['cam-3', 'beta']] as const) {
    await iot.send(new CreateThingCommand({ thingName: name, attributePayload: { attributes: { ring } } }));
  }

  const found = await cli(['thing', 'search', 'attributes.ring:beta', '--json', ...d]);
  assert.equal(found.code, 0, found.stderr);
  assert.deepEqual(found.json().map((x: { thingName: string }) => x.thingName), ['cam-1', 'cam-3']);
  const table = await cli(['thing', 'search', 'thingName:cam-2', ...d]);
  assert.match(table.stdout, /^NAME\s+TYPE\s+CONNECTED\s+GROUPS\s+ATTRIBUTES\ncam-2\s+-\s+no\s+-\s+ring=stable\n$/);
  const bad = await cli(['thing', 'search', 'thingName:(cam', ...d]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /InvalidQueryException.*position 10/);

  const created = await cli(['thing-group', 'create', 'beta', '--query', 'attributes.ring:beta', '--json', ...d]);
  assert.equal(created.code, 0, created.stderr);
  assert.equal(created.json().queryString, 'attributes.ring:beta');
  await s.server.ctx.services.fleet.membership.settled();
  assert.deepEqual((await cli(['thing-group', 'members', 'beta', '--json', ...d])).json(), ['cam-1', 'cam-3']);
  assert.equal((await cli(['thing-group', 'create', 'lab', ...d])).code, 0);

  const job = await cli(['job', 'create', 'cont', '--targets', 'group:beta', '--document', '{"operation":"x"}', '--continuous', '--json', ...d]);
  assert.equal(job.code, 0, job.stderr);
  assert.equal((await iot.send(new DescribeJobCommand({ jobId: 'cont' }))).job!.targetSelection, 'CONTINUOUS');
  await iot.send(new UpdateThingCommand({ thingName: 'cam-2', attributePayload: { attributes: { ring: 'beta' } } }));
  assert.equal((await iot.send(new DescribeJobExecutionCommand({ jobId: 'cont', thingName: 'cam-2' }))).execution!.status, 'QUEUED');
});
