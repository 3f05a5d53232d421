import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import {
  certificateIdOf,
  certificateListVariables,
  certificatePolicyVariables,
  createCertificateAuthority,
  generateKeyPair,
  issueDeviceCertificate,
  issueServerCertificate,
  parseCertificate,
  samePublicKey,
} from '../../src/pki/index.js';
import { importPublicKey, importSigningKey } from '../../src/pki/keys.js';
import { x509 } from '../../src/pki/x509.js';

// A fixed instant: nothing here goes through a TLS handshake.
const now = Date.UTC(2025, 5, 1, 12, 0, 0);
const FIVE_MINUTES = 5 * 60 * 1000;

test('certificateIdOf is the lowercase hex SHA-256 of the DER', async () => {
  const ca = await createCertificateAuthority({ commonName: 'Test CA', nowMs: now });
  const expected = createHash('sha256').update(new X509Certificate(ca.certificatePem).raw).digest('hex');
  assert.equal(certificateIdOf(ca.certificatePem), expected);
  assert.match(expected, /^[0-9a-f]{64}$/);
  assert.equal(certificateIdOf(ca.certificatePem.replace(/\n/g, '\r\n')), expected, 'line endings do not matter');
  assert.equal(parseCertificate(ca.certificatePem).id, expected);
  assert.throws(() => certificateIdOf('nope'), { kind: 'InvalidInput', details: { reason: 'invalid-certificate' } });
});

test('the CA, server and device certificates carry the extensions TLS stacks expect', async () => {
  const ca = await createCertificateAuthority({ commonName: 'Test CA', organization: 'Ferry', nowMs: now });
  const server = await issueServerCertificate({ ca, dnsNames: ['ferry.example'], ipAddresses: ['10.0.0.1'], nowMs: now });
  const keys = await generateKeyPair();
  const device = await issueDeviceCertificate({ ca, publicKeyPem: keys.publicKeyPem, nowMs: now });
  const [caCert, serverCert, deviceCert] = [ca.certificatePem, server.certificatePem, device].map((pem) => new x509.X509Certificate(pem));

  const caSki = caCert!.getExtension(x509.SubjectKeyIdentifierExtension)!.keyId;
  assert.equal(caCert!.getExtension(x509.BasicConstraintsExtension)?.ca, true);
  assert.equal(caCert!.getExtension(x509.BasicConstraintsExtension)?.critical, true);
  assert.ok(caCert!.getExtension(x509.KeyUsagesExtension)!.usages & x509.KeyUsageFlags.keyCertSign);
  for (const [cert, eku] of [[serverCert!, x509.ExtendedKeyUsage.serverAuth], [deviceCert!, x509.ExtendedKeyUsage.clientAuth]] as const) {
    assert.equal(cert.getExtension(x509.BasicConstraintsExtension)?.ca, false);
    assert.deepEqual([...(cert.getExtension(x509.ExtendedKeyUsageExtension)?.usages ?? [])], [eku]);
    assert.ok(cert.getExtension(x509.KeyUsagesExtension)!.usages & x509.KeyUsageFlags.digitalSignature);
    assert.equal(cert.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId, caSki, 'AKI names the CA key');
    assert.ok(cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId);
  }
  for (const pem of [ca.certificatePem, server.certificatePem, device]) {
    const parsed = parseCertificate(pem);
    assert.match(parsed.serialNumber, /^[0-7][0-9a-f]{31}$/, 'a positive 16-byte serial');
    assert.equal(parsed.notBeforeMs, now - FIVE_MINUTES, 'notBefore a few minutes back');
  }
  assert.notEqual(parseCertificate(device).serialNumber, parseCertificate(server.certificatePem).serialNumber);
  assert.equal(parseCertificate(ca.certificatePem).notAfterMs, now + 3650 * 86_400_000);
  assert.equal(parseCertificate(server.certificatePem).notAfterMs, now + 825 * 86_400_000);
  assert.equal(new Date(parseCertificate(device).notAfterMs).toISOString(), '2049-12-31T23:59:59.000Z');
  assert.equal(parseCertificate(device).subject.CommonName, 'AWS IoT Certificate', 'AWS names its issued certificates so');
});

