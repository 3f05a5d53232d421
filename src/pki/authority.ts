import 'reflect-metadata';
import { createPublicKey, randomBytes, webcrypto, X509Certificate as NodeX509 } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { invalidInput } from '../errors.js';
import { generateKeyPair, importPublicKey, importSigningKey, webCryptoAlgorithm, type KeyAlgorithm } from './keys.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export interface CaMaterial {
  certificatePem: string;
  privateKeyPem: string;
}

export interface SubjectFields {
  commonName?: string;
  organization?: string;
  organizationalUnit?: string;
  country?: string;
  state?: string;
  locality?: string;
}

const DAY_MS = 24 * 3600 * 1000;
// Clocks drift: a certificate valid from a few minutes ago works on a device that is a little behind.
const BACKDATE_MS = 5 * 60 * 1000;
// AWS IoT's issued device certificates are valid until the end of 2049.
const DEVICE_NOT_AFTER = Date.UTC(2049, 11, 31, 23, 59, 59);

/** A random positive 16-byte serial number (RFC 5280 §4.1.2.2). */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return bytes.toString('hex');
}

function nameOf(fields: SubjectFields): x509.JsonName {
  const name: x509.JsonName = [];
  if (fields.country) name.push({ C: [fields.country] });
  if (fields.state) name.push({ ST: [fields.state] });
  if (fields.locality) name.push({ L: [fields.locality] });
  if (fields.organization) name.push({ O: [fields.organization] });
  if (fields.organizationalUnit) name.push({ OU: [fields.organizationalUnit] });
  if (fields.commonName) name.push({ CN: [fields.commonName] });
  return name;
}

const toPem = (cert: x509.X509Certificate) => cert.toString('pem') + '\n';

export async function createCertificateAuthority(opts: {
  commonName: string;
  organization?: string;
  alg?: KeyAlgorithm;
  validDays?: number;
  nowMs: number;
}): Promise<{ certificatePem: string; privateKeyPem: string }> {
  const pair = await generateKeyPair(opts.alg ?? 'ec');
  const { key, signing } = await importSigningKey(pair.privateKeyPem);
  const publicKey = await importPublicKey(pair.publicKeyPem);
  const name = nameOf({ commonName: opts.commonName, ...(opts.organization ? { organization: opts.organization } : {}) });
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: name,
    issuer: name,
    notBefore: new Date(opts.nowMs - BACKDATE_MS),
    notAfter: new Date(opts.nowMs + (opts.validDays ?? 3650) * DAY_MS),
    publicKey,
    signingKey: key,
    signingAlgorithm: signing,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(publicKey),
    ],
  });
  return { certificatePem: toPem(cert), privateKeyPem: pair.privateKeyPem };
}

/** Issues a leaf certificate for `publicKeyPem`, signed by the CA. */
async function issueLeaf(opts: {
  ca: CaMaterial;
  publicKeyPem: string;
  subject: x509.JsonName | x509.Name;
  usage: 'server' | 'client';
  altNames?: x509.JsonGeneralName[];
  notAfterMs: number;
  nowMs: number;
}): Promise<string> {
  const caCert = new x509.X509Certificate(opts.ca.certificatePem);
  const { key, signing } = await importSigningKey(opts.ca.privateKeyPem);
  const publicKey = await importPublicKey(opts.publicKeyPem);
  const isRsa = createPublicKey(opts.publicKeyPem).asymmetricKeyType === 'rsa';
  const usages = x509.KeyUsageFlags.digitalSignature | (isRsa ? x509.KeyUsageFlags.keyEncipherment : 0);
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(usages, true),
    new x509.ExtendedKeyUsageExtension([opts.usage === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth]),
    await x509.SubjectKeyIdentifierExtension.create(publicKey),
    await x509.AuthorityKeyIdentifierExtension.create(caCert),
  ];
  if (opts.altNames?.length) extensions.push(new x509.SubjectAlternativeNameExtension(opts.altNames));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: opts.subject,
    issuer: caCert.subjectName,
    notBefore: new Date(opts.nowMs - BACKDATE_MS),
    notAfter: new Date(opts.notAfterMs),
    publicKey,
    signingKey: key,
    signingAlgorithm: signing,
    extensions,
  });
  return toPem(cert);
}

