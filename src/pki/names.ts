import { x509 } from './x509.js';

/** Distinguished-name fields a caller may put in an issued certificate's subject. */
export interface SubjectFields {
  commonName?: string;
  organization?: string;
  organizationalUnit?: string;
  country?: string;
  state?: string;
  locality?: string;
  serialNumber?: string;
  title?: string;
  surname?: string;
  givenName?: string;
  initials?: string;
  pseudonym?: string;
  generationQualifier?: string;
  distinguishedNameQualifier?: string;
}

interface DnAttribute {
  field: keyof SubjectFields;
  /** Our name for the attribute: the AWS policy-variable suffix where AWS has one. */
  name: string;
  oid: string;
  /** How OpenSSL (and so node's X509Certificate) labels it. */
  openssl: string;
  /** AWS exposes it as iot:Certificate.Subject.<name> / Issuer.<name> (aws-wire-protocols.md §7). */
  policyVariable: boolean;
}

// In the order they are written into a subject (country first, common name last, as OpenSSL does).
const ATTRIBUTES: readonly DnAttribute[] = [
  { field: 'country', name: 'Country', oid: '2.5.4.6', openssl: 'C', policyVariable: true },
  { field: 'state', name: 'State', oid: '2.5.4.8', openssl: 'ST', policyVariable: true },
  { field: 'locality', name: 'Locality', oid: '2.5.4.7', openssl: 'L', policyVariable: false },
  { field: 'organization', name: 'Organization', oid: '2.5.4.10', openssl: 'O', policyVariable: true },
  { field: 'organizationalUnit', name: 'OrganizationalUnit', oid: '2.5.4.11', openssl: 'OU', policyVariable: true },
  { field: 'commonName', name: 'CommonName', oid: '2.5.4.3', openssl: 'CN', policyVariable: true },
  { field: 'serialNumber', name: 'SerialNumber', oid: '2.5.4.5', openssl: 'serialNumber', policyVariable: true },
  { field: 'distinguishedNameQualifier', name: 'DistinguishedNameQualifier', oid: '2.5.4.46', openssl: 'dnQualifier', policyVariable: true },
  { field: 'title', name: 'Title', oid: '2.5.4.12', openssl: 'title', policyVariable: true },
  { field: 'surname', name: 'Surname', oid: '2.5.4.4', openssl: 'SN', policyVariable: true },
  { field: 'givenName', name: 'GivenName', oid: '2.5.4.42', openssl: 'GN', policyVariable: true },
  { field: 'initials', name: 'Initials', oid: '2.5.4.43', openssl: 'initials', policyVariable: true },
  { field: 'pseudonym', name: 'Pseudonym', oid: '2.5.4.65', openssl: 'pseudonym', policyVariable: true },
  { field: 'generationQualifier', name: 'GenerationQualifier', oid: '2.5.4.44', openssl: 'generationQualifier', policyVariable: true },
];

/** Attributes AWS has no variable for keep a readable name in ParsedCertificate.subject. */
const OTHER_NAMES: Record<string, string> = { emailAddress: 'EmailAddress', DC: 'DomainComponent', UID: 'UserId' };

const BY_OPENSSL = new Map(ATTRIBUTES.map((a) => [a.openssl, a.name]));

/** The names AWS substitutes as iot:Certificate.Subject.* and Issuer.* (§7), in AWS's order of listing. */
export const POLICY_DN_NAMES: readonly string[] = ATTRIBUTES.filter((a) => a.policyVariable).map((a) => a.name);

/**
 * A subject as @peculiar/x509 wants it. Values go in as typed strings, never
 * as DN text, so commas, quotes or a leading '#' stay literal.
 */
export function nameOf(fields: SubjectFields): x509.Name {
  const rdns: x509.JsonAttributeAndObjectValue[] = [];
  for (const { field, oid } of ATTRIBUTES) {
    const value = fields[field];
    if (value === undefined || value === '') continue;
    rdns.push({ [oid]: [x509.Name.isPrintableString(value) ? { printableString: value } : { utf8String: value }] });
  }
  return new x509.Name(rdns);
}

/**
 * A name as node's `toLegacyObject()` gives it (OpenSSL labels, a value or a
 * list of values) → every value per attribute, under our names.
 */
export function readName(legacy: Record<string, string | string[]> | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [label, value] of Object.entries(legacy ?? {})) {
    const name = BY_OPENSSL.get(label) ?? OTHER_NAMES[label] ?? label;
    (out[name] ??= []).push(...(Array.isArray(value) ? value : [value]));
  }
  return out;
}
