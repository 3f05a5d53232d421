/**
 * `${aws:iot:parameter:NAME}` placeholders (aws-wire-protocols.md §5): filled
 * at CreateJob from the documentParameters of a job made from an AWS-managed
 * template. Every value is checked against the template's own pattern, a
 * required parameter must be given and an unknown one is refused — each error
 * naming the parameter. Pure.
 */
import { invalidInput } from '../errors.js';
import { dictionary } from '../records.js';
import type { DocumentParameter, ManagedTemplate } from './managed-templates.js';

const PARAMETER = /\$\{aws:iot:parameter:([^}]*)\}/g;
// ParameterMap (the Smithy model): keys 1–128 characters [a-zA-Z0-9_-]+, values 1–512 characters.
const KEY = /^[a-zA-Z0-9_-]{1,128}$/;
const MAX_VALUE_CHARS = 512;

/** The documentParameters as a request gave them: a flat object of strings. */
export function documentParametersIn(value: unknown): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidInput('documentParameters must be an object of parameter names to string values.');
  // Prototype-less: a key named __proto__ is stored (and refused as unknown below), never lost.
  const out = dictionary<string>();
  for (const [key, v] of Object.entries(value)) {
    if (!KEY.test(key)) throw invalidInput(`documentParameters key ${JSON.stringify(key)} is not valid: it must be 1 to 128 characters from a-z, A-Z, 0-9, underscore and hyphen.`);
    if (typeof v !== 'string') throw invalidInput(`documentParameters.${key} must be a string.`);
    out[key] = v;
  }
  return out;
}

/** Checks `given` against the template's parameters; returns every parameter's value (an optional one not given is empty). */
export function checkParameters(template: ManagedTemplate, given: Record<string, string>): Record<string, string> {
  const known = new Map(template.documentParameters.map((p) => [p.key, p]));
  for (const key of Object.keys(given)) {
    if (!known.has(key)) {
      const names = [...known.keys()];
      throw invalidInput(`documentParameters.${key} is not a parameter of ${template.templateName}: its parameters are ${names.length ? names.join(', ') : 'none'}.`, 'unexpected-parameter');
    }
  }
  const values: Record<string, string> = {};
  for (const p of template.documentParameters) {
    const value = given[p.key];
    if (value === undefined) {
      if (!p.optional) throw invalidInput(`documentParameters.${p.key} is missing: ${template.templateName} needs it (${p.description} For example ${JSON.stringify(p.example)}).`, 'missing-parameter');
      values[p.key] = '';
      continue;
    }
    checkValue(template, p, value);
    values[p.key] = value;
  }
  return values;
}

function checkValue(template: ManagedTemplate, p: DocumentParameter, value: string): void {
  if (value.length > MAX_VALUE_CHARS) throw invalidInput(`documentParameters.${p.key} is ${value.length} characters: at most ${MAX_VALUE_CHARS} are allowed.`, 'malformed-parameter');
  if (!new RegExp(`^(?:${p.regex})$`, 'u').test(value)) {
    throw invalidInput(`documentParameters.${p.key} ${JSON.stringify(value)} is not valid for ${template.templateName}: it must match ${p.regex} (for example ${JSON.stringify(p.example)}).`, 'malformed-parameter');
  }
}

/** A deep copy of the parsed document with every parameter placeholder replaced by its value. */
export function fillParameters(document: unknown, values: Record<string, string>): unknown {
  const fill = (v: unknown): unknown => {
    if (typeof v === 'string') return v.replace(PARAMETER, (whole, name: string) => (Object.hasOwn(values, name) ? values[name]! : whole));
    if (Array.isArray(v)) return v.map(fill);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fill(x)]));
    return v;
  };
  return fill(document);
}
