import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import {
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  CreateCertificateFromCsrCommand,
  CreateKeysAndCertificateCommand,
  CreatePolicyCommand,
  CreateThingCommand,
  DeleteCertificateCommand,
  DescribeCertificateCommand,
  DetachThingPrincipalCommand,
  ListCertificatesCommand,
  RegisterCertificateWithoutCACommand,
  UpdateCertificateCommand,
} from '@aws-sdk/client-iot';
import { startTestServer } from '../helpers/server.js';
import { makeCa, makeCsr, makeDeviceCert, rejectsWith } from './helpers.js';

const sha256Hex = (pem: string) => createHash('sha256').update(new X509Certificate(pem).raw).digest('hex');
const ALLOW_ALL = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }] });

test('CreateKeysAndCertificate: an RSA-2048 pair and a certificate that chains to the CA in endpoints.json, id = SHA-256 of its DER', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const iot = s.iot();

  const made = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
  const cert = new X509Certificate(made.certificatePem!);
  const ca = new X509Certificate(s.ca);
  assert.ok(cert.checkIssued(ca), 'issued by the CA named in endpoints.json');
  assert.ok(cert.verify(ca.publicKey), 'signed by the CA key');
  assert.equal(made.certificateId, sha256Hex(made.certificatePem!));
  assert.equal(made.certificateArn, `arn:aws:iot:${s.endpoints.region}:${s.endpoints.accountId}:cert/${made.certificateId}`);
  // aws-wire-protocols.md §3.3: 2048-bit RSA, the private key in PKCS#1 as AWS sends it.
  assert.match(made.keyPair!.PrivateKey!, /^-----BEGIN RSA PRIVATE KEY-----/);
  const key = createPrivateKey(made.keyPair!.PrivateKey!);
  assert.equal(key.asymmetricKeyType, 'rsa');
  assert.equal(key.asymmetricKeyDetails?.modulusLength, 2048);
  const spki = (k: string | KeyObject) => (typeof k === 'string' || k.type === 'private' ? createPublicKey(k) : k).export({ type: 'spki', format: 'der' }).toString('hex');
  assert.equal(spki(made.keyPair!.PublicKey!), spki(cert.publicKey));
  assert.equal(spki(made.keyPair!.PublicKey!), spki(key));

  const { certificateDescription: d } = await iot.send(new DescribeCertificateCommand({ certificateId: made.certificateId! }));
  assert.equal(d?.status, 'ACTIVE');
  assert.equal(d?.certificatePem, made.certificatePem);
  assert.equal(d?.ownedBy, s.endpoints.accountId);
  assert.equal(d?.certificateMode, 'DEFAULT');
  assert.ok(d?.creationDate instanceof Date);
  assert.equal(d?.validity?.notAfter?.getTime(), Date.parse(cert.validTo));

  const inactive = await iot.send(new CreateKeysAndCertificateCommand({}));
  const { certificateDescription: d2 } = await iot.send(new DescribeCertificateCommand({ certificateId: inactive.certificateId! }));
  assert.equal(d2?.status, 'INACTIVE');
  await rejectsWith(iot.send(new DescribeCertificateCommand({ certificateId: 'ab'.repeat(32) })), 'ResourceNotFoundException', 404);
  await rejectsWith(iot.send(new DescribeCertificateCommand({ certificateId: 'not-hex' })), 'InvalidRequestException', 400);
});

test('certificates: list with markers, status changes, REVOKED is final, delete refusals', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const iot = s.iot();
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) {
    ids.push((await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }))).certificateId!);
    s.clock.advance(1000);
  }

  const seen: string[] = [];
  let marker: string | undefined;
  do {
    const page = await iot.send(new ListCertificatesCommand({ pageSize: 1, ascendingOrder: true, ...(marker ? { marker } : {}) }));
    seen.push(...page.certificates!.map((c) => c.certificateId!));
    marker = page.nextMarker;
  } while (marker);
  assert.deepEqual(seen, ids);
  const newestFirst = await iot.send(new ListCertificatesCommand({}));
  assert.deepEqual(newestFirst.certificates!.map((c) => c.certificateId), [...ids].reverse());
  assert.equal(newestFirst.certificates![0]!.status, 'ACTIVE');

  const [a, b, c] = ids as [string, string, string];
  await iot.send(new UpdateCertificateCommand({ certificateId: a, newStatus: 'INACTIVE' }));
  await iot.send(new UpdateCertificateCommand({ certificateId: a, newStatus: 'INACTIVE' })); // idempotent
  assert.equal((await iot.send(new DescribeCertificateCommand({ certificateId: a }))).certificateDescription?.status, 'INACTIVE');
  await iot.send(new UpdateCertificateCommand({ certificateId: a, newStatus: 'REVOKED' }));
  // DG revoke-ca-cert.md: a revoked certificate's status cannot change.
  await rejectsWith(iot.send(new UpdateCertificateCommand({ certificateId: a, newStatus: 'ACTIVE' })), 'CertificateStateException', 406);
  await rejectsWith(iot.send(new UpdateCertificateCommand({ certificateId: b, newStatus: 'PENDING_TRANSFER' })), 'InvalidRequestException', 400);
  await rejectsWith(iot.send(new UpdateCertificateCommand({ certificateId: b, newStatus: 'SLEEPY' as never })), 'InvalidRequestException', 400);
  await rejectsWith(iot.send(new UpdateCertificateCommand({ certificateId: 'cd'.repeat(32), newStatus: 'ACTIVE' })), 'ResourceNotFoundException', 404);

  // API_DeleteCertificate: not while ACTIVE, not while attached to a thing, not while a policy is attached (unless forced).
  await rejectsWith(iot.send(new DeleteCertificateCommand({ certificateId: b })), 'CertificateStateException', 406);
  await iot.send(new CreateThingCommand({ thingName: 'mixer' }));
  const arnB = `arn:aws:iot:${s.endpoints.region}:${s.endpoints.accountId}:cert/${b}`;
  await iot.send(new AttachThingPrincipalCommand({ thingName: 'mixer', principal: arnB }));
  await iot.send(new UpdateCertificateCommand({ certificateId: b, newStatus: 'INACTIVE' }));
  await rejectsWith(iot.send(new DeleteCertificateCommand({ certificateId: b })), 'DeleteConflictException', 409);
  await rejectsWith(iot.send(new DeleteCertificateCommand({ certificateId: b, forceDelete: true })), 'DeleteConflictException', 409);
  await iot.send(new DetachThingPrincipalCommand({ thingName: 'mixer', principal: arnB }));
  await iot.send(new CreatePolicyCommand({ policyName: 'all', policyDocument: ALLOW_ALL }));
  await iot.send(new AttachPolicyCommand({ policyName: 'all', target: arnB }));
  await rejectsWith(iot.send(new DeleteCertificateCommand({ certificateId: b })), 'DeleteConflictException', 409);
  await iot.send(new DeleteCertificateCommand({ certificateId: b, forceDelete: true }));
  await rejectsWith(iot.send(new DescribeCertificateCommand({ certificateId: b })), 'ResourceNotFoundException');

  await iot.send(new DeleteCertificateCommand({ certificateId: a })); // REVOKED certificates can be deleted
  await iot.send(new UpdateCertificateCommand({ certificateId: c, newStatus: 'INACTIVE' }));
  await iot.send(new DeleteCertificateCommand({ certificateId: c }));
  assert.deepEqual((await iot.send(new ListCertificatesCommand({}))).certificates, []);
});

