/**
 * The agent's MQTT connection across a network cut: a QoS 1 publish the
 * broker never acknowledged fails (nothing would resend it in a clean
 * session), a publish while offline is refused at once, and stop() returns
 * after a reconnect — it once waited forever for the orphaned publish.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Connection } from '../../src/agent/connection.js';
import { mqttUrlOf } from '../../src/agent/kit.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { createDevice, fastSettings, removeScratch, setupFleet, type Device } from './helpers.js';

let s: TestServer;
let device: Device;

before(async () => {
  s = await startTestServer();
  await setupFleet(s, 'fleet');
  device = await createDevice(s, 'conn_cut_1');
});

after(async () => {
  await s.close();
  removeScratch();
});

function connect(): Connection {
  const connection = new Connection({
    url: mqttUrlOf(s.endpoints.endpoints.mqtt),
    clientId: device.thingName,
    certPem: device.certPem,
    keyPem: device.keyPem,
    caPem: s.ca,
    ...(fastSettings.reconnect ? { backoff: fastSettings.reconnect } : {}),
  });
  connection.start();
  return connection;
}

test('a publish cut off before its PUBACK fails, a publish while offline is refused, and stop() returns after the reconnect', async () => {
  const connection = connect();
  await once(connection, 'online');
  const topic = `$aws/things/${device.thingName}/jobs/get`;
  await connection.publish(topic, { clientToken: 'acknowledged' });

  const cut = connection.publish(topic, { clientToken: 'cut-off' });
  connection.drop();
  await assert.rejects(cut, 'the unacknowledged publish fails instead of hanging');
  await assert.rejects(connection.publish(topic, { clientToken: 'offline' }), /not connected/);

  await once(connection, 'online');
  await connection.publish(topic, { clientToken: 'after the reconnect' });
  await connection.stop();
  assert.equal(connection.online, false);
});

test('stop() while offline (the broker unreachable) returns without waiting', async () => {
  const connection = connect();
  await once(connection, 'online');
  const cut = connection.publish(`$aws/things/${device.thingName}/jobs/get`, { clientToken: 'cut-off' });
  connection.drop();
  await assert.rejects(cut);
  await connection.stop();
  assert.equal(connection.online, false);
});
