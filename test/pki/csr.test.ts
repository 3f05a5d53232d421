import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, webcrypto } from 'node:crypto';
import {
  createCertificateAuthority,
  createCertificateSigningRequest,
  generateKeyPair,
  isIssuedBy,
  issueServerCertificate,
  parseCertificate,
  samePublicKey,
  signCertificateSigningRequest,
} from '../../src/pki/index.js';
import { x509 } from '../../src/pki/x509.js';
import { handshake } from './tls-helpers.js';

const now = Date.now();

const invalidCsr = { name: 'FerryError', kind: 'InvalidInput', details: { reason: 'invalid-csr' } };

/** The DER of a PEM block, changed by `edit`, back in PEM. */
function tamper(pem: string, edit: (der: Buffer) => void): string {
  const der = Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  edit(der);
  return `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
}

test('CSRs with EC P-256, EC P-384 and RSA-2048 keys are signed, keeping subject and key; the RSA one does mutual TLS', async () => {
  const ca = await createCertificateAuthority({ commonName: 'Test CA', nowMs: now });
  const p384Pair = generateKeyPairSync('ec', { namedCurve: 'P-384', publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
  const p384 = { privateKeyPem: p384Pair.privateKey, publicKeyPem: p384Pair.publicKey };
  const keys = { ec: await generateKeyPair('ec'), p384, rsa: await generateKeyPair('rsa') };
  const issued: Record<string, string> = {};
  for (const [label, pair] of Object.entries(keys)) {
    const csrPem = await createCertificateSigningRequest({ ...pair, commonName: `device-${label}` });
    assert.match(csrPem, /^-----BEGIN CERTIFICATE REQUEST-----\n/);
    const certPem = await signCertificateSigningRequest({ ca, csrPem, nowMs: now });
    const cert = parseCertificate(certPem);
    assert.equal(cert.subject.CommonName, `device-${label}`, label);
    assert.equal(cert.isCa, false, label);
    assert.equal(samePublicKey(certPem, pair.publicKeyPem), true, label);
    assert.equal(isIssuedBy(certPem, ca.certificatePem), true, label);
    assert.equal(new Date(cert.notAfterMs).toISOString(), '2049-12-31T23:59:59.000Z', `${label}: AWS-like default validity`);
    issued[label] = certPem;
  }
  const server = await issueServerCertificate({ ca, dnsNames: ['localhost'], ipAddresses: [], nowMs: now });
  const srv = { cert: server.certificatePem, key: server.privateKeyPem, clientCa: ca.certificatePem };
  const client = { ca: ca.certificatePem, host: 'localhost', cert: issued.rsa!, key: keys.rsa.privateKeyPem };
  assert.deepEqual(await handshake(srv, client), { ok: true });

  const short = await signCertificateSigningRequest({ ca, csrPem: await createCertificateSigningRequest({ ...keys.ec, commonName: 'x' }), validDays: 30, nowMs: now });
  assert.equal(parseCertificate(short).notAfterMs, Math.floor((now + 30 * 86_400_000) / 1000) * 1000);
});

test('a tampered, garbled or unsupported CSR is refused with invalid-csr', async () => {
  const ca = await createCertificateAuthority({ commonName: 'Test CA', nowMs: now });
  const keys = await generateKeyPair('ec');
  const csrPem = await createCertificateSigningRequest({ ...keys, commonName: 'device-a' });

  // Well-formed but badly signed: the subject says device-b now.
  const renamed = tamper(csrPem, (der) => {
    const at = der.indexOf(Buffer.from('device-a'));
    der[at + 7] = 'b'.charCodeAt(0);
  });
  await assert.rejects(signCertificateSigningRequest({ ca, csrPem: renamed, nowMs: now }), invalidCsr);
  // A byte of the signature itself.
  const badSignature = tamper(csrPem, (der) => {
    der[der.length - 3]! ^= 0x01;
  });
  await assert.rejects(signCertificateSigningRequest({ ca, csrPem: badSignature, nowMs: now }), invalidCsr);
  // Another key's signature over the same request.
  const other = await generateKeyPair('ec');
  const mixed = await createCertificateSigningRequest({ privateKeyPem: other.privateKeyPem, publicKeyPem: keys.publicKeyPem, commonName: 'x' });
  await assert.rejects(signCertificateSigningRequest({ ca, csrPem: mixed, nowMs: now }), invalidCsr);

  for (const garbage of ['garbage', '', '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n', ca.certificatePem]) {
    await assert.rejects(signCertificateSigningRequest({ ca, csrPem: garbage, nowMs: now }), invalidCsr, JSON.stringify(garbage.slice(0, 30)));
  }
});

test('CSRs with keys Ferry does not issue for (RSA-1024, Ed25519) are refused', async () => {
  const ca = await createCertificateAuthority({ commonName: 'Test CA', nowMs: now });
  // createCertificateSigningRequest itself refuses such keys, so the CSR comes from @peculiar/x509 directly.
  const rsa1024 = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 1024 };
  const ed25519 = { name: 'Ed25519' };
  for (const alg of [rsa1024, ed25519]) {
    const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
    const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: 'CN=weak', keys, signingAlgorithm: alg });
    await assert.rejects(signCertificateSigningRequest({ ca, csrPem: csr.toString('pem'), nowMs: now }), invalidCsr, alg.name);
  }
});