test('CreateCertificateFromCsr signs a device-made CSR; RegisterCertificateWithoutCA accepts a device-made certificate as its identity', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const iot = s.iot();
  const registry = s.server.ctx.services.registry;

  const csr = await makeCsr('miso_things_1');
  const fromCsr = await iot.send(new CreateCertificateFromCsrCommand({ certificateSigningRequest: csr.pem, setAsActive: true }));
  const issued = new X509Certificate(fromCsr.certificatePem!);
  assert.ok(issued.checkIssued(new X509Certificate(s.ca)));
  assert.match(issued.subject, /CN=miso_things_1/);
  assert.equal(fromCsr.certificateId, sha256Hex(fromCsr.certificatePem!));
  await rejectsWith(iot.send(new CreateCertificateFromCsrCommand({ certificateSigningRequest: 'not a csr' })), 'InvalidRequestException', 400);

  const device = await makeDeviceCert('miso_things_2', s.clock.now());
  const registered = await iot.send(new RegisterCertificateWithoutCACommand({ certificatePem: device.pem, status: 'ACTIVE' }));
  assert.equal(registered.certificateId, sha256Hex(device.pem));
  const { certificateDescription: d } = await iot.send(new DescribeCertificateCommand({ certificateId: registered.certificateId! }));
  assert.equal(d?.status, 'ACTIVE');
  assert.equal(d?.certificateMode, 'SNI_ONLY');
  assert.equal(d?.caCertificateId, undefined);
  await rejectsWith(iot.send(new RegisterCertificateWithoutCACommand({ certificatePem: device.pem })), 'ResourceAlreadyExistsException', 409);
  await rejectsWith(iot.send(new RegisterCertificateWithoutCACommand({ certificatePem: 'garbage' })), 'CertificateValidationException', 400);
  const ca = await makeCa('Not a device', s.clock.now());
  await rejectsWith(iot.send(new RegisterCertificateWithoutCACommand({ certificatePem: ca.pem })), 'CertificateValidationException', 400);
  const expired = await makeDeviceCert('old', s.clock.now(), undefined, { notBefore: s.clock.now() - 7200_000, notAfter: s.clock.now() - 3600_000 });
  await rejectsWith(iot.send(new RegisterCertificateWithoutCACommand({ certificatePem: expired.pem })), 'CertificateValidationException', 400);

  // The device's own certificate, attached to its thing, is its identity.
  await iot.send(new CreateThingCommand({ thingName: 'miso_things_2', attributePayload: { attributes: { line: 'b' } } }));
  await iot.send(new AttachThingPrincipalCommand({ thingName: 'miso_things_2', principal: registered.certificateArn! }));
  const identity = await registry.resolveDeviceIdentity(device.pem, { clientId: 'miso_things_2' });
  assert.equal(identity.ok, true);
  if (!identity.ok) return;
  assert.equal(identity.certificate.id, registered.certificateId);
  assert.equal(identity.certificate.status, 'ACTIVE');
  assert.equal(identity.thing?.name, 'miso_things_2');
  assert.deepEqual({ ...identity.thing?.attributes }, { line: 'b' }); // a prototype-less map (issue 24)
  assert.equal(identity.variables['iot:Certificate.Subject.CommonName'], 'miso_things_2');
  assert.equal(identity.variables['iot:Connection.Thing.IsAttached'], 'true');

  await iot.send(new UpdateCertificateCommand({ certificateId: registered.certificateId!, newStatus: 'INACTIVE' }));
  const refused = await registry.resolveDeviceIdentity(registered.certificateId!, { clientId: 'miso_things_2' });
  assert.deepEqual([refused.ok, !refused.ok && refused.reason], [false, 'certificate-not-active']);
});
