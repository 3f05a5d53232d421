import { webcrypto } from 'node:crypto';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as never);

type CryptoKeyPair = webcrypto.CryptoKeyPair;

import type { Clock } from '../../src/clock.js';
import { Registry } from '../../src/registry/index.js';
import type { Store } from '../../src/store/db.js';

export { rejectsWith } from '../helpers/assert.js';
export { storyPolicy } from '../helpers/policies.js';

const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const MINUTE = 60_000;

export interface KeyedCert {
  pem: string;
  keys: CryptoKeyPair;
  cert: x509.X509Certificate;
}

/** A CA made by a test (a fleet's own CA), ECDSA P-256. */
export async function makeCa(commonName: string, nowMs: number): Promise<KeyedCert> {
  const keys = (await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: `CN=${commonName}, O=Test Fleet`,
    notBefore: new Date(nowMs - MINUTE),
    notAfter: new Date(nowMs + 365 * 24 * 60 * MINUTE),
    keys,
    signingAlgorithm: EC,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { pem: cert.toString('pem'), keys, cert };
}

/** A key pair and a certificate made on the "device": self-signed, or signed by `ca`. */
export async function makeDeviceCert(commonName: string, nowMs: number, ca?: KeyedCert, validity?: { notBefore: number; notAfter: number }): Promise<KeyedCert> {
  const keys = (await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as CryptoKeyPair;
  const notBefore = new Date(validity?.notBefore ?? nowMs - MINUTE);
  const notAfter = new Date(validity?.notAfter ?? nowMs + 30 * 24 * 60 * MINUTE);
  const extensions = [new x509.BasicConstraintsExtension(false, undefined, true), new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth])];
  const cert = ca
    ? await x509.X509CertificateGenerator.create({
        serialNumber: randomSerial(),
        subject: `CN=${commonName}`,
        issuer: ca.cert.subject,
        notBefore,
        notAfter,
        publicKey: keys.publicKey,
        signingKey: ca.keys.privateKey,
        signingAlgorithm: EC,
        extensions,
      })
    : await x509.X509CertificateGenerator.createSelfSigned({ serialNumber: randomSerial(), name: `CN=${commonName}`, notBefore, notAfter, keys, signingAlgorithm: EC, extensions });
  return { pem: cert.toString('pem'), keys, cert };
}

/** A key pair and a CSR made on the "device". */
export async function makeCsr(commonName: string): Promise<{ pem: string; keys: CryptoKeyPair }> {
  const keys = (await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: `CN=${commonName}, O=Miso`, keys, signingAlgorithm: EC });
  return { pem: csr.toString('pem'), keys };
}

function randomSerial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = bytes[0]! & 0x7f;
  return Buffer.from(bytes).toString('hex');
}

export async function pkcs8Pem(key: webcrypto.CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').trim()}\n-----END PRIVATE KEY-----\n`;
}

/** A registry on a test store, issuing from a CA of its own. */
export async function testRegistry(store: Store, clock: Clock): Promise<Registry> {
  const ca = await makeCa('Store Test CA', clock.now());
  return new Registry({
    db: store.db,
    dialect: store.dialect,
    clock,
    accountId: '123456789012',
    region: 'eu-west-1',
    ca: { certificatePem: ca.pem, privateKeyPem: await pkcs8Pem(ca.keys.privateKey) },
  });
}
