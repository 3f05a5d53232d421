import { malformedPolicy } from '../errors.js';
import { dictionary } from '../records.js';
import { isObject } from './parse-condition.js';
import type { PrincipalMap, PrincipalSpec } from './types.js';

/** Principal/NotPrincipal: `"*"` or `{"AWS"|"Service"|"Federated"|"CanonicalUser": string | [strings]}` (IAM User Guide, "Principal"). */
// Looked up by the document's keys: no prototype, so "constructor" is an unknown principal type.
const KEYS: Readonly<Record<string, keyof PrincipalMap>> = dictionary<keyof PrincipalMap>({
  AWS: 'aws',
  Service: 'service',
  Federated: 'federated',
  CanonicalUser: 'canonicalUser',
});

export function parsePrincipal(raw: unknown, path: string): PrincipalSpec {
  if (raw === '*') return '*';
  if (!isObject(raw)) throw malformedPolicy(`${path} must be "*" or an object such as {"Service": "iot.amazonaws.com"}`);
  const entries = Object.entries(raw);
  if (entries.length === 0) throw malformedPolicy(`${path} must name at least one principal`);
  const out: PrincipalMap = {};
  for (const [key, value] of entries) {
    const field = KEYS[key];
    if (field === undefined) throw malformedPolicy(`${path} has unknown principal type "${key}" (expected AWS, Service, Federated or CanonicalUser)`);
    out[field] = principalValues(value, `${path}.${key}`);
  }
  return out;
}

function principalValues(value: unknown, at: string): string[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) throw malformedPolicy(`${at} must not be empty`);
  return list.map((v) => {
    if (typeof v !== 'string' || v === '') throw malformedPolicy(`${at} must be a non-empty string or an array of them`);
    return v;
  });
}
