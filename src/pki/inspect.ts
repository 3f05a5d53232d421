import { createHash, X509Certificate } from 'node:crypto';
import { invalidInput } from '../errors.js';
import { readName } from './names.js';
import { x509 } from './x509.js';

export interface AltNames {
  dns: string[];
  /** IPv4 dotted, IPv6 compressed lowercase (`::1`). */
  ip: string[];
  uri: string[];
  email: string[];
  directoryName: string[];
}

export interface ParsedCertificate {
  /** Lowercase hex SHA-256 of the DER: AWS's certificateId (aws-wire-protocols.md §3.3). */
  id: string;
  pem: string;
  derBase64: string;
  /**
   * Distinguished-name attributes, first value each, under AWS's policy-variable
   * names: CommonName, Organization, OrganizationalUnit, Country, State,
   * SerialNumber, DistinguishedNameQualifier, Title, Surname, GivenName,
   * Initials, Pseudonym, GenerationQualifier; also Locality, EmailAddress,
   * DomainComponent, UserId, and OpenSSL's label for anything else.
   */
  subject: Record<string, string>;
  issuer: Record<string, string>;
  /** Every value of each attribute, in order (multi-valued attributes, §7 `.1`, `.List`). */
  subjectAll: Record<string, string[]>;
  issuerAll: Record<string, string[]>;
  /** Lowercase hex, as node prints it. (The policy variable is decimal.) */
  serialNumber: string;
  notBeforeMs: number;
  notAfterMs: number;
  isCa: boolean;
  subjectAltNames: AltNames;
  issuerAltNames: AltNames;
  publicKeyPem: string;
}

function toX509(pem: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (error) {
    throw invalidInput(`Not a valid PEM certificate: ${(error as Error).message}`, 'invalid-certificate');
  }
}

const sha256Hex = (der: Buffer) => createHash('sha256').update(der).digest('hex');

export function certificateIdOf(pem: string): string {
  return sha256Hex(toX509(pem).raw);
}

const firstValues = (all: Record<string, string[]>) => Object.fromEntries(Object.entries(all).map(([k, v]) => [k, v[0] ?? '']));

const emptyAltNames = (): AltNames => ({ dns: [], ip: [], uri: [], email: [], directoryName: [] });

const normalizeIp = (ip: string) => (ip.includes(':') ? new URL(`http://[${ip}]/`).hostname.slice(1, -1) : ip);

/**
 * Node's subjectAltName text: `DNS:a, IP Address:1.2.3.4, …`. Node quotes
 * (JSON-style) any value holding a comma, quote or control character, so
 * splitting is unambiguous. Other kinds (othername, Registered ID) are skipped.
 */
function parseNodeAltNames(text: string | undefined): AltNames {
  const out = emptyAltNames();
  const entry = /([^:,]+):("(?:[^"\\]|\\.)*"|[^,]*)(?:, |$)/gy;
  for (const [, kind, raw] of (text ?? '').matchAll(entry)) {
    const value = raw!.startsWith('"') ? (JSON.parse(raw!) as string) : raw!;
    if (kind === 'DNS') out.dns.push(value);
    else if (kind === 'IP Address') out.ip.push(normalizeIp(value));
    else if (kind === 'URI') out.uri.push(value);
    else if (kind === 'email') out.email.push(value);
    else if (kind === 'DirName') out.directoryName.push(value);
  }
  return out;
}

// DER of the issuerAltName extension's OID (2.5.29.18): most certificates lack it,
// so look for it before asking @peculiar/x509 to decode every extension.
const ISSUER_ALT_NAME_OID = Buffer.from([0x06, 0x03, 0x55, 0x1d, 0x12]);

/** Best effort: a certificate whose extensions @peculiar/x509 cannot decode simply has none here. */
function parseIssuerAltNames(der: Buffer): AltNames {
  const out = emptyAltNames();
  if (!der.includes(ISSUER_ALT_NAME_OID)) return out;
  try {
    const ext = new x509.X509Certificate(der).getExtension(x509.IssuerAlternativeNameExtension);
    for (const { type, value } of ext?.names.items ?? []) {
      if (type === 'dns') out.dns.push(value);
      else if (type === 'ip') out.ip.push(normalizeIp(value));
      else if (type === 'url') out.uri.push(value);
      else if (type === 'email') out.email.push(value);
      else if (type === 'dn') out.directoryName.push(value);
    }
  } catch {
    /* unreadable extension: no issuer alternative names */
  }
  return out;
}

/** Reads what Ferry needs of a certificate; garbage is InvalidInput with reason 'invalid-certificate'. */
export function parseCertificate(pem: string): ParsedCertificate {
  const cert = toX509(pem);
  const legacy = cert.toLegacyObject() as unknown as { subject?: Record<string, string | string[]>; issuer?: Record<string, string | string[]> };
  const subjectAll = readName(legacy.subject);
  const issuerAll = readName(legacy.issuer);
  return {
    id: sha256Hex(cert.raw),
    pem: cert.toString(),
    derBase64: cert.raw.toString('base64'),
    subject: firstValues(subjectAll),
    issuer: firstValues(issuerAll),
    subjectAll,
    issuerAll,
    serialNumber: cert.serialNumber.toLowerCase(),
    notBeforeMs: Date.parse(cert.validFrom),
    notAfterMs: Date.parse(cert.validTo),
    isCa: cert.ca,
    subjectAltNames: parseNodeAltNames(cert.subjectAltName),
    issuerAltNames: parseIssuerAltNames(cert.raw),
    publicKeyPem: cert.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}
