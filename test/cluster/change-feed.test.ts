import { test } from 'node:test';
import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import { AttachPolicyCommand, UpdateCertificateCommand, DetachPolicyCommand } from '@aws-sdk/client-iot';
import { clusterSkipReason, startNodeProcess, startTestCluster } from './helpers.js';
import { closed, connect, createPolicy, deviceOptions, end, openPolicy, provisionThing, subscribe } from '../mqtt/helpers.js';
import { rejectsWith } from '../helpers/assert.js';

const skip = clusterSkipReason();

test('revoking a certificate through one node closes its connection on another before UpdateCertificate answers; a policy detached through one node binds on another', { skip }, async (t) => {
  const cluster = await startTestCluster(2);
  t.after(() => cluster.close());
  const [a, b] = cluster.nodes as [typeof cluster.nodes[0], typeof cluster.nodes[0]];
  const iot = a.iot();
  await createPolicy(iot, 'open', openPolicy(a, { topics: 'fleet/*' }));
  const revoked = await provisionThing(iot, 'revoked', 'open');
  const kept = await provisionThing(iot, 'kept', 'open');
  // Still allowed to be connected once 'open' is detached (else it would be closed: FORBIDDEN_ACCESS).
  const connectArn = `arn:aws:iot:${a.endpoints.region}:${a.endpoints.accountId}:client/kept`;
  await createPolicy(iot, 'connect', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: connectArn }] }));
  await iot.send(new AttachPolicyCommand({ policyName: 'connect', target: kept.certificateArn }));
  const onB = await connect(b, revoked, 'revoked');
  const keptOnB = await connect(b, kept, 'kept');
  const gone = closed(onB);
  await iot.send(new UpdateCertificateCommand({ certificateId: revoked.certificateId, newStatus: 'REVOKED' }));
  // When A answers, B has already let go of the connection; the client sees its socket end just after.
  assert.equal(b.server.ctx.services.deviceMessaging.isConnected('revoked'), false, 'B no longer holds it when A answered');
  await gone;
  assert.ok(keptOnB.connected, 'the other device on B is untouched');

  // A policy detached through A: the device on B may no longer subscribe.
  assert.deepEqual(await subscribe(keptOnB, ['fleet/a']), [1]);
  await iot.send(new DetachPolicyCommand({ policyName: 'open', target: kept.certificateArn }));
  assert.deepEqual(await subscribe(keptOnB, ['fleet/b']), [128]);
  await end(keptOnB);
});

test('a node that cannot confirm a change in time makes the call fail with ServiceUnavailableException (the change is saved)', { skip }, async (t) => {
  const cluster = await startTestCluster(1, { cluster: { heartbeatMs: 5000, nodeTimeoutMs: 60_000, changeWaitMs: 1500, leaseMs: 30_000 } });
  t.after(() => cluster.close());
  const a = cluster.nodes[0]!;
  const frozen = await startNodeProcess(cluster, 'frozen');
  const iot = a.iot();
  await createPolicy(iot, 'open', openPolicy(a, { topics: 'fleet/*' }));
  const one = await provisionThing(iot, 'one', 'open');
  const two = await provisionThing(iot, 'two', 'open');
  const device = mqtt.connect(frozen.endpoints.endpoints.mqtt, { ...deviceOptions(a, one, 'one'), ca: frozen.ca });
  await new Promise((resolve, reject) => device.once('connect', resolve).once('error', reject));
  device.on('error', () => {});
  // While the node answers, the change goes through.
  await iot.send(new UpdateCertificateCommand({ certificateId: one.certificateId, newStatus: 'INACTIVE' }));
  // Stopped (as a node that hangs), it cannot confirm: the call fails after the bounded wait, naming it.
  frozen.child.kill('SIGSTOP');
  t.after(() => void frozen.child.kill('SIGCONT'));
  await rejectsWith(iot.send(new UpdateCertificateCommand({ certificateId: two.certificateId, newStatus: 'INACTIVE' })), 'ServiceUnavailableException', 503, /frozen did not confirm/);
  frozen.child.kill('SIGCONT');
  const desc = await iot.send(new (await import('@aws-sdk/client-iot')).DescribeCertificateCommand({ certificateId: two.certificateId }));
  assert.equal(desc.certificateDescription?.status, 'INACTIVE', 'the change itself was saved');
  device.end(true);
});
