import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { connectOutcome, connectWithInbox, createPolicy, end, openPolicy, provisionThing, subscribe, type DeviceCredentials } from './helpers.js';
import { fakeBalancer, v2Header } from '../helpers/proxy.js';
import { rawRequest } from '../helpers/http.js';

/** iot:Connect and the Jobs HTTPS data plane allowed only from 203.0.113.0/24 (the devices' real network). */
function fromTheirNetwork(ts: TestServer): string {
  const arn = (rest: string) => `arn:aws:iot:${ts.endpoints.region}:${ts.endpoints.accountId}:${rest}`;
  const condition = { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } };
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: 'iot:Connect', Resource: arn('client/*'), Condition: condition },
      { Effect: 'Allow', Action: 'iot:GetPendingJobExecutions', Resource: arn('thing/*'), Condition: condition },
    ],
  });
}

/** The server's URL for a listener, with the port of a balancer in front of it. */
const through = (url: string, port: number) => url.replace(/:\d+(\/|$)/, `:${port}$1`);
const portOf = (url: string) => Number(new URL(url).port);

test('PROXY protocol v1 and v2 from a trusted balancer: lifecycle events and aws:SourceIp get the real address; a header from anyone else is refused', async (t) => {
  const s = await startTestServer({ trustedProxies: ['127.0.0.2', '10.9.0.0/16'] });
  t.after(() => s.close());
  const iot = s.iot();
  await createPolicy(iot, 'open', openPolicy(s));
  await createPolicy(iot, 'their-network', fromTheirNetwork(s));
  const watcher = await provisionThing(iot, 'watcher', 'open');
  const device = await provisionThing(iot, 'sensor', 'their-network');
  const watch = await connectWithInbox(s, watcher, 'watcher');
  await subscribe(watch.client, ['$aws/events/presence/connected/+']);

  const mqttTarget = { host: '127.0.0.1', port: portOf(s.endpoints.endpoints.mqtt) };
  const v1 = await fakeBalancer(mqttTarget, '127.0.0.2', (c) => Buffer.from(`PROXY TCP4 203.0.113.7 127.0.0.1 ${c.remotePort} 8883\r\n`));
  const v2 = await fakeBalancer(mqttTarget, '127.0.0.2', () => v2Header({ address: '203.0.113.99', port: 40000 }));
  const untrusted = await fakeBalancer(mqttTarget, '127.0.0.3', () => Buffer.from('PROXY TCP4 203.0.113.7 127.0.0.1 1 8883\r\n'));
  const plainTrusted = await fakeBalancer(mqttTarget, '127.0.0.2', () => Buffer.alloc(0));
  t.after(() => [v1, v2, untrusted, plainTrusted].forEach((b) => b.close()));
  const via = (port: number) => ({ ...s, endpoints: { ...s.endpoints, endpoints: { ...s.endpoints.endpoints, mqtt: through(s.endpoints.endpoints.mqtt, port) } } });

  for (const [balancer, address] of [[v1, '203.0.113.7'], [v2, '203.0.113.99']] as const) {
    const { client } = await connectWithInbox(via(balancer.port), device, 'sensor');
    const event = JSON.parse((await watch.box.next('$aws/events/presence/connected/sensor')).payload) as { ipAddress: string };
    assert.equal(event.ipAddress, address, 'the lifecycle event carries the address the header named');
    await end(client);
  }
  assert.equal(await connectOutcome(s, device, 'sensor'), 'Connection refused: Not authorized', 'aws:SourceIp is 127.0.0.1 when connecting directly');
  assert.match(await connectOutcome(via(untrusted.port), device, 'sensor'), /closed|ECONNRESET|socket hang up|disconnected/i, 'a header from 127.0.0.3 is refused');
  assert.equal(await connectOutcome(via(plainTrusted.port), watcher, 'watcher-2'), 'connected', 'a trusted balancer may also connect without a header');

  // The HTTPS listeners do the same: the Jobs data plane judges aws:SourceIp by the header.
  const deviceUrl = s.endpoints.endpoints.iotJobsData;
  const httpsV1 = await fakeBalancer({ host: '127.0.0.1', port: portOf(deviceUrl) }, '127.0.0.2', () => Buffer.from('PROXY TCP4 203.0.113.8 127.0.0.1 1 443\r\n'));
  const httpsUntrusted = await fakeBalancer({ host: '127.0.0.1', port: portOf(deviceUrl) }, '127.0.0.3', () => Buffer.from('PROXY TCP4 203.0.113.8 127.0.0.1 1 443\r\n'));
  t.after(() => [httpsV1, httpsUntrusted].forEach((b) => b.close()));
  const pending = (base: string, creds: DeviceCredentials) => rawRequest({ url: `${base}/things/sensor/jobs`, ca: s.ca, cert: creds.certificatePem, key: creds.privateKeyPem });
  assert.equal((await pending(through(deviceUrl, httpsV1.port), device)).status, 200);
  assert.equal((await pending(deviceUrl, device)).status, 403, 'directly, from 127.0.0.1');
  await assert.rejects(pending(through(deviceUrl, httpsUntrusted.port), device), /socket hang up|ECONNRESET|disconnected/i);
  await end(watch.client);
});

test('network.trustedProxies entries that are not addresses or CIDR blocks stop the start, naming the entry', async () => {
  await assert.rejects(startTestServer({ trustedProxies: ['10.0.0.0/33'] }), /network\.trustedProxies: "10\.0\.0\.0\/33"/);
});
