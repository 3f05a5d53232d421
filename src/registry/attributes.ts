import { invalidInput } from '../errors.js';
import { dictionary } from '../records.js';
import { attributeName, attributeValue } from './validate.js';

/** An attribute payload as CreateThing/UpdateThing/…ThingGroup take it. */
export interface AttributePayload {
  attributes?: Record<string, string> | undefined;
  /** Merge into the stored attributes instead of replacing them (Update only). */
  merge?: boolean | undefined;
}

/** Validates an attribute map; empty values are kept (they mean "remove" when merging). */
export function validAttributes(value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidInput('attributes must be a map of strings.');
  const out = dictionary<string>();
  for (const [name, v] of Object.entries(value as Record<string, unknown>)) {
    out[attributeName(name)] = attributeValue(v, name);
  }
  return out;
}

/** Drops empty values: an empty value means "no such attribute" (API_AttributePayload). */
export function withoutEmpty(attributes: Record<string, string>): Record<string, string> {
  return dictionary(Object.entries(attributes).filter(([, v]) => v !== ''));
}

/** The attributes after an update: merged (empty value removes) or replaced. */
export function applyPayload(current: Record<string, string>, payload: AttributePayload): Record<string, string> {
  const given = validAttributes(payload.attributes);
  return withoutEmpty(payload.merge ? { ...current, ...given } : given);
}

export function sameAttributes(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => b[k] === a[k]);
}

/** DG thing-types.md: things with a thing type may have 50 attributes, things without one 3. */
export function checkAttributeCount(attributes: Record<string, string>, typed: boolean): void {
  const max = typed ? 50 : 3;
  const count = Object.keys(attributes).length;
  if (count > max) {
    throw invalidInput(
      typed
        ? `A thing can have at most 50 attributes (got ${count}).`
        : `A thing without a thing type can have at most 3 attributes (got ${count}); give it a thing type for up to 50.`,
    );
  }
}
