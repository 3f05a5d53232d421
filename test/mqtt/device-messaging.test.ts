import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { IoTClient } from '@aws-sdk/client-iot';
import type { DeviceRequest } from '../../src/mqtt/device-messaging.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { connect, connectWithInbox, createPolicy, end, inbox, openPolicy, provisionThing, storyPolicy, subscribe, type DeviceCredentials } from './helpers.js';

/** The seam the rest of Ferry uses: consume device requests, reply to the requester, publish to a thing. */
describe('mqtt device messaging', () => {
  let ts: TestServer;
  let iot: IoTClient;
  let miso: DeviceCredentials;
  let monitorCreds: DeviceCredentials;

  before(async () => {
    ts = await startTestServer();
    // These tests exercise the seam itself with their own consumers: the Jobs API's consumer of the same topics steps aside.
    ts.server.ctx.services.jobsMqtt.stop();
    iot = ts.iot();
    await createPolicy(iot, 'story', storyPolicy(ts));
    await createPolicy(iot, 'open', openPolicy(ts));
    miso = await provisionThing(iot, 'miso_things_1', 'story', { ec: true });
    monitorCreds = await provisionThing(iot, 'monitor', 'open', { ec: true });
  });
  after(() => ts.close());

  test('a device request reaches the consumer with who sent it; the reply goes to that connection only', async () => {
    const messaging = ts.server.ctx.services.deviceMessaging;
    const requests: DeviceRequest[] = [];
    const stop = messaging.consume('$aws/things/+/jobs/#', async (request) => {
      requests.push(request);
      await messaging.reply(request, { topic: `${request.topic}/accepted`, payload: { clientToken: JSON.parse(request.payload.toString()).clientToken, timestamp: 1 }, qos: 1 });
    });
    const monitor = await connect(ts, monitorCreds, 'monitor');
    const watched = inbox(monitor);
    // The monitor may subscribe to the request and response topics: it sees neither the consumed request nor the reply.
    await subscribe(monitor, ['$aws/things/miso_things_1/jobs/get', '$aws/things/miso_things_1/jobs/get/accepted']);
    const device = await connectWithInbox(ts, miso, 'miso_things_1');
    try {
      await device.client.publishAsync('$aws/things/miso_things_1/jobs/get', '{"clientToken":"t-1"}', { qos: 1 });
      const reply = await device.box.next('$aws/things/miso_things_1/jobs/get/accepted');
      assert.deepEqual(JSON.parse(reply.payload), { clientToken: 't-1', timestamp: 1 });
      assert.equal(requests.length, 1);
      assert.equal(requests[0]!.topic, '$aws/things/miso_things_1/jobs/get');
      assert.deepEqual({ ...requests[0]!.connection, sessionId: 'x' }, { clientId: 'miso_things_1', thingName: 'miso_things_1', certificateId: miso.certificateId, sessionId: 'x' });

      await messaging.publish({ topic: '$aws/things/miso_things_1/jobs/get/accepted', payload: 'marker', qos: 1 });
      await watched.next('$aws/things/miso_things_1/jobs/get/accepted');
      assert.deepEqual(
        watched.all.map((m) => m.payload),
        ['marker'],
        'the monitor saw neither the request nor the direct reply, only what was published to subscribers',
      );
    } finally {
      stop();
      await end(device.client);
      await end(monitor);
    }
  });

  test('requests from one device are handled one at a time, in order', async () => {
    const messaging = ts.server.ctx.services.deviceMessaging;
    const seen: string[] = [];
    let busy = false;
    let overlapped = false;
    let release: () => void = () => {};
    const allDone = new Promise<void>((resolve) => (release = resolve));
    const stop = messaging.consume('$aws/things/+/jobs/+/update', async (request) => {
      if (busy) overlapped = true;
      busy = true;
      await new Promise((resolve) => setImmediate(resolve));
      seen.push(JSON.parse(request.payload.toString()).status as string);
      busy = false;
      if (seen.length === 3) release();
    });
    const device = await connect(ts, miso, 'miso_things_1');
    try {
      for (const status of ['IN_PROGRESS', 'IN_PROGRESS', 'SUCCEEDED']) device.publish('$aws/things/miso_things_1/jobs/job-1/update', JSON.stringify({ status }), { qos: 0 });
      await allDone;
      assert.deepEqual(seen, ['IN_PROGRESS', 'IN_PROGRESS', 'SUCCEEDED']);
      assert.equal(overlapped, false);
    } finally {
      stop();
      await end(device);
    }
  });

  test('a consumer that throws does not disconnect the device', async () => {
    const messaging = ts.server.ctx.services.deviceMessaging;
    const stop = messaging.consume('$aws/things/+/jobs/start-next', () => {
      throw new Error('boom');
    });
    const device = await connect(ts, miso, 'miso_things_1');
    try {
      await device.publishAsync('$aws/things/miso_things_1/jobs/start-next', '{}', { qos: 1 });
      const box = inbox(device);
      await subscribe(device, ['$aws/things/miso_things_1/jobs/notify']);
      await messaging.publish({ topic: '$aws/things/miso_things_1/jobs/notify', payload: 'still here', qos: 1 });
      assert.equal((await box.next()).payload, 'still here');
    } finally {
      stop();
      await end(device);
    }
  });

  test('replying to a connection that has closed answers false; isConnected follows the connection', async () => {
    const messaging = ts.server.ctx.services.deviceMessaging;
    let captured: DeviceRequest | undefined;
    const stop = messaging.consume('$aws/things/+/jobs/get', (request) => {
      captured = request;
    });
    const monitor = await connect(ts, monitorCreds, 'monitor');
    const events = inbox(monitor);
    await subscribe(monitor, ['$aws/events/presence/disconnected/miso_things_1']);
    const device = await connect(ts, miso, 'miso_things_1');
    await device.publishAsync('$aws/things/miso_things_1/jobs/get', '{}', { qos: 1 });
    assert.equal(messaging.isConnected('miso_things_1'), true);
    await end(device);
    await events.next();
    assert.equal(messaging.isConnected('miso_things_1'), false);
    assert.equal(await messaging.reply(captured!, { topic: '$aws/things/miso_things_1/jobs/get/accepted', payload: {} }), false);
    stop();
    await end(monitor);
  });
});

