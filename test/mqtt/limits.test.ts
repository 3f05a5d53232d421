import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { IoTClient } from '@aws-sdk/client-iot';
import { DEFAULT_MQTT_LIMITS } from '../../src/mqtt/limits.js';
import { FrozenClock, startTestServer, type TestServer } from '../helpers/server.js';
import { closed, connect, connectOutcome, createPolicy, end, flush, inbox, openPolicy, provisionThing, subscribe, type DeviceCredentials } from './helpers.js';

type Event = Record<string, unknown>;
const parse = (payload: string) => JSON.parse(payload) as Event;

/**
 * AWS IoT Core's per-connection limits, set low in the configuration so each
 * is reached in a few packets; rates are counted on a clock that only moves
 * when the test moves it.
 */
describe('mqtt per-connection limits', () => {
  let ts: TestServer;
  let iot: IoTClient;
  let creds: DeviceCredentials;
  let clock: FrozenClock;
  let monitor: Awaited<ReturnType<typeof connect>>;
  let events: ReturnType<typeof inbox>;

  before(async () => {
    clock = new FrozenClock();
    ts = await startTestServer({
      clock,
      mqtt: {
        ...DEFAULT_MQTT_LIMITS,
        connectsPerSecondPerClientId: 1,
        publishesPerSecond: 5,
        inboundBytesPerSecond: 4096,
        subscriptionsPerConnection: 3,
        filtersPerSubscribe: 2,
        maxPayloadBytes: 2000,
      },
    });
    iot = ts.iot();
    await createPolicy(iot, 'open', openPolicy(ts));
    creds = await provisionThing(iot, 'device', 'open', { ec: true });
    monitor = await connect(ts, creds, 'monitor');
    events = inbox(monitor);
    await subscribe(monitor, ['$aws/events/#']);
  });
  after(async () => {
    await end(monitor);
    await ts.close();
  });

  test('publishes beyond the rate are acknowledged and discarded; the next second they flow again; another device is unaffected', async () => {
    const receiver = await connect(ts, creds, 'rate-receiver');
    const box = inbox(receiver);
    await subscribe(receiver, ['rate/#']);
    const fast = await connect(ts, creds, 'rate-fast');
    const other = await connect(ts, creds, 'rate-other');
    for (let i = 0; i < 8; i++) await fast.publishAsync('rate/fast', `f${i}`, { qos: 1 });
    for (let i = 0; i < 5; i++) await other.publishAsync('rate/other', `o${i}`, { qos: 1 });
    await flush(receiver, receiver, 'rate/flush');
    const got = (topic: string) => box.all.filter((m) => m.topic === topic).map((m) => m.payload);
    assert.deepEqual(got('rate/fast'), ['f0', 'f1', 'f2', 'f3', 'f4']);
    assert.deepEqual(got('rate/other'), ['o0', 'o1', 'o2', 'o3', 'o4']);
    assert.equal(fast.connected, true);

    clock.advance(1000);
    await fast.publishAsync('rate/fast', 'next second', { qos: 1 });
    await flush(receiver, receiver, 'rate/flush');
    assert.deepEqual(got('rate/fast').slice(5), ['next second']);
    for (const c of [receiver, fast, other]) await end(c);
  });

  test('publish bytes beyond the bandwidth are discarded until the clock refills it', async () => {
    clock.advance(1000);
    const receiver = await connect(ts, creds, 'bw-receiver');
    const box = inbox(receiver);
    await subscribe(receiver, ['bw/#']);
    const sender = await connect(ts, creds, 'bw-sender');
    const payload = (tag: string) => tag + 'x'.repeat(1500 - tag.length);
    for (const tag of ['a', 'b', 'c']) await sender.publishAsync('bw/big', payload(tag), { qos: 1 });
    await flush(receiver, receiver, 'bw/flush');
    assert.deepEqual(box.all.filter((m) => m.topic === 'bw/big').map((m) => m.payload[0]), ['a', 'b']);
    clock.advance(1000);
    await sender.publishAsync('bw/big', payload('d'), { qos: 1 });
    await flush(receiver, receiver, 'bw/flush');
    assert.deepEqual(box.all.filter((m) => m.topic === 'bw/big').map((m) => m.payload[0]), ['a', 'b', 'd']);
    await end(receiver);
    await end(sender);
  });

  test('filters past the per-SUBSCRIBE limit get 0x80; past the per-connection limit the connection closes (THROTTLED)', async () => {
    const device = await connect(ts, creds, 'subs-device');
    assert.deepEqual(await subscribe(device, ['s/1', 's/2', 's/3']), [1, 1, 128]);
    assert.deepEqual(await subscribe(device, ['s/3']), [1]);
    assert.deepEqual(await subscribe(device, ['s/1']), [1], 'a filter already held does not count twice');
    const bystander = await connect(ts, creds, 'subs-bystander');
    const box = inbox(bystander);
    await subscribe(bystander, ['s/ok']);

    const gone = closed(device);
    device.subscribe('s/4', { qos: 1 });
    await gone;
    let event = parse((await events.next('$aws/events/presence/disconnected/subs-device')).payload);
    assert.equal(event.disconnectReason, 'THROTTLED');
    assert.equal(event.clientInitiatedDisconnect, false);
    await bystander.publishAsync('s/ok', 'still flowing', { qos: 1 });
    assert.equal((await box.next('s/ok')).payload, 'still flowing');

    // An unsubscribe frees a place.
    const again = await connect(ts, creds, 'subs-again');
    await subscribe(again, ['u/1', 'u/2']);
    await subscribe(again, ['u/3']);
    await again.unsubscribeAsync('u/1');
    assert.deepEqual(await subscribe(again, ['u/4']), [1]);
    assert.equal(again.connected, true);
    event = parse((await events.next('$aws/events/subscriptions/unsubscribed/subs-again')).payload);
    assert.deepEqual(event.topics, ['u/1']);
    await end(again);
    await end(bystander);
  });

  test('a second CONNECT with one client id within a second is refused (CONNACK 3) and announced; another client id connects', async () => {
    clock.advance(1000);
    const first = await connect(ts, creds, 'often');
    await end(first);
    assert.match(await connectOutcome(ts, creds, 'often'), /Server unavailable/i);
    const event = parse((await events.next('$aws/events/presence/connect_failed/often')).payload);
    assert.equal(event.eventType, 'connect_failed');
    assert.equal(event.connectFailureReason, 'THROTTLED');
    assert.equal(event.clientId, 'often');
    assert.equal(await connectOutcome(ts, creds, 'seldom'), 'connected');
    clock.advance(1000);
    assert.equal(await connectOutcome(ts, creds, 'often'), 'connected');
  });

  test('the configured payload limit: at it delivered, above it the connection closes (CLIENT_ERROR)', async () => {
    clock.advance(1000);
    const receiver = await connect(ts, creds, 'size-receiver');
    const box = inbox(receiver);
    await subscribe(receiver, ['size/#']);
    const sender = await connect(ts, creds, 'size-sender');
    await sender.publishAsync('size/exact', Buffer.alloc(2000, 1), { qos: 1 });
    assert.equal((await box.next('size/exact')).payload.length, 2000);
    const gone = closed(sender);
    sender.publish('size/over', Buffer.alloc(2001, 1), { qos: 1 });
    await gone;
    const event = parse((await events.next('$aws/events/presence/disconnected/size-sender')).payload);
    assert.equal(event.disconnectReason, 'CLIENT_ERROR');
    await end(receiver);
  });
});

