import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { IoTClient } from '@aws-sdk/client-iot';
import { MAX_PAYLOAD_BYTES, MAX_QUEUED_PER_SESSION } from '../../src/mqtt/limits.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { closed, connect, connectOutcome, connectWithInbox, createPolicy, end, flush, inbox, openPolicy, provisionThing, subscribe, type DeviceCredentials } from './helpers.js';

/** MQTT 3.1.1 as AWS IoT Core serves it. */
describe('mqtt semantics', () => {
  let ts: TestServer;
  let iot: IoTClient;
  let creds: DeviceCredentials;
  let noRetain: DeviceCredentials;

  before(async () => {
    ts = await startTestServer();
    iot = ts.iot();
    await createPolicy(iot, 'open', openPolicy(ts));
    await createPolicy(iot, 'no-retain', openPolicy(ts, { retain: false }));
    creds = await provisionThing(iot, 'device', 'open', { ec: true });
    noRetain = await provisionThing(iot, 'plain', 'no-retain', { ec: true });
  });
  after(() => ts.close());

  test('a second connection with the same client id takes over; the first is closed (DUPLICATE_CLIENTID)', async () => {
    const monitor = await connect(ts, creds, 'monitor-takeover');
    const events = inbox(monitor);
    await subscribe(monitor, ['$aws/events/presence/disconnected/taken']);
    const first = await connect(ts, creds, 'taken');
    const firstGone = closed(first);
    const second = await connect(ts, creds, 'taken');
    await firstGone;
    assert.equal(second.connected, true);
    const event = JSON.parse((await events.next()).payload) as Record<string, unknown>;
    assert.equal(event.disconnectReason, 'DUPLICATE_CLIENTID');
    // The new connection is the live one.
    const box = inbox(second);
    await subscribe(second, ['takeover/ping']);
    await second.publishAsync('takeover/ping', 'pong', { qos: 1 });
    assert.equal((await box.next()).payload, 'pong');
    await end(second);
    await end(monitor);
    first.end(true);
  });

  test('a QoS 1 message published while a persistent-session client is offline arrives when it reconnects', async () => {
    const first = await connectWithInbox(ts, creds, 'persistent', { clean: false });
    assert.deepEqual(await subscribe(first.client, ['inbox/persistent']), [1]);
    await end(first.client);

    const publisher = await connect(ts, creds, 'publisher');
    await publisher.publishAsync('inbox/persistent', 'while you were away', { qos: 1 });
    await publisher.publishAsync('inbox/persistent', 'QoS 0 is not kept', { qos: 0 });
    await publisher.publishAsync('inbox/persistent', 'QoS 2 is kept as QoS 1', { qos: 2 });

    const again = await connectWithInbox(ts, creds, 'persistent', { clean: false });
    assert.equal(again.sessionPresent, true);
    const message = await again.box.next('inbox/persistent');
    assert.deepEqual({ payload: message.payload, qos: message.qos }, { payload: 'while you were away', qos: 1 });
    const downgraded = await again.box.next('inbox/persistent');
    assert.deepEqual({ payload: downgraded.payload, qos: downgraded.qos }, { payload: 'QoS 2 is kept as QoS 1', qos: 1 });
    await flush(publisher, again.client, 'inbox/persistent');
    assert.deepEqual(
      again.box.all.map((m) => m.payload).filter((p) => !p.startsWith('flush-')),
      ['while you were away', 'QoS 2 is kept as QoS 1'],
    );
    await end(again.client);
    await end(publisher);
  });

  test(`an offline session keeps at most ${MAX_QUEUED_PER_SESSION} messages; newer ones are dropped`, async () => {
    const first = await connectWithInbox(ts, creds, 'bounded', { clean: false });
    await subscribe(first.client, ['inbox/bounded']);
    await end(first.client);
    const publisher = await connect(ts, creds, 'publisher-bounded');
    for (let i = 0; i < MAX_QUEUED_PER_SESSION + 20; i++) await publisher.publishAsync('inbox/bounded', `m${i}`, { qos: 1 });

    const again = await connectWithInbox(ts, creds, 'bounded', { clean: false });
    for (let i = 0; i < MAX_QUEUED_PER_SESSION; i++) assert.equal((await again.box.next('inbox/bounded')).payload, `m${i}`);
    await flush(publisher, again.client, 'inbox/bounded');
    assert.equal(again.box.all.filter((m) => !m.payload.startsWith('flush-')).length, MAX_QUEUED_PER_SESSION);
    await end(again.client);
    await end(publisher);
  });

  test('a clean session forgets what a persistent one had', async () => {
    const first = await connectWithInbox(ts, creds, 'forgetful', { clean: false });
    await subscribe(first.client, ['inbox/forgetful']);
    await end(first.client);
    const clean = await connectWithInbox(ts, creds, 'forgetful', { clean: true });
    assert.equal(clean.sessionPresent, false);
    await end(clean.client);
  });

  test('an oversized publish closes that connection; the broker stays up and takes 128 KB exactly', async () => {
    const receiver = await connect(ts, creds, 'big-receiver');
    const box = inbox(receiver);
    await subscribe(receiver, ['big/+']);
    const sender = await connect(ts, creds, 'big-sender');
    await sender.publishAsync('big/exact', Buffer.alloc(MAX_PAYLOAD_BYTES, 1), { qos: 1 });
    assert.equal((await box.next('big/exact')).payload.length, MAX_PAYLOAD_BYTES);

    const gone = closed(sender);
    sender.publish('big/over', Buffer.alloc(MAX_PAYLOAD_BYTES + 1, 1), { qos: 1 });
    await gone;
    const huge = await connect(ts, creds, 'huge-sender');
    const hugeGone = closed(huge);
    huge.publish('big/huge', Buffer.alloc(4 * 1024 * 1024, 1), { qos: 0 });
    await hugeGone;

    const after = await connect(ts, creds, 'big-after');
    await after.publishAsync('big/after', 'still here', { qos: 1 });
    assert.equal((await box.next('big/after')).payload, 'still here');
    assert.equal(box.all.some((m) => m.topic === 'big/over' || m.topic === 'big/huge'), false);
    await end(after);
    await end(receiver);
    sender.end(true);
    huge.end(true);
  });

  test('QoS 2 is downgraded: a subscription is granted QoS 1 and a QoS 2 publish is delivered at QoS 1', async () => {
    const client = await connect(ts, creds, 'qos2');
    const box = inbox(client);
    assert.deepEqual(await subscribe(client, ['qos/two'], 2), [1]);
    await client.publishAsync('qos/two', 'exactly once?', { qos: 2 });
    const message = await box.next('qos/two');
    assert.equal(message.qos, 1);
    await end(client);
  });

  test('retained messages: kept per topic, sent to new exact subscriptions, cleared by an empty payload', async () => {
    const publisher = await connect(ts, creds, 'retainer');
    await publisher.publishAsync('status/lamp', 'on', { qos: 1, retain: true });
    const exact = await connect(ts, creds, 'retain-exact');
    const exactBox = inbox(exact);
    await subscribe(exact, ['status/lamp']);
    const got = await exactBox.next('status/lamp');
    assert.deepEqual({ payload: got.payload, retain: got.retain }, { payload: 'on', retain: true });

    // aws-wire-protocols.md §7: a wildcard subscription gets no retained messages.
    const wild = await connect(ts, creds, 'retain-wild');
    const wildBox = inbox(wild);
    await subscribe(wild, ['status/+']);
    await flush(publisher, wild, 'status/marker');
    assert.equal(wildBox.all.some((m) => m.topic === 'status/lamp'), false);

    await publisher.publishAsync('status/lamp', '', { qos: 1, retain: true });
    const late = await connect(ts, creds, 'retain-late');
    const lateBox = inbox(late);
    await subscribe(late, ['status/lamp']);
    await flush(publisher, late, 'status/lamp');
    assert.deepEqual(lateBox.all.filter((m) => !m.payload.startsWith('flush-')).length, 0);
    for (const c of [publisher, exact, wild, late]) await end(c);
  });

  test('a retained publish needs iot:RetainPublish; the same publish without retain is fine', async () => {
    const client = await connect(ts, noRetain, 'no-retain');
    await client.publishAsync('status/plain', 'not retained', { qos: 1 });
    assert.equal(client.connected, true);
    const gone = closed(client);
    client.publish('status/plain', 'retained', { qos: 1, retain: true });
    await gone;
    client.end(true);
  });

  test('a keep-alive above the 1200 s ceiling (or none) is accepted, held to 1200 s', async () => {
    assert.equal(await connectOutcome(ts, creds, 'keepalive-long', { keepalive: 3600 }), 'connected');
    assert.equal(await connectOutcome(ts, creds, 'keepalive-none', { keepalive: 0 }), 'connected');
  });

  test('MQTT 5 is refused (aedes 1.2 speaks 3.1.1); 3.1.1 connects', async () => {
    assert.match(await connectOutcome(ts, creds, 'v5', { protocolVersion: 5 }), /Unsupported protocol version|unacceptable protocol/i);
    assert.equal(await connectOutcome(ts, creds, 'v4', { protocolVersion: 4 }), 'connected');
  });

  test('$SYS is closed to devices: subscribing gets 0x80, publishing closes the connection', async () => {
    const client = await connect(ts, creds, 'sys-prober');
    assert.deepEqual(await subscribe(client, ['$SYS/#', 'normal/topic']), [128, 1]);
    const gone = closed(client);
    client.publish('$SYS/anything', 'x', { qos: 1 });
    await gone;
    client.end(true);
  });
});
