/**
 * The cluster as it is deployed: three `ferry server` processes on one
 * PostgreSQL schema and one Redis behind a real HAProxy (TCP mode, PROXY
 * protocol v2, health checks on each node's /readyz). Devices and operators go
 * through HAProxy; where a case must cross nodes, the test finds which node
 * holds a device (its connectivity record) and sends the API call to another
 * node's own listener. One cluster serves every case, in order; the last one
 * kills a node.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { DescribeJobCommand, UpdateCertificateCommand } from '@aws-sdk/client-iot';
import { clusterSkipReason, REDIS_URL } from './helpers.js';
import { haproxySkipReason } from '../helpers/haproxy.js';
import { asTestServer, BALANCER_ADDRESS, startBalancedCluster, type BalancedCluster, type ServerView } from '../helpers/balanced-cluster.js';
import { closed, connect, connectWithInbox, createPolicy, end, flush, openPolicy, provisionThing, subscribe } from '../mqtt/helpers.js';
import { createJob, JobsDevice, provisionDevices } from '../jobs/helpers.js';
import { eventually } from '../helpers/assert.js';
import { rawRequest } from '../helpers/http.js';
import { parsePrometheusText, valueOf } from '../helpers/prometheus.js';
import { v2Header } from '../helpers/proxy.js';

const skip = clusterSkipReason() || haproxySkipReason();
const NODES = ['n1', 'n2', 'n3'];
/** Devices connect from this loopback address: the address the nodes must report, not HAProxy's. */
const DEVICE_ADDRESS = '127.0.0.7';