export async function issueServerCertificate(opts: {
  ca: CaMaterial;
  dnsNames: string[];
  ipAddresses: string[];
  alg?: KeyAlgorithm;
  validDays?: number;
  nowMs: number;
}): Promise<{ certificatePem: string; privateKeyPem: string }> {
  const pair = await generateKeyPair(opts.alg ?? 'ec');
  const altNames: x509.JsonGeneralName[] = [
    ...opts.dnsNames.map((value) => ({ type: 'dns' as const, value })),
    ...opts.ipAddresses.map((value) => ({ type: 'ip' as const, value })),
  ];
  const certificatePem = await issueLeaf({
    ca: opts.ca,
    publicKeyPem: pair.publicKeyPem,
    subject: nameOf({ commonName: opts.dnsNames.find((n) => !n.startsWith('*')) ?? 'localhost', organization: 'Ferry' }),
    usage: 'server',
    altNames,
    notAfterMs: opts.nowMs + (opts.validDays ?? 825) * DAY_MS,
    nowMs: opts.nowMs,
  });
  return { certificatePem, privateKeyPem: pair.privateKeyPem };
}

export async function issueDeviceCertificate(opts: {
  ca: CaMaterial;
  publicKeyPem: string;
  subject?: SubjectFields;
  validDays?: number;
  nowMs: number;
}): Promise<string> {
  return issueLeaf({
    ca: opts.ca,
    publicKeyPem: opts.publicKeyPem,
    subject: nameOf(opts.subject ?? { commonName: 'AWS IoT Certificate' }),
    usage: 'client',
    notAfterMs: opts.validDays ? opts.nowMs + opts.validDays * DAY_MS : DEVICE_NOT_AFTER,
    nowMs: opts.nowMs,
  });
}

/** Signs a device's CSR after checking its self-signature; the CSR's subject is kept. */
export async function signCertificateSigningRequest(opts: { ca: CaMaterial; csrPem: string; validDays?: number; nowMs: number }): Promise<string> {
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(opts.csrPem);
  } catch (error) {
    throw invalidInput(`The certificate signing request is not a valid PKCS#10 request: ${(error as Error).message}`, 'invalid-csr');
  }
  const valid = await csr.verify().catch(() => false);
  if (!valid) throw invalidInput('The certificate signing request signature does not verify.', 'invalid-csr');
  const publicKeyPem = csr.publicKey.toString('pem');
  webCryptoAlgorithm(createPublicKey(publicKeyPem)); // refuses unsupported key types and sizes
  return issueLeaf({
    ca: opts.ca,
    publicKeyPem,
    subject: csr.subjectName,
    usage: 'client',
    notAfterMs: opts.validDays ? opts.nowMs + opts.validDays * DAY_MS : DEVICE_NOT_AFTER,
    nowMs: opts.nowMs,
  });
}

/** A CSR for a device's own key (the agent, the benchmark and tests make their keys on the device). */
export async function createCertificateSigningRequest(opts: { privateKeyPem: string; publicKeyPem: string; commonName: string }): Promise<string> {
  const { key, signing } = await importSigningKey(opts.privateKeyPem);
  const publicKey = await importPublicKey(opts.publicKeyPem);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: nameOf({ commonName: opts.commonName }),
    keys: { privateKey: key, publicKey } as webcrypto.CryptoKeyPair,
    signingAlgorithm: signing,
  });
  return csr.toString('pem') + '\n';
}

/** True when `certPem`'s signature verifies with `caPem`'s key and its issuer names the CA. */
export function isIssuedBy(certPem: string, caPem: string): boolean {
  try {
    const cert = new NodeX509(certPem);
    const ca = new NodeX509(caPem);
    return cert.checkIssued(ca) && cert.verify(ca.publicKey);
  } catch {
    return false;
  }
}