describe('mqtt lifecycle events: subscriptions and connect failures', () => {
  let ts: TestServer;
  let iot: IoTClient;
  let creds: DeviceCredentials;
  let narrow: DeviceCredentials;

  before(async () => {
    ts = await startTestServer();
    iot = ts.iot();
    await createPolicy(iot, 'open', openPolicy(ts));
    await createPolicy(iot, 'narrow', openPolicy(ts, { clients: 'narrow-*' }));
    creds = await provisionThing(iot, 'device', 'open', { ec: true });
    narrow = await provisionThing(iot, 'narrow', 'narrow', { ec: true });
  });
  after(() => ts.close());

  test('subscribed and unsubscribed events carry AWS\'s fields and only the granted filters', async () => {
    const monitor = await connect(ts, creds, 'events-monitor');
    const events = inbox(monitor);
    await subscribe(monitor, ['$aws/events/subscriptions/+/events-device']);
    const device = await connect(ts, creds, 'events-device');
    assert.deepEqual(await subscribe(device, ['a/b', 'c/+', `long/${'x'.repeat(300)}`]), [1, 1, 128]);
    const subscribed = parse((await events.next('$aws/events/subscriptions/subscribed/events-device')).payload);
    assert.deepEqual(Object.keys(subscribed).sort(), ['clientId', 'eventType', 'principalIdentifier', 'sessionIdentifier', 'timestamp', 'topics']);
    assert.equal(subscribed.clientId, 'events-device');
    assert.equal(subscribed.eventType, 'subscribed');
    assert.equal(subscribed.principalIdentifier, creds.certificateId);
    assert.equal(typeof subscribed.sessionIdentifier, 'string');
    assert.equal(typeof subscribed.timestamp, 'number');
    assert.deepEqual(subscribed.topics, ['a/b', 'c/+']);
    await device.unsubscribeAsync(['a/b', 'c/+']);
    const unsubscribed = parse((await events.next('$aws/events/subscriptions/unsubscribed/events-device')).payload);
    assert.equal(unsubscribed.eventType, 'unsubscribed');
    assert.equal(unsubscribed.sessionIdentifier, subscribed.sessionIdentifier);
    assert.deepEqual(unsubscribed.topics, ['a/b', 'c/+']);
    await end(device);
    await end(monitor);
  });

  test('a refused CONNECT publishes connect_failed (AUTHORIZATION_FAILED) with the certificate; an allowed one connects', async () => {
    const monitor = await connect(ts, creds, 'failures-monitor');
    const events = inbox(monitor);
    await subscribe(monitor, ['$aws/events/presence/connect_failed/+']);
    assert.match(await connectOutcome(ts, narrow, 'elsewhere'), /Not authorized/i);
    assert.equal(await connectOutcome(ts, narrow, 'narrow-1'), 'connected');
    const failed = parse((await events.next('$aws/events/presence/connect_failed/elsewhere')).payload);
    assert.deepEqual(Object.keys(failed).sort(), ['clientId', 'connectFailureReason', 'eventType', 'ipAddress', 'principalIdentifier', 'sessionIdentifier', 'timestamp']);
    assert.equal(failed.eventType, 'connect_failed');
    assert.equal(failed.connectFailureReason, 'AUTHORIZATION_FAILED');
    assert.equal(failed.principalIdentifier, narrow.certificateId);
    assert.equal(failed.ipAddress, '127.0.0.1');
    await end(monitor);
  });
});
