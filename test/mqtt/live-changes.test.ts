import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AddThingToThingGroupCommand,
  AttachPolicyCommand,
  CreatePolicyVersionCommand,
  CreateThingGroupCommand,
  DetachPolicyCommand,
  RegisterCACertificateCommand,
  RegisterCertificateCommand,
  UpdateCACertificateCommand,
  UpdateCertificateCommand,
  type IoTClient,
} from '@aws-sdk/client-iot';
import { createCertificateAuthority, generateKeyPair, issueDeviceCertificate } from '../../src/pki/index.js';
import { engines } from '../helpers/stores.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { closed, connect, createPolicy, end, inbox, openPolicy, provisionThing, storyPolicy, subscribe } from './helpers.js';

/** Registry changes reach live connections before the API call that made them returns. */
for (const { engine, skip } of engines()) describe(`mqtt: live registry changes [${engine}]`, { skip }, () => {
  let ts: TestServer;
  let iot: IoTClient;
  const online = (clientId: string) => ts.server.ctx.services.deviceMessaging.isConnected(clientId);
  const arn = (rest: string) => `arn:aws:iot:${ts.endpoints.region}:${ts.endpoints.accountId}:${rest}`;
  /** A monitor's view of the disconnected events of these client ids, in order. */
  const watchDisconnects = async (clientIds: string[]) => {
    const monitor = await connect(ts, monitorCreds, `monitor-${clientIds[0]}`);
    const box = inbox(monitor);
    await subscribe(monitor, clientIds.map((id) => `$aws/events/presence/disconnected/${id}`));
    return { next: async () => JSON.parse((await box.next()).payload) as Record<string, unknown>, close: () => end(monitor) };
  };
  let monitorCreds: Awaited<ReturnType<typeof provisionThing>>;

  before(async () => {
    ts = await startTestServer({ engine });
    iot = ts.iot();
    await createPolicy(iot, 'story', storyPolicy(ts));
    await createPolicy(iot, 'open', openPolicy(ts));
    monitorCreds = await provisionThing(iot, 'watcher', 'open', { ec: true });
  });
  after(() => ts.close());

  test('deactivating a certificate has closed its connection when UpdateCertificate returns; another device stays', async () => {
    const target = await provisionThing(iot, 'miso_deactivate', 'story', { ec: true });
    const bystander = await provisionThing(iot, 'miso_bystander', 'story', { ec: true });
    const monitorCreds = await provisionThing(iot, 'monitor', 'open', { ec: true });
    const monitor = await connect(ts, monitorCreds, 'monitor');
    const events = inbox(monitor);
    await subscribe(monitor, ['$aws/events/presence/disconnected/miso_deactivate']);
    const device = await connect(ts, target, 'miso_deactivate');
    const other = await connect(ts, bystander, 'miso_bystander');
    const gone = closed(device);
    assert.equal(online('miso_deactivate'), true);

    await iot.send(new UpdateCertificateCommand({ certificateId: target.certificateId, newStatus: 'INACTIVE' }));
    assert.equal(online('miso_deactivate'), false, 'closed on the server before the API answered');
    await gone;
    assert.equal(online('miso_bystander'), true);
    assert.equal(other.connected, true);
    const event = JSON.parse((await events.next()).payload) as Record<string, unknown>;
    assert.equal(event.disconnectReason, 'AUTH_ERROR');
    assert.equal(event.clientInitiatedDisconnect, false);
    const record = await ts.server.ctx.services.connectivity.ofThing('miso_deactivate');
    assert.equal(record?.connected, false);
    assert.equal(record?.disconnectReason, 'AUTH_ERROR');
    await end(other);
    await end(monitor);
    device.end(true);
  });

  test('revoking a certificate closes its connection too', async () => {
    const creds = await provisionThing(iot, 'miso_revoke_live', 'story', { ec: true });
    const device = await connect(ts, creds, 'miso_revoke_live');
    const gone = closed(device);
    await iot.send(new UpdateCertificateCommand({ certificateId: creds.certificateId, newStatus: 'REVOKED' }));
    assert.equal(online('miso_revoke_live'), false);
    await gone;
    device.end(true);
  });

  test('detaching a policy makes the next publish fail (the one before it succeeded) while iot:Connect is still allowed', async () => {
    await createPolicy(iot, 'connect-only', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: arn('client/miso_detach') }] }));
    const creds = await provisionThing(iot, 'miso_detach', 'story', { ec: true });
    await iot.send(new AttachPolicyCommand({ policyName: 'connect-only', target: creds.certificateArn }));
    const device = await connect(ts, creds, 'miso_detach');
    await device.publishAsync('$aws/things/miso_detach/jobs/get', '{}', { qos: 1 });
    assert.equal(device.connected, true);

    await iot.send(new DetachPolicyCommand({ policyName: 'story', target: creds.certificateArn }));
    assert.equal(online('miso_detach'), true, 'the connection itself stays');
    const gone = closed(device);
    device.publish('$aws/things/miso_detach/jobs/get', '{}', { qos: 1 });
    await gone;
    device.end(true);
  });

  test('policies no longer allowing iot:Connect close the connection (FORBIDDEN_ACCESS) before the call answers, beside a device still allowed', async () => {
    const events = await watchDisconnects(['fa-detached', 'fa-denied-ip', 'fa-kept']);
    await createPolicy(iot, 'fa-shared', openPolicy(ts, { clients: 'fa-*' }));
    const detached = await provisionThing(iot, 'fa-detached', 'fa-shared', { ec: true });
    const deniedIp = await provisionThing(iot, 'fa-denied-ip', 'fa-shared', { ec: true });
    const kept = await provisionThing(iot, 'fa-kept', 'fa-shared', { ec: true });
    const devices = { detached: await connect(ts, detached, 'fa-detached'), deniedIp: await connect(ts, deniedIp, 'fa-denied-ip'), kept: await connect(ts, kept, 'fa-kept') };

    // Its only policy detached: nothing allows it to be connected any more.
    const detachedGone = closed(devices.detached);
    await iot.send(new DetachPolicyCommand({ policyName: 'fa-shared', target: detached.certificateArn }));
    assert.equal(online('fa-detached'), false, 'closed on the server before DetachPolicy answered');
    await detachedGone;
    assert.equal((await events.next()).disconnectReason, 'FORBIDDEN_ACCESS');

    // A new default version denying iot:Connect from its address (aws:SourceIp), and from another network to the kept device.
    const deniedGone = closed(devices.deniedIp);
    const denyFrom = (client: string, cidr: string) => ({ Effect: 'Deny', Action: 'iot:Connect', Resource: arn(`client/${client}`), Condition: { IpAddress: { 'aws:SourceIp': cidr } } });
    const open = JSON.parse(openPolicy(ts, { clients: 'fa-*' })) as { Statement: object[] };
    const document = JSON.stringify({ Version: '2012-10-17', Statement: [...open.Statement, denyFrom('fa-denied-ip', '127.0.0.0/8'), denyFrom('fa-kept', '203.0.113.0/24')] });
    await iot.send(new CreatePolicyVersionCommand({ policyName: 'fa-shared', policyDocument: document, setAsDefault: true }));
    assert.equal(online('fa-denied-ip'), false, 'closed on the server before CreatePolicyVersion answered');
    await deniedGone;
    const event = await events.next();
    assert.deepEqual([event.clientId, event.disconnectReason, event.clientInitiatedDisconnect], ['fa-denied-ip', 'FORBIDDEN_ACCESS', false]);
    assert.equal((await ts.server.ctx.services.connectivity.ofThing('fa-denied-ip'))?.disconnectReason, 'FORBIDDEN_ACCESS');

    assert.equal(online('fa-kept'), true, 'its policy still allows it');
    assert.deepEqual(await subscribe(devices.kept, ['fa/still']), [1]);
    await end(devices.kept);
    assert.equal((await events.next()).disconnectReason, 'CLIENT_INITIATED_DISCONNECT');
    await events.close();
    devices.detached.end(true);
    devices.deniedIp.end(true);
  });

  test('a new default policy version is in force for the next operation', async () => {
    await createPolicy(iot, 'changing', openPolicy(ts, { topics: 'old/*' }));
    const creds = await provisionThing(iot, 'miso_versions', 'changing', { ec: true });
    const device = await connect(ts, creds, 'miso_versions');
    assert.deepEqual(await subscribe(device, ['old/a', 'new/a']), [1, 128]);

    await iot.send(new CreatePolicyVersionCommand({ policyName: 'changing', policyDocument: openPolicy(ts, { topics: 'new/*' }), setAsDefault: true }));
    assert.deepEqual(await subscribe(device, ['old/b', 'new/b']), [128, 1]);
    await end(device);
  });

  test('a policy attached to the thing\'s group applies at once', async () => {
    await createPolicy(iot, 'group-extra', openPolicy(ts, { topics: 'fleet/*' }));
    await iot.send(new CreateThingGroupCommand({ thingGroupName: 'fleet' }));
    const creds = await provisionThing(iot, 'miso_grouped', 'story', { ec: true });
    await iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'fleet', thingName: 'miso_grouped' }));
    const device = await connect(ts, creds, 'miso_grouped');
    assert.deepEqual(await subscribe(device, ['fleet/news']), [128]);

    await iot.send(new AttachPolicyCommand({ policyName: 'group-extra', target: `arn:aws:iot:${ts.endpoints.region}:${ts.endpoints.accountId}:thinggroup/fleet` }));
    assert.deepEqual(await subscribe(device, ['fleet/news']), [1]);
    await end(device);
  });

  test('deactivating the CA a certificate was registered with closes its connection', async () => {
    const ca = await createCertificateAuthority({ commonName: 'Live Fleet CA', nowMs: ts.clock.now() });
    const caOut = await iot.send(new RegisterCACertificateCommand({ caCertificate: ca.certificatePem, certificateMode: 'SNI_ONLY', setAsActive: true }));
    const pair = await generateKeyPair('ec');
    const certificatePem = await issueDeviceCertificate({ ca, publicKeyPem: pair.publicKeyPem, subject: { commonName: 'fleet device' }, nowMs: ts.clock.now() });
    const registered = await iot.send(new RegisterCertificateCommand({ certificatePem, caCertificatePem: ca.certificatePem, status: 'ACTIVE' }));
    await iot.send(new AttachPolicyCommand({ policyName: 'open', target: registered.certificateArn! }));
    const device = await connect(ts, { certificatePem, privateKeyPem: pair.privateKeyPem }, 'fleet-device');
    const gone = closed(device);

    await iot.send(new UpdateCACertificateCommand({ certificateId: caOut.certificateId!, newStatus: 'INACTIVE' }));
    assert.equal(online('fleet-device'), false);
    await gone;
    device.end(true);
  });
});
