import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createHash } from 'node:crypto';
import {
  DeleteCACertificateCommand,
  DescribeCACertificateCommand,
  DescribeCertificateCommand,
  GetRegistrationCodeCommand,
  ListCACertificatesCommand,
  ListCertificatesByCACommand,
  RegisterCACertificateCommand,
  RegisterCertificateCommand,
  UpdateCACertificateCommand,
} from '@aws-sdk/client-iot';
import { startTestServer } from '../helpers/server.js';
import { makeCa, makeDeviceCert, rejectsWith } from './helpers.js';

const sha256Hex = (pem: string) => createHash('sha256').update(new X509Certificate(pem).raw).digest('hex');

test('CA certificates: registration code, verification, RegisterCertificate under the CA, ListCertificatesByCA, update and delete', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const iot = s.iot();
  const registry = s.server.ctx.services.registry;
  const now = s.clock.now();

  const { registrationCode } = await iot.send(new GetRegistrationCodeCommand({}));
  assert.match(registrationCode!, /^[0-9a-f]{64}$/);
  assert.equal((await iot.send(new GetRegistrationCodeCommand({}))).registrationCode, registrationCode);

  const fleetCa = await makeCa('Miso Fleet CA', now);
  const verification = await makeDeviceCert(registrationCode!, now, fleetCa);
  // API_RegisterCACertificate: DEFAULT mode needs the verification certificate; it must carry the registration code.
  await rejectsWith(iot.send(new RegisterCACertificateCommand({ caCertificate: fleetCa.pem })), 'CertificateValidationException', 400);
  const wrongCode = await makeDeviceCert('not-the-code', now, fleetCa);
  await rejectsWith(iot.send(new RegisterCACertificateCommand({ caCertificate: fleetCa.pem, verificationCertificate: wrongCode.pem })), 'CertificateValidationException', 400);
  const device = await makeDeviceCert('not-a-ca', now);
  await rejectsWith(iot.send(new RegisterCACertificateCommand({ caCertificate: device.pem, certificateMode: 'SNI_ONLY' })), 'CertificateValidationException', 400);

  const registered = await iot.send(new RegisterCACertificateCommand({ caCertificate: fleetCa.pem, verificationCertificate: verification.pem, setAsActive: true, tags: [{ Key: 'fleet', Value: 'miso' }] }));
  assert.equal(registered.certificateId, sha256Hex(fleetCa.pem));
  assert.equal(registered.certificateArn, `arn:aws:iot:${s.endpoints.region}:${s.endpoints.accountId}:cacert/${registered.certificateId}`);
  await rejectsWith(iot.send(new RegisterCACertificateCommand({ caCertificate: fleetCa.pem, verificationCertificate: verification.pem })), 'ResourceAlreadyExistsException', 409);
  const described = await iot.send(new DescribeCACertificateCommand({ certificateId: registered.certificateId! }));
  assert.equal(described.certificateDescription?.status, 'ACTIVE');
  assert.equal(described.certificateDescription?.autoRegistrationStatus, 'DISABLE');
  assert.equal(described.certificateDescription?.certificateMode, 'DEFAULT');
  const otherCa = await makeCa('Other CA', now);
  await iot.send(new RegisterCACertificateCommand({ caCertificate: otherCa.pem, certificateMode: 'SNI_ONLY' }));
  const cas = await iot.send(new ListCACertificatesCommand({ ascendingOrder: true }));
  assert.deepEqual(cas.certificates!.map((c) => [c.certificateId, c.status]), [
    [registered.certificateId, 'ACTIVE'],
    [sha256Hex(otherCa.pem), 'INACTIVE'],
  ]);

  // Device certificates issued by the registered CA (found by issuer, or named).
  const d1 = await makeDeviceCert('miso_things_1', now, fleetCa);
  const d2 = await makeDeviceCert('miso_things_2', now, fleetCa);
  const r1 = await iot.send(new RegisterCertificateCommand({ certificatePem: d1.pem, setAsActive: true }));
  const r2 = await iot.send(new RegisterCertificateCommand({ certificatePem: d2.pem, caCertificatePem: fleetCa.pem, status: 'ACTIVE' }));
  const desc = await iot.send(new DescribeCertificateCommand({ certificateId: r1.certificateId! }));
  assert.equal(desc.certificateDescription?.caCertificateId, registered.certificateId);
  assert.equal(desc.certificateDescription?.status, 'ACTIVE');
  const byCa = await iot.send(new ListCertificatesByCACommand({ caCertificateId: registered.certificateId!, ascendingOrder: true }));
  assert.deepEqual(new Set(byCa.certificates!.map((c) => c.certificateId)), new Set([r1.certificateId, r2.certificateId]));
  // An unregistered CA is not found, rather than listed as issuing nothing.
  await rejectsWith(iot.send(new ListCertificatesByCACommand({ caCertificateId: 'f'.repeat(64) })), 'ResourceNotFoundException', 404);
  const stranger = await makeDeviceCert('stranger', now, await makeCa('Unknown CA', now));
  await rejectsWith(iot.send(new RegisterCertificateCommand({ certificatePem: stranger.pem })), 'CertificateValidationException', 400);
  await rejectsWith(iot.send(new RegisterCertificateCommand({ certificatePem: stranger.pem, caCertificatePem: fleetCa.pem })), 'CertificateValidationException', 400);
  const underInactive = await makeDeviceCert('x', now, otherCa);
  await rejectsWith(iot.send(new RegisterCertificateCommand({ certificatePem: underInactive.pem, caCertificatePem: otherCa.pem })), 'CertificateStateException', 406);

  assert.equal((await registry.resolveDeviceIdentity(d1.pem, {})).ok, true);
  // Deactivating the CA refuses its devices; the change feed tells the broker first.
  const events: string[] = [];
  registry.feed.on('ca-certificate-status', (e) => void events.push(`${e.certificateId}:${e.status}`));
  await iot.send(new UpdateCACertificateCommand({ certificateId: registered.certificateId!, newStatus: 'INACTIVE', newAutoRegistrationStatus: 'ENABLE' }));
  assert.deepEqual(events, [`${registered.certificateId}:INACTIVE`]);
  const refused = await registry.resolveDeviceIdentity(d1.pem, {});
  assert.deepEqual([refused.ok, !refused.ok && refused.reason], [false, 'ca-not-active']);
  const updated = await iot.send(new DescribeCACertificateCommand({ certificateId: registered.certificateId! }));
  assert.equal(updated.certificateDescription?.autoRegistrationStatus, 'ENABLE');

  await iot.send(new UpdateCACertificateCommand({ certificateId: registered.certificateId!, newStatus: 'ACTIVE' }));
  await rejectsWith(iot.send(new DeleteCACertificateCommand({ certificateId: registered.certificateId! })), 'CertificateStateException', 406);
  await iot.send(new UpdateCACertificateCommand({ certificateId: registered.certificateId!, newStatus: 'INACTIVE' }));
  await iot.send(new DeleteCACertificateCommand({ certificateId: registered.certificateId! }));
  await rejectsWith(iot.send(new DescribeCACertificateCommand({ certificateId: registered.certificateId! })), 'ResourceNotFoundException', 404);
  const orphan = await registry.resolveDeviceIdentity(d1.pem, {});
  assert.deepEqual([orphan.ok, !orphan.ok && orphan.reason], [false, 'ca-not-registered']);
});