describe('three ferry server processes behind HAProxy', { skip }, () => {
  let cluster: BalancedCluster;
  let lb: ServerView;
  before(async () => {
    cluster = await startBalancedCluster(NODES, { redisUrl: REDIS_URL! });
    lb = cluster.balanced;
  });
  after(() => cluster?.close());

  /** The node holding `clientId`'s connection, once its connect is recorded. */
  const holderOf = async (clientId: string): Promise<string> => {
    let holder: string | undefined;
    await eventually(async () => (holder = (await cluster.holders()).get(clientId)) !== undefined, `${clientId}'s connection recorded`, 10_000);
    return holder!;
  };
  const otherThan = (name: string) => NODES.find((n) => n !== name)!;
  const metricsOf = async (name: string) => {
    const res = await fetch(`http://127.0.0.1:${cluster.node(name).ports.metrics}/metrics`);
    return parsePrometheusText(await res.text());
  };

  test('each node answers on its own listeners naming itself; HAProxy sees all three up by their /readyz; endpoints name HAProxy', async () => {
    for (const name of NODES) {
      const node = cluster.node(name);
      const res = await rawRequest({ url: `${node.direct.endpoints.endpoints.iot}/readyz`, ca: node.direct.ca });
      assert.equal(res.status, 200, res.body);
      assert.equal(res.headers['x-ferry-node'], name);
    }
    const states = await cluster.haproxy.states();
    assert.deepEqual([...states.values()].filter((s) => s !== 'UP'), [], JSON.stringify([...states]));
    assert.equal(new URL(lb.endpoints.endpoints.mqtt).port, String(cluster.haproxy.ports.mqtt));
    // Requests through HAProxy are spread over the nodes.
    const served = new Set<string>();
    for (let i = 0; i < 6; i++) served.add(String((await rawRequest({ url: `${lb.endpoints.endpoints.iot}/healthz`, ca: lb.ca })).headers['x-ferry-node']));
    assert.ok(served.size >= 2, `served by ${[...served].join(', ')}`);
  });

  test('a device connected through HAProxy to one node gets notify-next for a job created through another node, and completes it', async () => {
    const creds = await provisionDevices(asTestServer(lb), ['miso_far']);
    const device = await JobsDevice.connect(asTestServer(lb), 'miso_far', creds.get('miso_far')!);
    const holder = await holderOf('miso_far');
    const creator = cluster.node(otherThan(holder));
    await createJob(asTestServer(creator.direct), { jobId: 'across', things: ['miso_far'], document: '{"operation":"noop"}' });
    assert.equal((await device.next('notify-next')).execution?.jobId, 'across');
    assert.equal((await device.accepted('start-next')).execution?.jobId, 'across');
    await device.accepted('across/update', { status: 'SUCCEEDED' });
    const job = await lb.iot().send(new DescribeJobCommand({ jobId: 'across' }));
    assert.equal(job.job?.status, 'COMPLETED');
    assert.equal(job.job?.jobProcessDetails?.numberOfSucceededThings, 1);
    assert.equal(await holderOf('miso_far'), holder, 'the device stayed on its node');
    await device.end();
  });

  test('iot:Publish and iot:Receive are judged on whichever node: an allowed subscriber on another node gets the message, a disallowed one does not; a refused publish reaches nobody', async () => {
    const iot = lb.iot();
    const arn = (rest: string) => `arn:aws:iot:${lb.endpoints.region}:${lb.endpoints.accountId}:${rest}`;
    await createPolicy(iot, 'talk', openPolicy(asTestServer(lb), { topics: 'talk/*' }));
    // May subscribe to talk/#, but receive only talk/public/*.
    await createPolicy(
      iot,
      'listen-public',
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: 'iot:Connect', Resource: arn('client/*') },
          { Effect: 'Allow', Action: 'iot:Subscribe', Resource: arn('topicfilter/talk/*') },
          { Effect: 'Allow', Action: 'iot:Receive', Resource: arn('topic/talk/public/*') },
        ],
      }),
    );
    const sender = await provisionThing(iot, 'sender', 'talk');
    const everything = await provisionThing(iot, 'everything', 'talk');
    const publicOnly = await provisionThing(iot, 'public-only', 'listen-public');
    const s = await connectWithInbox(asTestServer(lb), sender, 'sender');
    const all = await connectWithInbox(asTestServer(lb), everything, 'everything');
    const pub = await connectWithInbox(asTestServer(lb), publicOnly, 'public-only');
    assert.deepEqual(await subscribe(all.client, ['talk/#']), [1]);
    assert.deepEqual(await subscribe(pub.client, ['talk/#']), [1]);
    const where = await cluster.holders();
    // leastconn spread them: the sender shares a node with neither listener, or the case proves nothing.
    assert.notEqual(where.get('sender'), where.get('everything'), JSON.stringify([...where]));
    assert.notEqual(where.get('sender'), where.get('public-only'), JSON.stringify([...where]));

    await s.client.publishAsync('talk/private/x', 'secret', { qos: 1 });
    await s.client.publishAsync('talk/public/x', 'hello', { qos: 1 });
    assert.equal((await all.box.next('talk/private/x')).payload, 'secret');
    assert.equal((await all.box.next('talk/public/x')).payload, 'hello');
    assert.equal((await pub.box.next('talk/public/x')).payload, 'hello');
    // The sender's later message reached both: the earlier private one would have arrived before it.
    await flush(s.client, pub.client, 'talk/public/x');
    assert.deepEqual(pub.box.all.filter((m) => m.topic === 'talk/private/x'), [], 'not received where iot:Receive denies it');

    // A publish outside the sender's policy closes its connection and is delivered nowhere.
    const gone = closed(s.client);
    s.client.publish('forbidden/x', 'nope', { qos: 1 });
    await gone;
    // Another client id: AWS (and Ferry) throttle a client id's reconnects.
    const again = await connect(asTestServer(lb), sender, 'sender-again');
    await flush(again, all.client, 'talk/public/x');
    assert.deepEqual(all.box.all.filter((m) => m.topic === 'forbidden/x'), []);
    await Promise.all([again, all.client, pub.client].map(end));
  });

  test('the PROXY protocol v2 from HAProxy gives each node the device’s own address (lifecycle event, connectivity record); a PROXY header from any other address is refused', async () => {
    const iot = lb.iot();
    await createPolicy(iot, 'open', openPolicy(asTestServer(lb)));
    const watcher = await provisionThing(iot, 'watcher', 'open');
    const watch = await connectWithInbox(asTestServer(lb), watcher, 'watcher');
    await subscribe(watch.client, ['$aws/events/presence/connected/+']);
    const sensor = await provisionThing(iot, 'sensor', 'open');
    // mqtt.js hands localAddress to tls.connect: the device connects from 127.0.0.7.
    const device = await connect(asTestServer(lb), sensor, 'sensor', { localAddress: DEVICE_ADDRESS } as never);
    const event = JSON.parse((await watch.box.next('$aws/events/presence/connected/sensor')).payload) as { ipAddress: string };
    assert.equal(event.ipAddress, DEVICE_ADDRESS, `not HAProxy's ${BALANCER_ADDRESS}`);
    const holder = await holderOf('sensor');
    const [record] = await cluster.query<{ ip_address: string }>('select ip_address from mqtt_connectivity where client_id = $1', ['sensor']);
    assert.equal(record?.ip_address, DEVICE_ADDRESS);
    assert.notEqual(holder, await holderOf('watcher'), 'the event crossed nodes to reach the watcher');

    // Straight to a node from 127.0.0.1 (not the balancer): a TLS hello is served, a PROXY header is refused.
    const port = cluster.node(holder).ports.mqtt;
    const plain = tls.connect({ host: '127.0.0.1', port, ca: lb.ca, servername: 'localhost' });
    await new Promise<void>((resolve, reject) => plain.once('secureConnect', () => resolve()).once('error', reject));
    plain.destroy();
    const spoof = net.connect({ host: '127.0.0.1', port });
    spoof.on('error', () => {});
    spoof.write(v2Header({ address: '203.0.113.5', port: 4000 }));
    await new Promise<void>((resolve) => spoof.once('close', () => resolve()));
    await eventually(() => /PROXY protocol: connection refused/.test(cluster.node(holder).log()), 'the refusal is logged', 10_000);
    await Promise.all([device, watch.client].map(end));
  });

  test('a certificate revoked through one node closes the device’s connection on another before UpdateCertificate answers', async () => {
    const iot = lb.iot();
    const revoked = await provisionThing(iot, 'revoked', 'open');
    const device = await connect(asTestServer(lb), revoked, 'revoked');
    const gone = closed(device);
    const holder = await holderOf('revoked');
    const before = valueOf(await metricsOf(holder), 'ferry_mqtt_connections', { node: holder });
    const through = cluster.node(otherThan(holder));
    await through.direct.iot().send(new UpdateCertificateCommand({ certificateId: revoked.certificateId, newStatus: 'REVOKED' }));
    // Read right after the answer: the holding node has already let the connection go.
    assert.equal(valueOf(await metricsOf(holder), 'ferry_mqtt_connections', { node: holder }), before - 1, `${holder} holds one connection fewer when ${through.name} answered`);
    await gone;
    await assert.rejects(connect(asTestServer(lb), revoked, 'revoked'), 'a revoked certificate does not connect again through any node');
  });

  test('a fourth ferry server started without the cluster’s key-encryption key exits non-zero naming the file', async () => {
    const missing = `${cluster.kekFile}.missing`;
    await assert.rejects(cluster.startNode('stray', ['--kek-file', missing]), (error: Error) => {
      assert.match(error.message, /ferry server stray exited \(1\) before it was ready/);
      assert.ok(error.message.includes(`key-encryption key file ${missing} does not exist`), error.message);
      return true;
    });
    assert.equal((await cluster.haproxy.states()).size, 12, 'the cluster behind HAProxy is unchanged');
  });

  test('kill -9 of the node holding 20 devices mid-job: they reconnect through HAProxy to the others, every acknowledged update is kept, the job completes with exact counters', async (t) => {
    const names = Array.from({ length: 20 }, (_, i) => `miso_k${i}`);
    const creds = await provisionDevices(asTestServer(lb), names);
    // Every new connection to n1: the others are drained while the fleet connects.
    await cluster.haproxy.setState('n2', 'drain');
    await cluster.haproxy.setState('n3', 'drain');
    const devices = await Promise.all(names.map((n) => JobsDevice.connect(asTestServer(lb), n, creds.get(n)!, { mqtt: { reconnectPeriod: 200 } })));
    // Reconnecting clients would keep the test process alive after a failure.
    t.after(() => devices.forEach((d) => d.client.end(true)));
    await cluster.haproxy.setState('n2', 'ready');
    await cluster.haproxy.setState('n3', 'ready');
    const reconnected = new Set<string>();
    devices.forEach((d) => d.client.on('connect', () => reconnected.add(d.thingName)));
    for (const n of names) assert.equal(await holderOf(n), 'n1');

    await createJob(asTestServer(cluster.node('n2').direct), { jobId: 'through-the-crash', things: names, document: '{"operation":"noop"}' });
    for (const d of devices) assert.equal((await d.next('notify-next')).execution?.jobId, 'through-the-crash');
    await Promise.all(devices.map((d) => d.accepted('start-next')));
    const [early, late] = [devices.slice(0, 10), devices.slice(10)];
    await Promise.all(early.map((d) => d.accepted('through-the-crash/update', { status: 'SUCCEEDED' })));

    await cluster.node('n1').kill();
    await eventually(() => reconnected.size === names.length, 'every device reconnected', 30_000);
    // The survivors record each new connection just after its CONNACK.
    let where = new Map<string, string>();
    await eventually(async () => {
      where = await cluster.holders();
      return names.every((n) => ['n2', 'n3'].includes(where.get(n) ?? ''));
    }, 'every device recorded on a survivor', 10_000).catch(() => assert.fail(`holders: ${JSON.stringify([...where])}`));
    await cluster.haproxy.waitFor('n1', 'DOWN');

    // What was acknowledged before the crash is what the survivors know.
    for (const d of early) assert.equal((await d.accepted('through-the-crash/get')).execution?.status, 'SUCCEEDED');
    for (const d of late) assert.equal((await d.accepted('through-the-crash/get')).execution?.status, 'IN_PROGRESS');
    await Promise.all(late.map((d) => d.accepted('through-the-crash/update', { status: 'SUCCEEDED' })));
    const job = (await lb.iot().send(new DescribeJobCommand({ jobId: 'through-the-crash' }))).job;
    assert.equal(job?.status, 'COMPLETED');
    assert.equal(job?.jobProcessDetails?.numberOfSucceededThings, 20);
    assert.equal(job?.jobProcessDetails?.numberOfInProgressThings, 0);
    await Promise.all(devices.map((d) => d.end()));
  });
});
