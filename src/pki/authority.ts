import { createPublicKey, randomBytes, X509Certificate as NodeX509 } from 'node:crypto';
import { isIP } from 'node:net';
import { invalidInput } from '../errors.js';
import { generateKeyPair, importPublicKey, importSigningKey, type KeyAlgorithm } from './keys.js';
import { nameOf, type SubjectFields } from './names.js';
import { x509 } from './x509.js';

/** A certificate with its private key, both PEM. */
export interface CertificateWithKey {
  certificatePem: string;
  privateKeyPem: string;
}

/** The issuing CA's certificate and key. */
export type CaMaterial = CertificateWithKey;

const DAY_MS = 24 * 3600 * 1000;
// node-ecosystem.md §3: notBefore a few minutes in the past, so a device whose clock is a little behind accepts it.
const BACKDATE_MS = 5 * 60 * 1000;
// The certificates AWS IoT issues are valid until the end of 2049.
const DEVICE_NOT_AFTER_MS = Date.UTC(2049, 11, 31, 23, 59, 59);

/** node-ecosystem.md §3 / RFC 5280 §4.1.2.2: a random, positive, 16-byte serial number. */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x01; // high bit clear: positive; non-zero first byte: full 16 bytes
  return bytes.toString('hex');
}

const toPem = (cert: x509.X509Certificate) => `${cert.toString('pem')}\n`;

export async function createCertificateAuthority(opts: {
  commonName: string;
  organization?: string;
  alg?: KeyAlgorithm;
  validDays?: number;
  nowMs: number;
}): Promise<CertificateWithKey> {
  const pair = await generateKeyPair(opts.alg ?? 'ec');
  const { key, signing } = await importSigningKey(pair.privateKeyPem);
  const publicKey = await importPublicKey(pair.publicKeyPem);
  const name = nameOf({ commonName: opts.commonName, ...(opts.organization === undefined ? {} : { organization: opts.organization }) });
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

export interface LeafRequest {
  ca: CaMaterial;
  publicKeyPem: string;
  subject: x509.Name;
  usage: 'server' | 'client';
  altNames?: x509.JsonGeneralName[];
  notAfterMs: number;
  nowMs: number;
}

/** An end-entity certificate for `publicKeyPem`, signed by the CA (not itself a CA). */
export async function issueLeaf(req: LeafRequest): Promise<string> {
  const caCert = new x509.X509Certificate(req.ca.certificatePem);
  const { key, signing } = await importSigningKey(req.ca.privateKeyPem);
  const publicKey = await importPublicKey(req.publicKeyPem);
  // RSA keys may also encipher (RSA key exchange); EC keys only sign.
  const isRsa = createPublicKey(req.publicKeyPem).asymmetricKeyType === 'rsa';
  const usages = x509.KeyUsageFlags.digitalSignature | (isRsa ? x509.KeyUsageFlags.keyEncipherment : 0);
  // node-ecosystem.md §3: without these OpenSSL's chain building gets picky.
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(usages, true),
    new x509.ExtendedKeyUsageExtension([req.usage === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth]),
    await x509.SubjectKeyIdentifierExtension.create(publicKey),
    await x509.AuthorityKeyIdentifierExtension.create(caCert),
  ];
  if (req.altNames?.length) extensions.push(new x509.SubjectAlternativeNameExtension(req.altNames));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: req.subject,
    issuer: caCert.subjectName,
    notBefore: new Date(req.nowMs - BACKDATE_MS),
    notAfter: new Date(req.notAfterMs),
    publicKey,
    signingKey: key,
    signingAlgorithm: signing,
    extensions,
  });
  return toPem(cert);
}

/** Device certificates last until the end of 2049 unless told otherwise, as AWS's do. */
export const deviceNotAfter = (nowMs: number, validDays?: number): number =>
  validDays === undefined ? DEVICE_NOT_AFTER_MS : nowMs + validDays * DAY_MS;

/** TLS clients check SubjectAltName only (never the CN), so every name and address goes there, exactly as given. */
function serverAltNames(dnsNames: string[], ipAddresses: string[]): x509.JsonGeneralName[] {
  if (dnsNames.length === 0 && ipAddresses.length === 0) throw invalidInput('A server certificate needs at least one DNS name or IP address.');
  for (const ip of ipAddresses) if (isIP(ip) === 0) throw invalidInput(`Not an IP address: ${ip}`);
  return [...dnsNames.map((value) => ({ type: 'dns' as const, value })), ...ipAddresses.map((value) => ({ type: 'ip' as const, value }))];
}

export async function issueServerCertificate(opts: {
  ca: CaMaterial;
  dnsNames: string[];
  ipAddresses: string[];
  alg?: KeyAlgorithm;
  validDays?: number;
  nowMs: number;
}): Promise<CertificateWithKey> {
  const altNames = serverAltNames(opts.dnsNames, opts.ipAddresses);
  const pair = await generateKeyPair(opts.alg ?? 'ec');
  const certificatePem = await issueLeaf({
    ca: opts.ca,
    publicKeyPem: pair.publicKeyPem,
    subject: nameOf({ commonName: opts.dnsNames[0] ?? opts.ipAddresses[0], organization: 'Ferry' }),
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
    notAfterMs: deviceNotAfter(opts.nowMs, opts.validDays),
    nowMs: opts.nowMs,
  });
}

/** True when `certPem`'s issuer names the CA and its signature verifies with the CA's key. */
export function isIssuedBy(certPem: string, caPem: string): boolean {
  try {
    const cert = new NodeX509(certPem);
    const ca = new NodeX509(caPem);
    return cert.checkIssued(ca) && cert.verify(ca.publicKey);
  } catch {
    return false;
  }
}
