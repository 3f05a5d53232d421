import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clusterSkipReason, startTestCluster } from './helpers.js';
import { connect, connectWithInbox, createPolicy, end, flush, inbox, openPolicy, provisionThing, subscribe, closed } from '../mqtt/helpers.js';
import { eventually } from '../helpers/assert.js';

const skip = clusterSkipReason();

test('a message crosses nodes under the receiver\'s iot:Receive; retained messages and persistent sessions outlive their node', { skip }, async (t) => {
  const cluster = await startTestCluster(3);
  t.after(() => cluster.close());
  const [a, b, c] = cluster.nodes as [typeof cluster.nodes[0], typeof cluster.nodes[0], typeof cluster.nodes[0]];
  const iot = a.iot();
  await createPolicy(iot, 'open', openPolicy(a, { topics: 'fleet/*' }));
  await createPolicy(iot, 'no-receive', JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: ['iot:Connect', 'iot:Subscribe'], Resource: '*' },
      { Effect: 'Deny', Action: 'iot:Receive', Resource: `arn:aws:iot:${a.endpoints.region}:${a.endpoints.accountId}:topic/fleet/secret` },
      { Effect: 'Allow', Action: 'iot:Receive', Resource: '*' },
    ],
  }));
  const sender = await provisionThing(iot, 'sender', 'open');
  const allowed = await provisionThing(iot, 'allowed', 'open');
  const barred = await provisionThing(iot, 'barred', 'no-receive');

  const pub = await connect(a, sender, 'sender');
  const onB = await connectWithInbox(b, allowed, 'allowed');
  const barredOnC = await connectWithInbox(c, barred, 'barred');
  assert.deepEqual(await subscribe(onB.client, ['fleet/+']), [1]);
  assert.deepEqual(await subscribe(barredOnC.client, ['fleet/#']), [1]);
  await pub.publishAsync('fleet/secret', 'for the allowed only', { qos: 1 });
  await pub.publishAsync('fleet/open', 'for both', { qos: 1 });
  assert.equal((await onB.box.next('fleet/secret')).payload, 'for the allowed only');
  assert.equal((await onB.box.next('fleet/open')).payload, 'for both');
  assert.equal((await barredOnC.box.next('fleet/open')).payload, 'for both');
  assert.deepEqual(barredOnC.box.all.map((m) => m.topic), ['fleet/open'], 'fleet/secret was not delivered to the barred device');

  // Retained on A, read by a new subscription on C.
  await pub.publishAsync('fleet/config', 'v2', { qos: 1, retain: true });
  await flush(pub, onB.client, 'fleet/open');
  const reader = await provisionThing(iot, 'reader', 'open');
  const onC = await connectWithInbox(c, reader, 'reader');
  await subscribe(onC.client, ['fleet/config']);
  const retained = await onC.box.next('fleet/config');
  assert.equal(retained.payload, 'v2');
  assert.equal(retained.retain, true);

  // A persistent session made on B, offline while A publishes, resumed on C with its queued message.
  const sleeper = await provisionThing(iot, 'sleeper', 'open');
  const first = await connect(b, sleeper, 'sleeper', { clean: false });
  await subscribe(first, ['fleet/wake']);
  await end(first);
  await eventually(async () => !(await a.server.ctx.services.connectivity.ofClient('sleeper'))?.connected, 'sleeper recorded offline');
  await pub.publishAsync('fleet/wake', 'queued while away', { qos: 1 });
  await flush(pub, onB.client, 'fleet/open');
  const resumed = await connectWithInbox(c, sleeper, 'sleeper', { clean: false });
  assert.equal(resumed.sessionPresent, true);
  assert.equal((await resumed.box.next('fleet/wake')).payload, 'queued while away');

  for (const client of [pub, onB.client, barredOnC.client, onC.client, resumed.client]) await end(client);
});

test('the same client id on another node closes the first connection (DUPLICATE_CLIENTID)', { skip }, async (t) => {
  const cluster = await startTestCluster(2);
  t.after(() => cluster.close());
  const [a, b] = cluster.nodes as [typeof cluster.nodes[0], typeof cluster.nodes[0]];
  const iot = a.iot();
  await createPolicy(iot, 'open', openPolicy(a, { topics: '*' }));
  const watcher = await provisionThing(iot, 'watcher', 'open');
  const device = await provisionThing(iot, 'twin', 'open');
  const watch = await connectWithInbox(a, watcher, 'watcher');
  await subscribe(watch.client, ['$aws/events/presence/+/twin']);
  const older = await connect(a, device, 'twin');
  const olderClosed = closed(older);
  await watch.box.next('$aws/events/presence/connected/twin');
  const newer = await connect(b, device, 'twin');
  await olderClosed;
  const event = JSON.parse((await watch.box.next('$aws/events/presence/disconnected/twin')).payload) as { disconnectReason: string };
  assert.equal(event.disconnectReason, 'DUPLICATE_CLIENTID');
  assert.ok(newer.connected, 'the newer connection stays');
  // The broker records a connect beside its CONNACK, not before it: wait for the record, then check it is the newer's.
  await eventually(async () => (await b.server.ctx.services.connectivity.ofClient('twin'))?.connected === true, 'the newer connection is the recorded one');
  await end(newer);
  await end(watch.client);
});
