import { createHash, X509Certificate } from 'node:crypto';
import { invalidInput } from '../errors.js';

export interface ParsedCertificate {
  /** Lowercase hex SHA-256 of the DER: AWS's certificateId. */
  id: string;
  pem: string;
  /** Distinguished-name attributes by AWS policy-variable name (CommonName, Organization…): first value. */
  subject: Record<string, string>;
  issuer: Record<string, string>;
  /** Every value of each attribute, for multi-valued ones (`.1`, `.List`). */
  subjectAll: Record<string, string[]>;
  issuerAll: Record<string, string[]>;
  serialNumber: string;
  notBeforeMs: number;
  notAfterMs: number;
  isCa: boolean;
  subjectAltNames: { dns: string[]; ip: string[]; uri: string[]; email: string[] };
  publicKeyPem: string;
}

// The DN attributes AWS exposes as iot:Certificate.Subject.* / Issuer.* (aws-wire-protocols.md §7).
const DN_NAMES: Record<string, string> = {
  CN: 'CommonName',
  O: 'Organization',
  OU: 'OrganizationalUnit',
  C: 'Country',
  ST: 'State',
  L: 'Locality',
  serialNumber: 'SerialNumber',
  dnQualifier: 'DistinguishedNameQualifier',
  title: 'Title',
  SN: 'Surname',
  GN: 'GivenName',
  initials: 'Initials',
  pseudonym: 'Pseudonym',
  generationQualifier: 'GenerationQualifier',
};

export function certificateIdOf(pem: string): string {
  return createHash('sha256').update(toX509(pem).raw).digest('hex');
}

function toX509(pem: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (error) {
    throw invalidInput(`Not a valid PEM certificate: ${(error as Error).message}`, 'invalid-certificate');
  }
}

function parseDn(dn: string): { first: Record<string, string>; all: Record<string, string[]> } {
  const all: Record<string, string[]> = {};
  for (const line of dn.split('\n')) {
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const short = line.slice(0, eq);
    const name = DN_NAMES[short] ?? short;
    (all[name] ??= []).push(line.slice(eq + 1));
  }
  const first = Object.fromEntries(Object.entries(all).map(([k, v]) => [k, v[0]!]));
  return { first, all };
}

function parseAltNames(text: string | undefined): ParsedCertificate['subjectAltNames'] {
  const out = { dns: [] as string[], ip: [] as string[], uri: [] as string[], email: [] as string[] };
  for (const entry of (text ?? '').split(/,\s*/)) {
    const colon = entry.indexOf(':');
    if (colon < 0) continue;
    const kind = entry.slice(0, colon);
    const value = entry.slice(colon + 1);
    if (kind === 'DNS') out.dns.push(value);
    else if (kind === 'IP Address') out.ip.push(value);
    else if (kind === 'URI') out.uri.push(value);
    else if (kind === 'email') out.email.push(value);
  }
  return out;
}

export function parseCertificate(pem: string): ParsedCertificate {
  const cert = toX509(pem);
  const subject = parseDn(cert.subject);
  const issuer = parseDn(cert.issuer);
  return {
    id: createHash('sha256').update(cert.raw).digest('hex'),
    pem: cert.toString(),
    subject: subject.first,
    issuer: issuer.first,
    subjectAll: subject.all,
    issuerAll: issuer.all,
    serialNumber: cert.serialNumber.toLowerCase(),
    notBeforeMs: Date.parse(cert.validFrom),
    notAfterMs: Date.parse(cert.validTo),
    isCa: cert.ca,
    subjectAltNames: parseAltNames(cert.subjectAltName),
    publicKeyPem: cert.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** Multi-valued attributes: the first value bare, the next ones `.1`, `.2`… (§7; at most 5). */
function addValues(out: Record<string, string>, prefix: string, values: Record<string, string[]>): void {
  for (const [name, list] of Object.entries(values)) {
    list.slice(0, 5).forEach((value, i) => {
      out[i === 0 ? `${prefix}.${name}` : `${prefix}.${name}.${i}`] = value;
    });
  }
}

/** The `iot:Certificate.*` policy variables of a certificate, keyed without `${}`. */
export function certificatePolicyVariables(cert: ParsedCertificate): Record<string, string> {
  const out: Record<string, string> = { 'iot:Certificate.SerialNumber': cert.serialNumber };
  addValues(out, 'iot:Certificate.Subject', cert.subjectAll);
  addValues(out, 'iot:Certificate.Issuer', cert.issuerAll);
  const alt = cert.subjectAltNames;
  addValues(out, 'iot:Certificate.Subject.AlternativeName', {
    DNSName: alt.dns,
    IPAddress: alt.ip,
    UniformResourceIdentifier: alt.uri,
    RFC822Name: alt.email,
  });
  return out;
}
