import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deserialize } from 'node:v8';
import { Redis } from 'ioredis';
import { DescribeJobCommand } from '@aws-sdk/client-iot';
import { clusterSkipReason, REDIS_URL, startTestCluster, tcpRelay } from './helpers.js';
import { createJob, JobsDevice, provisionDevices } from '../jobs/helpers.js';
import { eventually } from '../helpers/assert.js';
import type { TestServer } from '../helpers/server.js';

const skip = clusterSkipReason();

/** Every message on this Ferry's Redis channels: bus events by topic, and MQTT packets with the node that sent them. */
async function redisTap(ts: TestServer): Promise<{ bus: Array<{ topic: string; message: any }>; mqtt: Array<{ topic: string; origin: string }>; close(): void }> {
  const prefix = `ferry:${ts.endpoints.accountId}:`;
  const tap = new Redis(REDIS_URL!);
  const heard = { bus: [] as Array<{ topic: string; message: any }>, mqtt: [] as Array<{ topic: string; origin: string }> };
  tap.on('pmessageBuffer', (_pattern: Buffer, channelBuffer: Buffer, data: Buffer) => {
    const channel = channelBuffer.toString().slice(prefix.length);
    if (channel.startsWith('bus:')) heard.bus.push({ topic: channel.slice(4), message: JSON.parse(data.toString()).m });
    if (channel.startsWith('t:')) {
      const wire = deserialize(data) as { o: string; p: { topic: string } };
      heard.mqtt.push({ topic: wire.p.topic, origin: wire.o });
    }
  });
  await tap.psubscribe(`${prefix}*`);
  return { ...heard, close: () => tap.disconnect() };
}

test('a job created through one node notifies a device connected to another, which completes it there; counters exact', { skip }, async (t) => {
  const cluster = await startTestCluster(2);
  t.after(() => cluster.close());
  const [a, b] = cluster.nodes as [typeof cluster.nodes[0], typeof cluster.nodes[0]];
  const creds = await provisionDevices(a, ['miso_far']);
  const device = await JobsDevice.connect(b, 'miso_far', creds.get('miso_far')!);
  await createJob(a, { jobId: 'across', things: ['miso_far'], document: '{"operation":"noop"}' });
  const next = JSON.parse((await device.inbox.next('$aws/things/miso_far/jobs/notify-next')).payload) as { execution?: { jobId: string } };
  assert.equal(next.execution?.jobId, 'across');
  const started = await device.request('start-next');
  assert.equal(started.outcome, 'accepted');
  const done = await device.request('across/update', { status: 'SUCCEEDED' });
  assert.equal(done.outcome, 'accepted');
  const job = await a.iot().send(new DescribeJobCommand({ jobId: 'across' }));
  assert.equal(job.job?.status, 'COMPLETED');
  assert.equal(job.job?.jobProcessDetails?.numberOfSucceededThings, 1);
  device.client.end(true);
});

test('a job over many devices on another node is ONE bus event; that node renders every notify-next itself, the creating node none', { skip }, async (t) => {
  const cluster = await startTestCluster(2);
  t.after(() => cluster.close());
  const [a, b] = cluster.nodes as [TestServer, TestServer];
  const names = ['miso_b1', 'miso_b2', 'miso_b3', 'miso_b4'];
  const creds = await provisionDevices(a, [...names, 'miso_a1']);
  const remote = await Promise.all(names.map((n) => JobsDevice.connect(b, n, creds.get(n)!)));
  const near = await JobsDevice.connect(a, 'miso_a1', creds.get('miso_a1')!);
  const tap = await redisTap(a);
  t.after(() => tap.close());
  await createJob(a, { jobId: 'fleet', things: [...names, 'miso_a1'], document: '{"operation":"noop"}' });
  for (const d of [...remote, near]) assert.equal((await d.next('notify-next')).execution?.jobId, 'fleet');
  const jobEvents = tap.bus.filter((m) => m.topic === 'jobs');
  assert.equal(jobEvents.length, 1, 'one event for the whole job');
  assert.deepEqual(jobEvents[0]!.message.t.map(([thing]: [string]) => thing).sort(), names, 'naming the things held by other nodes');
  const nodeId = (ts: TestServer) => ts.server.ctx.cluster.nodeId;
  // A node delivers to its own devices first and to Redis after: the tap may hear the copies after the devices did.
  const notifyNext = () => tap.mqtt.filter((m) => m.topic.endsWith('/jobs/notify-next'));
  await eventually(() => notifyNext().length >= names.length + 1, 'the tap heard every notify-next');
  const notifications = notifyNext();
  assert.deepEqual(
    notifications.filter((m) => names.some((n) => m.topic.includes(`/${n}/`))).map((m) => m.origin),
    names.map(() => nodeId(b)),
    'the node holding each device published its notify-next',
  );
  assert.deepEqual(notifications.filter((m) => m.topic.includes('/miso_a1/')).map((m) => m.origin), [nodeId(a)]);
  for (const d of [...remote, near]) d.client.end(true);
});

for (const cut of ['the device’s node', 'the node creating the job'] as const) {
  test(`a job created while Redis is unreachable for ${cut} reaches the connected device on another node once Redis is back, without reconnecting`, { skip }, async (t) => {
    const relay = await tcpRelay(new URL(REDIS_URL!));
    const cluster = await startTestCluster(1);
    t.after(async () => {
      await cluster.close();
      relay.close();
    });
    const cutOff = await cluster.addNode({ redisUrl: relay.url(REDIS_URL!) });
    const [creating, holding] = cut === 'the device’s node' ? [cluster.nodes[0]!, cutOff] : [cutOff, cluster.nodes[0]!];
    const creds = await provisionDevices(creating, ['miso_gap']);
    const device = await JobsDevice.connect(holding, 'miso_gap', creds.get('miso_gap')!);
    let reconnected = false;
    device.client.on('reconnect', () => (reconnected = true));
    relay.stop();
    await eventually(() => !cutOff.server.ctx.cluster.bus.connected, 'the node notices Redis is gone');
    await createJob(creating, { jobId: 'meanwhile', things: ['miso_gap'], document: '{"operation":"noop"}' });
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(device.seen('notify-next'), [], 'nothing can reach it while the bus is cut');
    await relay.start();
    const next = await device.next('notify-next');
    assert.equal(next.execution?.jobId, 'meanwhile');
    assert.equal((await device.accepted('start-next')).execution?.jobId, 'meanwhile');
    assert.equal(reconnected, false, 'the device never reconnected');
    device.client.end(true);
  });
}