describe('mqtt presence and connectivity', () => {
  let ts: TestServer;
  let iot: IoTClient;

  before(async () => {
    ts = await startTestServer();
    iot = ts.iot();
    await createPolicy(iot, 'open', openPolicy(ts));
  });
  after(() => ts.close());

  test('connected and disconnected events carry AWS\'s fields; the thing\'s connectivity follows', async () => {
    const creds = await provisionThing(iot, 'lamp', 'open', { ec: true });
    const monitorCreds = await provisionThing(iot, 'watch', 'open', { ec: true });
    const monitor = await connect(ts, monitorCreds, 'watch');
    const events = inbox(monitor);
    await subscribe(monitor, ['$aws/events/presence/+/lamp']);
    assert.equal(await ts.server.ctx.services.connectivity.ofThing('lamp'), undefined);

    const device = await connect(ts, creds, 'lamp');
    const connected = JSON.parse((await events.next('$aws/events/presence/connected/lamp')).payload) as Record<string, unknown>;
    assert.deepEqual(Object.keys(connected).sort(), ['clientId', 'eventType', 'ipAddress', 'principalIdentifier', 'sessionIdentifier', 'timestamp', 'versionNumber']);
    assert.equal(connected.clientId, 'lamp');
    assert.equal(connected.eventType, 'connected');
    assert.equal(connected.principalIdentifier, creds.certificateId);
    assert.equal(connected.ipAddress, '127.0.0.1');
    assert.equal(typeof connected.timestamp, 'number');
    const online = await ts.server.ctx.services.connectivity.ofThing('lamp');
    assert.equal(online?.connected, true);
    assert.equal(online?.disconnectReason, undefined);

    await end(device);
    const disconnected = JSON.parse((await events.next('$aws/events/presence/disconnected/lamp')).payload) as Record<string, unknown>;
    assert.equal(disconnected.eventType, 'disconnected');
    assert.equal(disconnected.disconnectReason, 'CLIENT_INITIATED_DISCONNECT');
    assert.equal(disconnected.clientInitiatedDisconnect, true);
    assert.equal(disconnected.sessionIdentifier, connected.sessionIdentifier);
    const offline = await ts.server.ctx.services.connectivity.ofThing('lamp');
    assert.equal(offline?.connected, false);
    assert.equal(offline?.disconnectReason, 'CLIENT_INITIATED_DISCONNECT');
    assert.equal(offline?.timestamp, disconnected.timestamp);

    const again = await connect(ts, creds, 'lamp');
    const second = JSON.parse((await events.next('$aws/events/presence/connected/lamp')).payload) as Record<string, unknown>;
    assert.equal(second.versionNumber, (connected.versionNumber as number) + 1);
    assert.notEqual(second.sessionIdentifier, connected.sessionIdentifier);
    again.stream.destroy();
    const lost = JSON.parse((await events.next('$aws/events/presence/disconnected/lamp')).payload) as Record<string, unknown>;
    assert.equal(lost.disconnectReason, 'CONNECTION_LOST');
    assert.equal(lost.clientInitiatedDisconnect, false);
    again.end(true);
    await end(monitor);
  });

  test('stopping the server records its connections as ended by the server', async () => {
    const server = await startTestServer({ keepDataDir: true });
    try {
      await createPolicy(server.iot(), 'open', openPolicy(server));
      const device = await provisionThing(server.iot(), 'restarter', 'open', { ec: true });
      const monitor = await connect(server, device, 'restart-watch');
      const events = inbox(monitor);
      await subscribe(monitor, ['$aws/events/presence/connected/restarter']);
      const client = await connect(server, device, 'restarter');
      await events.next(); // announced once recorded
      assert.equal((await server.server.ctx.services.connectivity.ofThing('restarter'))?.connected, true);
      await server.stop();
      client.end(true);
      monitor.end(true);
      const restarted = await startTestServer({ dataDir: server.dataDir });
      try {
        const record = await restarted.server.ctx.services.connectivity.ofThing('restarter');
        assert.equal(record?.connected, false);
        assert.equal(record?.disconnectReason, 'SERVER_INITIATED_DISCONNECT');
      } finally {
        await restarted.close();
      }
    } finally {
      await server.close();
    }
  });
});
