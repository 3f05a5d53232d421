import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AddThingToThingGroupCommand,
  AssociateTargetsWithJobCommand,
  CancelJobCommand,
  CreateDynamicThingGroupCommand,
  CreateThingGroupCommand,
  DescribeJobCommand,
  DescribeJobExecutionCommand,
  RemoveThingFromThingGroupCommand,
  UpdateThingCommand,
  type IoTClient,
} from '@aws-sdk/client-iot';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { engines } from '../helpers/stores.js';
import { eventually, rejectsWith } from '../helpers/assert.js';
import { createPolicy, openPolicy } from '../mqtt/helpers.js';
import { arnOf, createJob, JobsDevice, provisionDevices } from '../jobs/helpers.js';
import { createThings, notifiedCount } from '../jobs/rollout-helpers.js';

const THINGS = ['early', 'late-direct', 'late-child', 'late-dyn', 'leaver', 'extra'];
const DOC = JSON.stringify({ operation: 'install', version: '2' });

const queuedIds = (notify: any): string[] => (notify.jobs?.QUEUED ?? []).map((j: { jobId: string }) => j.jobId);

for (const { engine, skip } of engines()) describe(`CONTINUOUS jobs follow their groups [${engine}]`, { skip }, () => {
  let ts: TestServer;
  let iot: IoTClient;
  const devices = new Map<string, JobsDevice>();

  const status = async (jobId: string, thingName: string) => (await iot.send(new DescribeJobExecutionCommand({ jobId, thingName }))).execution!.status;

  before(async () => {
    ts = await startTestServer({ engine });
    iot = ts.iot();
    await createPolicy(iot, 'fleet-devices', openPolicy(ts));
    const creds = await provisionDevices(ts, THINGS, 'fleet-devices');
    for (const name of THINGS) devices.set(name, await JobsDevice.connect(ts, name, creds.get(name)!));
    await iot.send(new CreateThingGroupCommand({ thingGroupName: 'fleet' }));
    await iot.send(new CreateThingGroupCommand({ thingGroupName: 'fleet-eu', parentGroupName: 'fleet' }));
    await iot.send(new CreateDynamicThingGroupCommand({ thingGroupName: 'beta', queryString: 'attributes.ring:beta' }));
    await iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'fleet', thingName: 'early' }));
    await ts.server.ctx.services.fleet.membership.settled();
    await createJob(ts, { jobId: 'cont', targets: [arnOf(ts, 'thinggroup/fleet'), arnOf(ts, 'thinggroup/beta')], targetSelection: 'CONTINUOUS', document: DOC });
    await createJob(ts, { jobId: 'snap', targets: [arnOf(ts, 'thinggroup/fleet'), arnOf(ts, 'thinggroup/beta')], document: DOC });
    await ts.server.ctx.services.jobs.settled();
  });

  after(async () => {
    for (const d of devices.values()) await d.end();
    await ts.close();
  });

  test('a thing joining directly, through a child group, or by matching a dynamic group gets the job and is notified without asking; the snapshot job does not reach it', async () => {
    await iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'fleet', thingName: 'late-direct' }));
    await iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'fleet-eu', thingName: 'late-child' }));
    await iot.send(new UpdateThingCommand({ thingName: 'late-dyn', attributePayload: { attributes: { ring: 'beta' } } }));
    for (const name of ['late-direct', 'late-child', 'late-dyn']) {
      assert.deepEqual(queuedIds(await devices.get(name)!.next('notify')), ['cont'], name);
      assert.equal(await status('cont', name), 'QUEUED');
      await rejectsWith(iot.send(new DescribeJobExecutionCommand({ jobId: 'snap', thingName: name })), 'ResourceNotFoundException', 404);
    }
    assert.equal(await status('snap', 'early'), 'QUEUED');
    assert.equal(await status('cont', 'early'), 'QUEUED');
  });

  test('a thing that leaves before starting has its execution REMOVED; one that comes back gets a new execution', async () => {
    const leaver = devices.get('leaver')!;
    await iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'fleet', thingName: 'leaver' }));
    assert.deepEqual(queuedIds(await leaver.next('notify')), ['cont']);
    await iot.send(new RemoveThingFromThingGroupCommand({ thingGroupName: 'fleet', thingName: 'leaver' }));
    assert.deepEqual(queuedIds(await leaver.next('notify')), []);
    assert.equal(await status('cont', 'leaver'), 'REMOVED');
    await iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'fleet', thingName: 'leaver' }));
    assert.deepEqual(queuedIds(await leaver.next('notify')), ['cont']);
    const again = (await iot.send(new DescribeJobExecutionCommand({ jobId: 'cont', thingName: 'leaver' }))).execution!;
    assert.deepEqual([again.status, again.executionNumber], ['QUEUED', 2]);
    // Leaving a dynamic group by an attribute change removes the same way.
    await iot.send(new UpdateThingCommand({ thingName: 'late-dyn', attributePayload: { attributes: { ring: 'stable' } } }));
    assert.equal(await status('cont', 'late-dyn'), 'REMOVED');
  });

  test('the continuous job stays IN_PROGRESS with every execution finished, until canceled; the snapshot job completes', async () => {
    for (const name of ['early', 'late-direct', 'late-child', 'leaver']) {
      await devices.get(name)!.accepted('cont/update', { status: 'SUCCEEDED' });
    }
    await devices.get('early')!.accepted('snap/update', { status: 'SUCCEEDED' });
    assert.equal((await iot.send(new DescribeJobCommand({ jobId: 'snap' }))).job!.status, 'COMPLETED');
    const cont = (await iot.send(new DescribeJobCommand({ jobId: 'cont' }))).job!;
    assert.equal(cont.status, 'IN_PROGRESS');
    assert.equal(cont.jobProcessDetails!.numberOfSucceededThings, 4);
    assert.equal(cont.jobProcessDetails!.numberOfQueuedThings, 0);
  });

  test('AssociateTargetsWithJob adds a thing to a continuous job, which is then notified; a snapshot job refuses', async () => {
    const extra = devices.get('extra')!;
    const out = await iot.send(new AssociateTargetsWithJobCommand({ jobId: 'cont', targets: [arnOf(ts, 'thing/extra')], comment: 'one more' }));
    assert.equal(out.jobId, 'cont');
    assert.deepEqual(queuedIds(await extra.next('notify')), ['cont']);
    assert.ok((await iot.send(new DescribeJobCommand({ jobId: 'cont' }))).job!.targets!.includes(arnOf(ts, 'thing/extra')));
    await rejectsWith(iot.send(new AssociateTargetsWithJobCommand({ jobId: 'snap', targets: [arnOf(ts, 'thing/extra')] })), 'InvalidRequestException', 400, /SNAPSHOT/);
    await rejectsWith(iot.send(new DescribeJobExecutionCommand({ jobId: 'snap', thingName: 'extra' })), 'ResourceNotFoundException', 404);
    const tooMany = Array.from({ length: 98 }, (_, i) => arnOf(ts, `thing/ghost-${i}`));
    // cont has 3 targets: 98 more would be 101.
    await rejectsWith(iot.send(new AssociateTargetsWithJobCommand({ jobId: 'cont', targets: tooMany })), 'LimitExceededException', 410);
    await rejectsWith(iot.send(new AssociateTargetsWithJobCommand({ jobId: 'cont', targets: tooMany.slice(0, 97) })), 'ResourceNotFoundException', 404);
  });

  test('canceling ends it: later joiners get nothing', async () => {
    await iot.send(new CancelJobCommand({ jobId: 'cont' }));
    assert.equal((await iot.send(new DescribeJobCommand({ jobId: 'cont' }))).job!.status, 'CANCELED');
    await rejectsWith(iot.send(new AssociateTargetsWithJobCommand({ jobId: 'cont', targets: [arnOf(ts, 'thing/late-dyn')] })), 'InvalidRequestException', 400, /CANCELED/);
    await iot.send(new UpdateThingCommand({ thingName: 'late-dyn', attributePayload: { attributes: { ring: 'beta' } } }));
    assert.equal(await status('cont', 'late-dyn'), 'REMOVED');
  });

  test('a paced continuous job: a thing that joins later is notified at once, outside the rate (AWS\'s rule), while the things it started with wait for the pacer', async () => {
    await createThings(ts, ['slow-a', 'slow-b']);
    await iot.send(new CreateThingGroupCommand({ thingGroupName: 'paced-fleet' }));
    for (const thingName of ['slow-a', 'slow-b']) await iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'paced-fleet', thingName }));
    await createJob(ts, { jobId: 'paced-cont', targets: [arnOf(ts, 'thinggroup/paced-fleet')], targetSelection: 'CONTINUOUS', document: DOC, jobExecutionsRolloutConfig: { maximumPerMinute: 1 } });
    assert.equal(await notifiedCount(ts, 'paced-cont'), 1, 'this minute\'s one');
    const joiner = devices.get('late-direct')!;
    await iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'paced-fleet', thingName: 'late-direct' }));
    await eventually(async () => queuedIds(joiner.seen('notify').at(-1) ?? {}).includes('paced-cont'), 'the joiner is told of paced-cont');
    assert.equal(await notifiedCount(ts, 'paced-cont'), 2, 'the joiner, outside the rate; slow-b still waits');
  });
});
