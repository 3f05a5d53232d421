import { test } from 'node:test';
import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import { clusterSkipReason, startNodeProcess, startTestCluster } from './helpers.js';
import { connectWithInbox, createPolicy, end, openPolicy, provisionThing, subscribe, deviceOptions } from '../mqtt/helpers.js';
import { eventually } from '../helpers/assert.js';
import { runCli } from '../../src/cli/run.js';
import type { ClusterStatus } from '../../src/api/ferry/cluster.js';

const skip = clusterSkipReason();

test('kill -9 of a node: a survivor announces its devices disconnected once its clock passes the node timeout; ferry cluster status shows who is alive', { skip }, async (t) => {
  const cluster = await startTestCluster(2, { cluster: { heartbeatMs: 1000, nodeTimeoutMs: 15_000, changeWaitMs: 10_000, leaseMs: 30_000 } });
  t.after(() => cluster.close());
  const [a, c] = cluster.nodes as [typeof cluster.nodes[0], typeof cluster.nodes[0]];
  const doomed = await startNodeProcess(cluster, 'doomed');
  const iot = a.iot();
  await createPolicy(iot, 'open', openPolicy(a, { topics: '*' }));
  const watcher = await provisionThing(iot, 'watcher', 'open');
  const watch = await connectWithInbox(c, watcher, 'watcher');
  await subscribe(watch.client, ['$aws/events/presence/+/+']);
  const devices = [];
  for (const name of ['d1', 'd2', 'd3']) {
    const creds = await provisionThing(iot, name, 'open');
    const client = mqtt.connect(doomed.endpoints.endpoints.mqtt, { ...deviceOptions(a, creds, name), ca: doomed.ca });
    await new Promise((resolve, reject) => client.once('connect', resolve).once('error', reject));
    client.on('error', () => {});
    devices.push(client);
    await watch.box.next(`$aws/events/presence/connected/${name}`);
  }

  const status = async (): Promise<ClusterStatus> => {
    let out = '';
    const code = await runCli(['cluster', 'status', '--data-dir', a.dataDir, '--json'], { stdout: { write: (s: string) => (out += s) } as never, stderr: { write: () => true } as never });
    assert.equal(code, 0);
    return JSON.parse(out) as ClusterStatus;
  };
  await eventually(async () => (await status()).nodes.find((n) => n.nodeName === 'doomed')?.connections === 3, 'the doomed node reports its 3 connections', 10_000);
  const before = await status();
  assert.deepEqual(before.nodes.map((n) => [n.nodeName, n.alive]).sort(), [['doomed', true], ['node-1', true], ['node-2', true]]);

  await doomed.kill();
  for (const d of devices) d.end(true);
  // Not yet: the survivors' clocks have not passed the timeout.
  await a.server.ctx.cluster.nodes.beat();
  assert.equal((await status()).nodes.length, 3);
  cluster.advance(16_000);
  // Each survivor records itself alive by its moved clock before either looks for the dead.
  await Promise.all([a.server.ctx.cluster.nodes.record(), c.server.ctx.cluster.nodes.record()]);
  await Promise.all([a.server.ctx.cluster.nodes.sweep(), c.server.ctx.cluster.nodes.sweep()]);
  for (const name of ['d1', 'd2', 'd3']) {
    const event = JSON.parse((await watch.box.next(`$aws/events/presence/disconnected/${name}`)).payload) as { disconnectReason: string; clientInitiatedDisconnect: boolean };
    assert.equal(event.disconnectReason, 'CONNECTION_LOST');
    assert.equal(event.clientInitiatedDisconnect, false);
    assert.equal((await a.server.ctx.services.connectivity.ofClient(name))?.connected, false);
  }
  // Announced once, by one survivor.
  assert.equal(watch.box.all.filter((m) => m.topic === '$aws/events/presence/disconnected/d1').length, 1);
  const after = await status();
  assert.deepEqual(after.nodes.map((n) => n.nodeName).sort(), ['node-1', 'node-2']);
  await end(watch.client);
});

test('a node declared dead while it was only stalled comes back: its open connections are recorded and announced connected again', { skip }, async (t) => {
  const cluster = await startTestCluster(2, { cluster: { heartbeatMs: 1000, nodeTimeoutMs: 15_000, changeWaitMs: 10_000, leaseMs: 30_000 } });
  t.after(() => cluster.close());
  const [a, b] = cluster.nodes as [typeof cluster.nodes[0], typeof cluster.nodes[0]];
  const iot = a.iot();
  await createPolicy(iot, 'open', openPolicy(a, { topics: '*' }));
  const watch = await connectWithInbox(a, await provisionThing(iot, 'watcher', 'open'), 'watcher');
  await subscribe(watch.client, ['$aws/events/presence/+/+']);
  const device = await connectWithInbox(b, await provisionThing(iot, 'stalled', 'open'), 'stalled');
  const first = JSON.parse((await watch.box.next('$aws/events/presence/connected/stalled')).payload) as { versionNumber: number };
  const connected = async () => (await a.server.ctx.services.connectivity.ofClient('stalled'))?.connected;

  // b stalls for 16 s (its heartbeat does not run); a's clock passes the timeout and a declares b dead.
  cluster.advance(16_000);
  await a.server.ctx.cluster.nodes.record();
  await a.server.ctx.cluster.nodes.sweep();
  await watch.box.next('$aws/events/presence/disconnected/stalled');
  assert.equal(await connected(), false);

  // b's next heartbeat finds its row gone: b is alive again, and so is the connection it never lost.
  await b.server.ctx.cluster.nodes.record();
  await eventually(async () => (await connected()) === true, 'the device is recorded connected again', 10_000);
  const again = JSON.parse((await watch.box.next('$aws/events/presence/connected/stalled')).payload) as { versionNumber: number; clientId: string };
  assert.equal(again.clientId, 'stalled');
  assert.ok(again.versionNumber > first.versionNumber, 'a newer version than the disconnected event');
  assert.deepEqual((await a.server.ctx.cluster.nodes.aliveIds()).sort(), [a.server.ctx.cluster.nodeId, b.server.ctx.cluster.nodeId].sort());
  await end(device.client);
  await end(watch.client);
});
