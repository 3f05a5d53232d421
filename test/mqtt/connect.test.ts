import { createPublicKey } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  CreateKeysAndCertificateCommand,
  CreateThingCommand,
  RegisterCACertificateCommand,
  RegisterCertificateCommand,
  RegisterCertificateWithoutCACommand,
  UpdateCertificateCommand,
  type IoTClient,
} from '@aws-sdk/client-iot';
import { createCertificateAuthority, generateKeyPair, issueDeviceCertificate } from '../../src/pki/index.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { connectOutcome, createPolicy, openPolicy, provisionThing, storyPolicy } from './helpers.js';

const REFUSED = 'Connection refused: Not authorized';

/** Every refusal sits beside a connection that succeeds in the same setup, so none can pass by everything failing. */
describe('mqtt CONNECT: who may connect', () => {
  let ts: TestServer;
  let iot: IoTClient;

  before(async () => {
    ts = await startTestServer();
    iot = ts.iot();
    await createPolicy(iot, 'story', storyPolicy(ts));
    await createPolicy(iot, 'open', openPolicy(ts));
  });
  after(() => ts.close());

  test('the story device connects under its thing name, not under another client id', async () => {
    const creds = await provisionThing(iot, 'miso_things_1', 'story');
    assert.equal(await connectOutcome(ts, creds, 'miso_things_1'), 'connected');
    assert.equal(await connectOutcome(ts, creds, 'other'), REFUSED);
  });

  test('no client certificate is refused; the same client with one connects', async () => {
    const creds = await provisionThing(iot, 'miso_nocert', 'story');
    assert.equal(await connectOutcome(ts, undefined, 'miso_nocert'), REFUSED);
    assert.equal(await connectOutcome(ts, creds, 'miso_nocert'), 'connected');
  });

  test('a certificate from an unknown CA is refused until that CA and the certificate are registered', async () => {
    const ca = await createCertificateAuthority({ commonName: 'Unknown Fleet CA', nowMs: ts.clock.now() });
    const device = await issuedBy(ca, ts);
    assert.equal(await connectOutcome(ts, device, 'unknown-ca-device'), REFUSED);

    await iot.send(new RegisterCACertificateCommand({ caCertificate: ca.certificatePem, certificateMode: 'SNI_ONLY', setAsActive: true }));
    const registered = await iot.send(new RegisterCertificateCommand({ certificatePem: device.certificatePem, caCertificatePem: ca.certificatePem, status: 'ACTIVE' }));
    await iot.send(new AttachPolicyCommand({ policyName: 'open', target: registered.certificateArn! }));
    assert.equal(await connectOutcome(ts, device, 'unknown-ca-device'), 'connected');
  });

  test('a self-signed certificate is refused until it is registered without a CA', async () => {
    const creds = await selfSigned(ts);
    assert.equal(await connectOutcome(ts, creds, 'self-signed-device'), REFUSED);

    const registered = await iot.send(new RegisterCertificateWithoutCACommand({ certificatePem: creds.certificatePem, status: 'ACTIVE' }));
    await iot.send(new AttachPolicyCommand({ policyName: 'open', target: registered.certificateArn! }));
    assert.equal(await connectOutcome(ts, creds, 'self-signed-device'), 'connected');
  });

  test('an INACTIVE certificate is refused; an ACTIVE one on the same thing connects', async () => {
    const active = await provisionThing(iot, 'miso_inactive', 'story');
    const inactive = await inactiveCertificate(iot, 'miso_inactive', 'story');
    assert.equal(await connectOutcome(ts, inactive, 'miso_inactive'), REFUSED);
    assert.equal(await connectOutcome(ts, active, 'miso_inactive'), 'connected');
    await iot.send(new UpdateCertificateCommand({ certificateId: inactive.certificateId, newStatus: 'ACTIVE' }));
    assert.equal(await connectOutcome(ts, inactive, 'miso_inactive'), 'connected');
  });

  test('a REVOKED certificate is refused; it connected while ACTIVE', async () => {
    const creds = await provisionThing(iot, 'miso_revoked', 'story');
    assert.equal(await connectOutcome(ts, creds, 'miso_revoked'), 'connected');
    await iot.send(new UpdateCertificateCommand({ certificateId: creds.certificateId, newStatus: 'REVOKED' }));
    assert.equal(await connectOutcome(ts, creds, 'miso_revoked'), REFUSED);
  });

  test('a certificate with no policy is refused until a policy is attached', async () => {
    await iot.send(new CreateThingCommand({ thingName: 'miso_nopolicy' }));
    const out = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
    await iot.send(new AttachThingPrincipalCommand({ thingName: 'miso_nopolicy', principal: out.certificateArn! }));
    const creds = { certificatePem: out.certificatePem!, privateKeyPem: out.keyPair!.PrivateKey! };
    assert.equal(await connectOutcome(ts, creds, 'miso_nopolicy'), REFUSED);
    await iot.send(new AttachPolicyCommand({ policyName: 'story', target: out.certificateArn! }));
    assert.equal(await connectOutcome(ts, creds, 'miso_nopolicy'), 'connected');
  });

  test('a client id outside the policy is refused; one inside it connects', async () => {
    const creds = await provisionThing(iot, 'miso_clientid', 'story');
    assert.equal(await connectOutcome(ts, creds, 'notmiso_clientid'), REFUSED);
    assert.equal(await connectOutcome(ts, creds, 'miso_anything'), 'connected');
  });

  test('an empty client id is refused (identifier rejected); a named one connects', async () => {
    const creds = await provisionThing(iot, 'miso_emptyid', 'open');
    assert.match(await connectOutcome(ts, creds, ''), /Identifier rejected/);
    assert.equal(await connectOutcome(ts, creds, 'miso_emptyid'), 'connected');
  });
});

async function issuedBy(ca: { certificatePem: string; privateKeyPem: string }, ts: TestServer) {
  const pair = await generateKeyPair('ec');
  const certificatePem = await issueDeviceCertificate({ ca, publicKeyPem: pair.publicKeyPem, subject: { commonName: 'fleet device' }, nowMs: ts.clock.now() });
  return { certificatePem, privateKeyPem: pair.privateKeyPem };
}

/** A leaf certificate (not a CA) signed by its own key: issuer = subject. */
async function selfSigned(ts: TestServer) {
  const ca = await createCertificateAuthority({ commonName: 'self-signed device', nowMs: ts.clock.now() });
  const publicKeyPem = createPublicKey(ca.privateKeyPem).export({ type: 'spki', format: 'pem' }).toString();
  const certificatePem = await issueDeviceCertificate({ ca, publicKeyPem, subject: { commonName: 'self-signed device' }, nowMs: ts.clock.now() });
  return { certificatePem, privateKeyPem: ca.privateKeyPem };
}

async function inactiveCertificate(iot: IoTClient, thingName: string, policyName: string) {
  const out = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: false }));
  await iot.send(new AttachPolicyCommand({ policyName, target: out.certificateArn! }));
  await iot.send(new AttachThingPrincipalCommand({ thingName, principal: out.certificateArn! }));
  return { certificateId: out.certificateId!, certificatePem: out.certificatePem!, privateKeyPem: out.keyPair!.PrivateKey! };
}
