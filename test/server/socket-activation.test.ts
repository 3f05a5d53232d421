/**
 * Socket activation (sd_listen_fds): `ferry server` listens on the sockets
 * systemd passes instead of binding, e.g. the device listener on 443 without
 * root. The child gets pre-bound listening sockets as fds 3 and 4, as systemd
 * hands them over.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { closeSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { inheritedSockets } from '../../src/server/socket-activation.js';
import { startChildServer } from '../jobs/child-server.js';
import { rawRequest } from '../helpers/http.js';
import { tempDir } from '../helpers/temp.js';
import { connackOf, connect, createPolicy, deviceOptions, end, openPolicy, provisionThing, subscribe } from '../mqtt/helpers.js';

test('the sockets systemd passes are read by name, only by the process they are for, and cleared from the environment', () => {
  const env = (vars: Record<string, string>) => ({ ...vars }) as NodeJS.ProcessEnv;
  const mine = env({ LISTEN_PID: '42', LISTEN_FDS: '2', LISTEN_FDNAMES: 'mqtt:device' });
  assert.deepEqual(inheritedSockets(mine, 42), { mqtt: 3, device: 4 });
  assert.deepEqual(mine, {}, 'cleared, so processes Ferry starts do not take them');
  assert.deepEqual(inheritedSockets(env({ LISTEN_PID: '41', LISTEN_FDS: '1' }), 42), {}, 'another process\'s');
  assert.deepEqual(inheritedSockets(env({}), 42), {});
  assert.deepEqual(inheritedSockets(env({ LISTEN_PID: '42', LISTEN_FDS: '1', LISTEN_FDNAMES: 'ferry.socket' }), 42), { device: 3 }, 'one socket, named by its unit: the device listener\'s');
  assert.deepEqual(inheritedSockets(env({ LISTEN_PID: '42', LISTEN_FDS: '1' }), 42), { device: 3 });
  assert.deepEqual(inheritedSockets(env({ LISTEN_PID: '42', LISTEN_FDS: '4', LISTEN_FDNAMES: 'api:device:s3:mqtt' }), 42), { api: 3, device: 4, s3: 5, mqtt: 6 });
  assert.throws(() => inheritedSockets(env({ LISTEN_PID: '42', LISTEN_FDS: '2', LISTEN_FDNAMES: 'device:web' }), 42), /name each after its listener \(FileDescriptorName=api\|device\|s3\|mqtt\), not 'web'/);
  assert.throws(() => inheritedSockets(env({ LISTEN_PID: '42', LISTEN_FDS: '2', LISTEN_FDNAMES: 'device:device' }), 42), /two sockets named 'device'/);
});

/** A listening socket bound here, as systemd binds it before starting the service. */
async function boundSocket(): Promise<{ server: net.Server; port: number; fd: number }> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const fd = (server as unknown as { _handle: { fd: number } })._handle.fd;
  return { server, port: (server.address() as net.AddressInfo).port, fd };
}

test('`ferry server` given the device and mqtt sockets (LISTEN_FDS, LISTEN_FDNAMES) serves HTTPS, ALPN MQTT and MQTT on them; the other listeners bind their ports', async (t) => {
  const dataDir = tempDir();
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const device = await boundSocket();
  const broker = await boundSocket();
  const child = await startChildServer(dataDir, { sockets: [{ name: 'device', fd: device.fd }, { name: 'mqtt', fd: broker.fd }] });
  t.after(() => child.kill9());
  // The child has its copies: from here only it accepts on these ports.
  device.server.close();
  broker.server.close();
  const { ts } = child;

  assert.equal(new URL(ts.endpoints.endpoints.iotJobsData).port, String(device.port), 'endpoints.json names the inherited port');
  assert.equal(new URL(ts.endpoints.endpoints.mqtt).port, String(broker.port));
  const health = await rawRequest({ url: `https://127.0.0.1:${device.port}/healthz`, ca: ts.ca });
  assert.equal(health.status, 200);
  assert.notEqual(new URL(ts.endpoints.endpoints.iot).port, '0', 'the api listener bound a port of its own');

  const iot = ts.iot();
  await createPolicy(iot, 'open', openPolicy(ts));
  const creds = await provisionThing(iot, 'activated', 'open', { ec: true });
  const onMqtt = await connect(ts, creds, 'activated');
  assert.deepEqual(await subscribe(onMqtt, ['fleet/news']), [1]);
  const received = new Promise<string>((resolve) => onMqtt.once('message', (_topic, payload) => resolve(payload.toString())));
  const onDevicePort = mqtt.connect(`mqtts://127.0.0.1:${device.port}`, deviceOptions(ts, creds, 'activated-alpn', { ALPNProtocols: ['x-amzn-mqtt-ca'] }));
  await connackOf(onDevicePort);
  await onDevicePort.publishAsync('fleet/news', 'through the inherited sockets', { qos: 1 });
  assert.equal(await received, 'through the inherited sockets');
  await end(onDevicePort);
  await end(onMqtt);
});

test('a passed fd that is not a listening socket stops `ferry server` with a message naming the listener and the fd', async (t) => {
  const dataDir = tempDir();
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const file = join(dataDir, 'not-a-socket');
  writeFileSync(file, '');
  const fd = openSync(file, 'r');
  t.after(() => closeSync(fd));
  await assert.rejects(startChildServer(join(dataDir, 'data'), { sockets: [{ name: 'mqtt', fd }] }), /the mqtt listener cannot listen on the socket systemd passed as fd 3/);
});
