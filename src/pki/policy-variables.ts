import type { AltNames, ParsedCertificate } from './inspect.js';
import { POLICY_DN_NAMES } from './names.js';

// aws-wire-protocols.md §7 and AWS "Using X.509 certificate policy variables":
// attribute arrays are capped at five items; the first value is the bare
// variable, the next ones `.1`, `.2`… (one-based index beyond the first);
// `.List` names all of them (for conditions).
const MAX_VALUES = 5;

// AWS "Special Characters": , " \ + = < > ; are prefixed with a backslash in the
// substituted value. (Values holding * $ + ? # or over 1024 characters are then
// left unsubstituted by the policy engine, src/policy/variables.ts.)
const escapeValue = (value: string) => value.replace(/[,"\\+=<>;]/g, (c) => `\\${c}`);

function altNameValues(alt: AltNames): Record<string, string[]> {
  return { RFC822Name: alt.email, DNSName: alt.dns, DirectoryName: alt.directoryName, UniformResourceIdentifier: alt.uri, IPAddress: alt.ip };
}

/** Every multi-valued certificate attribute AWS exposes, by variable name, values escaped and capped. */
function attributeLists(cert: ParsedCertificate): Map<string, string[]> {
  const lists = new Map<string, string[]>();
  const add = (name: string, values: string[] | undefined) => {
    if (values?.length) lists.set(name, values.slice(0, MAX_VALUES).map(escapeValue));
  };
  for (const name of POLICY_DN_NAMES) {
    add(`iot:Certificate.Subject.${name}`, cert.subjectAll[name]);
    add(`iot:Certificate.Issuer.${name}`, cert.issuerAll[name]);
  }
  for (const [name, values] of Object.entries(altNameValues(cert.subjectAltNames))) add(`iot:Certificate.Subject.AlternativeName.${name}`, values);
  for (const [name, values] of Object.entries(altNameValues(cert.issuerAltNames))) add(`iot:Certificate.Issuer.AlternativeName.${name}`, values);
  return lists;
}

/** AWS: "AWS IoT Core treats the certificate serial number as the string representation of a decimal integer." */
const decimalSerial = (hex: string) => BigInt(`0x${hex || '0'}`).toString(10);

/**
 * The `iot:Certificate.*` policy variables of a certificate, keyed without `${}`:
 * Subject.<attr>, Issuer.<attr>, Subject/Issuer.AlternativeName.<kind>
 * (first value bare, further values `.1`…`.4`) and SerialNumber (decimal).
 */
export function certificatePolicyVariables(cert: ParsedCertificate): Record<string, string> {
  const out: Record<string, string> = { 'iot:Certificate.SerialNumber': decimalSerial(cert.serialNumber) };
  for (const [name, values] of attributeLists(cert)) {
    values.forEach((value, i) => {
      out[i === 0 ? name : `${name}.${i}`] = value;
    });
  }
  return out;
}

/**
 * The list-valued keys, for condition contexts: `<variable>.List` for each
 * attribute that has values, and `iot:Certificate.AvailableKeys`, "the name of
 * all certificate policy variables that contain values".
 */
export function certificateListVariables(cert: ParsedCertificate): Record<string, string[]> {
  const lists = attributeLists(cert);
  const out: Record<string, string[]> = {};
  for (const [name, values] of lists) out[`${name}.List`] = values;
  out['iot:Certificate.AvailableKeys'] = ['iot:Certificate.SerialNumber', ...lists.keys()];
  return out;
}