test('parseCertificate reads names, dates, alternative names and the key', async () => {
  const ca = await createCertificateAuthority({ commonName: 'Test CA', organization: 'Ferry', nowMs: now });
  const keys = await generateKeyPair();
  const pem = await issueDeviceCertificate({
    ca,
    publicKeyPem: keys.publicKeyPem,
    subject: { commonName: 'dev1', organization: 'Acme, Inc.', organizationalUnit: 'Sensors', country: 'NZ', state: 'Otago', locality: 'Dunedin', serialNumber: 'SN-7' },
    validDays: 10,
    nowMs: now,
  });
  const cert = parseCertificate(pem);
  assert.deepEqual(cert.subject, {
    Country: 'NZ',
    State: 'Otago',
    Locality: 'Dunedin',
    Organization: 'Acme, Inc.',
    OrganizationalUnit: 'Sensors',
    CommonName: 'dev1',
    SerialNumber: 'SN-7',
  });
  assert.deepEqual(cert.issuer, { Organization: 'Ferry', CommonName: 'Test CA' });
  assert.equal(cert.notAfterMs, now + 10 * 86_400_000);
  assert.equal(cert.isCa, false);
  assert.equal(samePublicKey(cert.publicKeyPem, keys.publicKeyPem), true);
  assert.equal(samePublicKey(keys.privateKeyPem, pem), true, 'a private key and a certificate compare too');
  assert.equal(samePublicKey(ca.certificatePem, pem), false);
  assert.equal(Buffer.from(cert.derBase64, 'base64').equals(new X509Certificate(pem).raw), true);
  assert.deepEqual(cert.subjectAltNames, { dns: [], ip: [], uri: [], email: [], directoryName: [] });

  const server = parseCertificate((await issueServerCertificate({ ca, dnsNames: ['a.example', 'odd,name'], ipAddresses: ['10.1.2.3', '0:0:0:0:0:0:0:1'], nowMs: now })).certificatePem);
  assert.deepEqual(server.subjectAltNames, { dns: ['a.example', 'odd,name'], ip: ['10.1.2.3', '::1'], uri: [], email: [], directoryName: [] });

  for (const garbage of ['not a certificate', '', keys.publicKeyPem, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n']) {
    assert.throws(() => parseCertificate(garbage), { kind: 'InvalidInput', details: { reason: 'invalid-certificate' } });
  }
});

/** A certificate with several values per attribute and both alternative-name extensions, made by hand. */
async function richCertificate(): Promise<string> {
  const ca = await createCertificateAuthority({ commonName: 'Test CA', nowMs: now });
  const keys = await generateKeyPair();
  const { key, signing } = await importSigningKey(ca.privateKeyPem);
  const utf8 = (utf8String: string) => ({ utf8String });
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: '00921285cbb7a5e086', // AWS's own example serial (92:12:85:cb:b7:a5:e0:86)
    subject: new x509.Name([
      { C: [utf8('US')] },
      { O: [utf8('IoT Devices')] },
      { OU: [utf8('LightBulb')] },
      { OU: [utf8('Kitchen')] },
      { CN: [utf8('O=Amazon.com Inc. L=Seattle')] },
      { '2.5.4.42': [utf8('Bulb')], '2.5.4.46': [utf8('Bulb001')] }, // a multi-valued RDN: givenName + dnQualifier
    ]),
    issuer: new x509.X509Certificate(ca.certificatePem).subjectName,
    notBefore: new Date(now),
    notAfter: new Date(now + 86_400_000),
    publicKey: await importPublicKey(keys.publicKeyPem),
    signingKey: key,
    signingAlgorithm: signing,
    extensions: [
      new x509.SubjectAlternativeNameExtension([
        { type: 'dns', value: 'example.com' },
        { type: 'ip', value: '1.2.3.4' },
        { type: 'url', value: 'urn:device:001' },
        { type: 'email', value: 'device1@example.com' },
        { type: 'dns', value: 'b.example.com' },
      ]),
      new x509.IssuerAlternativeNameExtension([
        { type: 'dns', value: 'issuer.com' },
        { type: 'ip', value: '5.6.7.8' },
      ]),
    ],
  });
  return cert.toString('pem');
}

test('policy variables follow AWS: first value bare, .1 next, decimal serial, special characters escaped', async () => {
  const cert = parseCertificate(await richCertificate());
  assert.deepEqual(cert.subjectAll.OrganizationalUnit, ['LightBulb', 'Kitchen']);
  const vars = certificatePolicyVariables(cert);
  assert.deepEqual(vars, {
    'iot:Certificate.SerialNumber': '10525622389124227206',
    'iot:Certificate.Subject.Country': 'US',
    'iot:Certificate.Subject.Organization': 'IoT Devices',
    'iot:Certificate.Subject.OrganizationalUnit': 'LightBulb',
    'iot:Certificate.Subject.OrganizationalUnit.1': 'Kitchen',
    'iot:Certificate.Subject.CommonName': 'O\\=Amazon.com Inc. L\\=Seattle',
    'iot:Certificate.Subject.GivenName': 'Bulb',
    'iot:Certificate.Subject.DistinguishedNameQualifier': 'Bulb001',
    'iot:Certificate.Issuer.CommonName': 'Test CA',
    'iot:Certificate.Subject.AlternativeName.DNSName': 'example.com',
    'iot:Certificate.Subject.AlternativeName.DNSName.1': 'b.example.com',
    'iot:Certificate.Subject.AlternativeName.IPAddress': '1.2.3.4',
    'iot:Certificate.Subject.AlternativeName.UniformResourceIdentifier': 'urn:device:001',
    'iot:Certificate.Subject.AlternativeName.RFC822Name': 'device1@example.com',
    'iot:Certificate.Issuer.AlternativeName.DNSName': 'issuer.com',
    'iot:Certificate.Issuer.AlternativeName.IPAddress': '5.6.7.8',
  });
  const lists = certificateListVariables(cert);
  assert.deepEqual(lists['iot:Certificate.Subject.OrganizationalUnit.List'], ['LightBulb', 'Kitchen']);
  assert.ok(lists['iot:Certificate.AvailableKeys']!.includes('iot:Certificate.Subject.AlternativeName.DNSName'));
  assert.ok(!lists['iot:Certificate.AvailableKeys']!.includes('iot:Certificate.Subject.Title'));
});

test('at most five values of an attribute become variables', async () => {
  const ca = await createCertificateAuthority({ commonName: 'Test CA', nowMs: now });
  const keys = await generateKeyPair();
  const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
  const { key, signing } = await importSigningKey(ca.privateKeyPem);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: '01',
    subject: new x509.Name(names.map((n) => ({ OU: [{ utf8String: n }] }))),
    issuer: new x509.X509Certificate(ca.certificatePem).subjectName,
    notBefore: new Date(now),
    notAfter: new Date(now + 86_400_000),
    publicKey: await importPublicKey(keys.publicKeyPem),
    signingKey: key,
    signingAlgorithm: signing,
  });
  const vars = certificatePolicyVariables(parseCertificate(cert.toString('pem')));
  assert.equal(vars['iot:Certificate.Subject.OrganizationalUnit.4'], 'e');
  assert.equal(vars['iot:Certificate.Subject.OrganizationalUnit.5'], undefined);
  assert.equal(vars['iot:Certificate.SerialNumber'], '1');
});
