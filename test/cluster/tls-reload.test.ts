import { test } from 'node:test';
import assert from 'node:assert/strict';
import tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { clusterSkipReason, startTestCluster } from './helpers.js';
import { connect, createPolicy, end, openPolicy, provisionThing } from '../mqtt/helpers.js';
import { eventually } from '../helpers/assert.js';
import type { TestServer } from '../helpers/server.js';

const skip = clusterSkipReason();
const DAY_MS = 24 * 3600_000;

/** The certificate a node's listener presents now, for `servername` (not judged: a renewal made on a moved clock is not yet valid by real time). */
async function served(ts: TestServer, listener: 'iot' | 'iotJobsData' | 's3' | 'mqtt', servername = 'localhost'): Promise<X509Certificate> {
  const port = Number(new URL(ts.endpoints.endpoints[listener]).port);
  const socket = tls.connect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false });
  await new Promise<void>((resolve, reject) => socket.once('secureConnect', () => resolve()).once('error', reject));
  const cert = socket.getPeerX509Certificate()!;
  socket.destroy();
  return cert;
}

const LISTENERS = ['iot', 'iotJobsData', 's3', 'mqtt'] as const;
const fingerprints = async (ts: TestServer) => Promise.all(LISTENERS.map(async (l) => (await served(ts, l)).fingerprint256));

test('a node that re-issues the shared server certificate (a new --public-host, or renewal near expiry) makes every node serve it without a restart; connections already made stay', { skip }, async (t) => {
  const cluster = await startTestCluster(2);
  t.after(() => cluster.close());
  const [a, b] = cluster.nodes as [TestServer, TestServer];
  const iot = a.iot();
  await createPolicy(iot, 'open', openPolicy(a));
  const device = await connect(b, await provisionThing(iot, 'steady', 'open'), 'steady');
  const first = (await served(b, 'mqtt')).fingerprint256;
  assert.deepEqual(await fingerprints(a), LISTENERS.map(() => first), 'one certificate everywhere to begin with');
  assert.equal((await served(a, 'iot')).checkHost('iot.example.test'), undefined, 'which does not name the new host');

  // A third node with a name the certificate lacks issues the next one; the running nodes pick it up from the bus.
  const c = await cluster.addNode({ publicHosts: ['iot.example.test'] });
  const next = new X509Certificate(c.server.ctx.pki.serverCertPem);
  assert.notEqual(next.fingerprint256, first);
  assert.equal(next.checkHost('iot.example.test'), 'iot.example.test');
  for (const node of [a, b]) {
    await eventually(async () => (await fingerprints(node)).every((f) => f === next.fingerprint256), `${node.server.ctx.cluster.nodeName} serves the new certificate on every listener`);
  }
  assert.equal((await served(a, 'mqtt', 'iot.example.test')).checkHost('iot.example.test'), 'iot.example.test');
  assert.ok(device.connected, 'a connection made with the old certificate is untouched');
  // Sessions still resume through the shared ticket keys after the reload.
  const session = await new Promise<Buffer>((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port: Number(new URL(a.endpoints.endpoints.iot).port), ca: a.ca, servername: 'localhost' });
    s.once('session', (ticket: Buffer) => {
      resolve(ticket);
      s.destroy();
    });
    s.once('error', reject);
  });
  const resumed = tls.connect({ host: '127.0.0.1', port: Number(new URL(b.endpoints.endpoints.iot).port), ca: a.ca, servername: 'localhost', session });
  await new Promise<void>((resolve, reject) => resumed.once('secureConnect', () => resolve()).once('error', reject));
  assert.equal(resumed.isSessionReused(), true);
  resumed.destroy();

  // Renewal: not while the certificate has more than 30 days; once it nears expiry, one node renews and every node serves the renewal.
  const service = a.server.ctx;
  assert.equal(await renewIfDue(a), false);
  const remaining = Date.parse(new X509Certificate(service.pki.serverCertPem).validTo) - a.clock.now();
  cluster.advance(remaining - 29 * DAY_MS);
  assert.equal(await renewIfDue(a), true);
  assert.equal(await renewIfDue(b), false, 'renewed once: the other node finds it done');
  const renewed = new X509Certificate(a.server.ctx.pki.serverCertPem);
  assert.ok(Date.parse(renewed.validTo) > Date.parse(next.validTo));
  assert.equal(renewed.checkHost('iot.example.test'), 'iot.example.test', 'the renewal keeps every name');
  for (const node of [a, b, c]) {
    await eventually(async () => (await fingerprints(node)).every((f) => f === renewed.fingerprint256), `${node.server.ctx.cluster.nodeName} serves the renewed certificate`);
  }
  assert.ok(device.connected);
  await end(device);
});

const renewIfDue = (ts: TestServer) => ts.server.ctx.serverCertificate!.renewIfDue();
