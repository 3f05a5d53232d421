import { test } from 'node:test';
import assert from 'node:assert/strict';
import tls from 'node:tls';
import { createHash, X509Certificate } from 'node:crypto';
import { statSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import {
  createCertificateAuthority,
  issueServerCertificate,
  issueDeviceCertificate,
  generateKeyPair,
  createCertificateSigningRequest,
  signCertificateSigningRequest,
  certificateIdOf,
  parseCertificate,
  certificatePolicyVariables,
  isIssuedBy,
  writePrivateKeyFile,
} from '../../src/pki/index.js';
import { tempDir } from '../helpers/temp.js';

const now = Date.now();

/** Completes a TLS handshake against a server that requires a client certificate from `ca`. */
async function handshake(server: { cert: string; key: string; ca: string }, client: { ca: string; host: string; cert?: string; key?: string }): Promise<{ ok: boolean; error?: string }> {
  const srv = tls.createServer({ cert: server.cert, key: server.key, ca: server.ca, requestCert: true, rejectUnauthorized: true }, (s) => s.end('hi'));
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as AddressInfo).port;
  try {
    return await new Promise((resolve) => {
      const s = tls.connect({ port, host: '127.0.0.1', servername: client.host === '127.0.0.1' ? undefined : client.host, ca: client.ca, ...(client.cert ? { cert: client.cert, key: client.key } : {}) });
      s.on('data', () => {
        resolve({ ok: true });
        s.destroy();
      });
      s.on('error', (e) => resolve({ ok: false, error: e.message }));
      s.on('close', () => resolve({ ok: false, error: 'closed' }));
    });
  } finally {
    srv.close();
  }
}

test('a CA, a server certificate by name and address, and a device certificate complete mutual TLS', async () => {
  const ca = await createCertificateAuthority({ commonName: 'Test CA', nowMs: now });
  const server = await issueServerCertificate({ ca, dnsNames: ['localhost', '*.localhost'], ipAddresses: ['127.0.0.1', '::1'], nowMs: now });
  const device = await generateKeyPair('ec');
  const deviceCert = await issueDeviceCertificate({ ca, publicKeyPem: device.publicKeyPem, subject: { commonName: 'miso_things_1' }, nowMs: now });
  const srv = { cert: server.certificatePem, key: server.privateKeyPem, ca: ca.certificatePem };
  for (const host of ['localhost', '127.0.0.1']) {
    assert.deepEqual(await handshake(srv, { ca: ca.certificatePem, host, cert: deviceCert, key: device.privateKeyPem }), { ok: true }, host);
  }
  // Beside it: a device certificate from another CA is refused by the same server.
  const other = await createCertificateAuthority({ commonName: 'Other CA', nowMs: now });
  const stranger = await issueDeviceCertificate({ ca: other, publicKeyPem: device.publicKeyPem, nowMs: now });
  assert.equal((await handshake(srv, { ca: ca.certificatePem, host: 'localhost', cert: stranger, key: device.privateKeyPem })).ok, false);
  assert.equal(isIssuedBy(deviceCert, ca.certificatePem), true);
  assert.equal(isIssuedBy(stranger, ca.certificatePem), false);
  assert.equal(parseCertificate(ca.certificatePem).isCa, true);
  assert.equal(parseCertificate(deviceCert).isCa, false);
});

test('CSRs (EC and RSA) are signed keeping their subject; a tampered CSR is refused', async () => {
  const ca = await createCertificateAuthority({ commonName: 'Test CA', nowMs: now });
  for (const alg of ['ec', 'rsa'] as const) {
    const keys = await generateKeyPair(alg);
    const csrPem = await createCertificateSigningRequest({ ...keys, commonName: `device-${alg}` });
    const certPem = await signCertificateSigningRequest({ ca, csrPem, nowMs: now });
    const parsed = parseCertificate(certPem);
    assert.equal(parsed.subject.CommonName, `device-${alg}`);
    assert.equal(parsed.publicKeyPem.trim(), keys.publicKeyPem.trim());
    assert.equal(isIssuedBy(certPem, ca.certificatePem), true);
  }
  const keys = await generateKeyPair('ec');
  const csrPem = await createCertificateSigningRequest({ ...keys, commonName: 'x' });
  const body = csrPem.split('\n').filter((l) => !l.startsWith('-----')).join('');
  const der = Buffer.from(body, 'base64');
  der[der.length - 5] ^= 0xff; // inside the signature
  const tampered = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
  await assert.rejects(signCertificateSigningRequest({ ca, csrPem: tampered, nowMs: now }), { kind: 'InvalidInput', details: { reason: 'invalid-csr' } });
  await assert.rejects(signCertificateSigningRequest({ ca, csrPem: 'garbage', nowMs: now }), { details: { reason: 'invalid-csr' } });
});

test('certificate id, parsed fields and policy variables', async () => {
  const ca = await createCertificateAuthority({ commonName: 'Test CA', organization: 'Ferry', nowMs: now });
  const keys = await generateKeyPair('ec');
  const pem = await issueDeviceCertificate({ ca, publicKeyPem: keys.publicKeyPem, subject: { commonName: 'dev1', organization: 'Acme', country: 'NZ' }, nowMs: now });
  assert.equal(certificateIdOf(pem), createHash('sha256').update(new X509Certificate(pem).raw).digest('hex'));
  assert.match(certificateIdOf(pem), /^[0-9a-f]{64}$/);
  const parsed = parseCertificate(pem);
  const vars = certificatePolicyVariables(parsed);
  assert.equal(vars['iot:Certificate.Subject.CommonName'], 'dev1');
  assert.equal(vars['iot:Certificate.Subject.Organization'], 'Acme');
  assert.equal(vars['iot:Certificate.Subject.Country'], 'NZ');
  assert.equal(vars['iot:Certificate.Issuer.CommonName'], 'Test CA');
  assert.equal(vars['iot:Certificate.SerialNumber'], parsed.serialNumber);
  assert.ok(parsed.notBeforeMs <= now && parsed.notAfterMs > now);
  assert.throws(() => parseCertificate('not a certificate'), { details: { reason: 'invalid-certificate' } });
});

test('key files are written atomically with mode 0600', async () => {
  const dir = tempDir();
  try {
    const keys = await generateKeyPair('ec');
    const path = join(dir, 'device.key');
    writePrivateKeyFile(path, keys.privateKeyPem);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal(readFileSync(path, 'utf8'), keys.privateKeyPem);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
