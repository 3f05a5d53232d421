import type { PolicyDialect, PolicyVariables } from './types.js';
import type { Resolver } from './template.js';

/**
 * Variable names match case-insensitively, as IAM context keys do, except
 * the part in brackets (`iot:Connection.Thing.Attributes[Color]`), which
 * names a thing attribute and keeps its case.
 */
export function normalizeName(name: string): string {
  const bracket = name.indexOf('[');
  return bracket < 0 ? name.toLowerCase() : name.slice(0, bracket).toLowerCase() + name.slice(bracket);
}

export function variableMap(vars: PolicyVariables): Map<string, string> {
  const map = new Map<string, string>();
  for (const [name, value] of Object.entries(vars)) {
    if (value !== undefined) map.set(normalizeName(name), value);
  }
  return map;
}

// aws-wire-protocols.md §7: certificate attribute values that contain
// `* $ + ? #` or are longer than 1024 characters are not substituted.
const CERT_PREFIX = 'iot:certificate.';
const CERT_UNSAFE = /[*$+?#]/;

export function resolverFor(map: ReadonlyMap<string, string>, dialect: PolicyDialect): Resolver {
  return (name) => {
    const key = normalizeName(name);
    const value = map.get(key);
    if (value === undefined) return undefined;
    if (dialect === 'iot' && key.startsWith(CERT_PREFIX) && (value.length > 1024 || CERT_UNSAFE.test(value))) return undefined;
    return value;
  };
}
