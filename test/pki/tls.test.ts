import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCertificateAuthority, generateKeyPair, issueDeviceCertificate, issueServerCertificate, isIssuedBy, parseCertificate } from '../../src/pki/index.js';
import { handshake } from './tls-helpers.js';

// TLS checks validity against the real clock.
const now = Date.now();

test('node tls accepts the server certificate by DNS name and by IP address, and refuses a name it lacks', async () => {
  const ca = await createCertificateAuthority({ commonName: 'Test CA', nowMs: now });
  const dnsNames = ['localhost', '*.localhost', '*.ferry.localhost'];
  const server = await issueServerCertificate({ ca, dnsNames, ipAddresses: ['127.0.0.1', '::1'], nowMs: now });
  assert.deepEqual(parseCertificate(server.certificatePem).subjectAltNames.dns, dnsNames, 'SANs exactly as given');
  const srv = { cert: server.certificatePem, key: server.privateKeyPem };
  // (Node matches no wildcard of fewer than three labels, so *.localhost only serves other clients.)
  for (const host of ['localhost', 'eu.ferry.localhost', '127.0.0.1']) {
    assert.deepEqual(await handshake(srv, { ca: ca.certificatePem, host }), { ok: true }, host);
  }
  const wrongName = await handshake(srv, { ca: ca.certificatePem, host: 'example.com' });
  assert.equal(wrongName.ok, false);
  assert.match(wrongName.error ?? '', /altnames|Hostname/i);
  const other = await createCertificateAuthority({ commonName: 'Other CA', nowMs: now });
  assert.equal((await handshake(srv, { ca: other.certificatePem, host: 'localhost' })).ok, false, 'a client trusting another CA refuses');
});

test('a device certificate completes mutual TLS; one from another CA, or a server certificate, is refused', async () => {
  const ca = await createCertificateAuthority({ commonName: 'Test CA', nowMs: now });
  const server = await issueServerCertificate({ ca, dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], nowMs: now });
  const srv = { cert: server.certificatePem, key: server.privateKeyPem, clientCa: ca.certificatePem };
  const device = await generateKeyPair('ec');
  const deviceCert = await issueDeviceCertificate({ ca, publicKeyPem: device.publicKeyPem, subject: { commonName: 'thing-1' }, nowMs: now });
  const client = { ca: ca.certificatePem, host: 'localhost', key: device.privateKeyPem };

  assert.deepEqual(await handshake(srv, { ...client, cert: deviceCert }), { ok: true });
  assert.equal((await handshake(srv, { ca: ca.certificatePem, host: 'localhost' })).ok, false, 'no client certificate');

  const other = await createCertificateAuthority({ commonName: 'Other CA', nowMs: now });
  const stranger = await issueDeviceCertificate({ ca: other, publicKeyPem: device.publicKeyPem, subject: { commonName: 'thing-1' }, nowMs: now });
  assert.equal((await handshake(srv, { ...client, cert: stranger })).ok, false, 'device certificate of another CA');
  assert.equal(isIssuedBy(deviceCert, ca.certificatePem), true);
  assert.equal(isIssuedBy(stranger, ca.certificatePem), false);

  // The extended key usages are right: a serverAuth certificate is no client certificate, and the reverse.
  const asClient = await handshake(srv, { ...client, cert: server.certificatePem, key: server.privateKeyPem });
  assert.equal(asClient.ok, false, 'server certificate used as a client certificate');
  const asServer = await handshake({ cert: deviceCert, key: device.privateKeyPem }, { ca: ca.certificatePem, host: 'localhost', anyName: true });
  assert.equal(asServer.ok, false, 'device certificate used as a server certificate');
  assert.match(asServer.error ?? '', /purpose/i);
  const control = await handshake({ cert: server.certificatePem, key: server.privateKeyPem }, { ca: ca.certificatePem, host: 'localhost', anyName: true });
  assert.equal(control.ok, true, 'the same check passes for the server certificate');
});
