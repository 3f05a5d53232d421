import { invalidInput } from '../errors.js';

/** Name and value patterns from the IoT model (aws-wire-protocols.md §3.3). */
const THING_NAME = /^[a-zA-Z0-9:_-]{1,128}$/;
const POLICY_NAME = /^[\w+=,.@-]{1,128}$/;
const CERTIFICATE_ID = /^(0x)?[a-fA-F0-9]{64}$/;
const ATTRIBUTE_NAME = /^[a-zA-Z0-9_.,@/:#-]{1,128}$/;
const ATTRIBUTE_VALUE = /^[a-zA-Z0-9_.,@/:#=[\]-]{0,800}$/;
const TAG_KEY = /^[\p{L}\p{Z}\p{N}_.:/=+@-]{1,128}$/u;

function check(pattern: RegExp, value: unknown, what: string, rule: string): string {
  if (typeof value !== 'string' || !pattern.test(value)) {
    throw invalidInput(`${what} ${JSON.stringify(value)} is not valid: it must be ${rule}.`);
  }
  return value;
}

const NAME_RULE = '1 to 128 characters from a-z, A-Z, 0-9, colon, underscore and hyphen';

export const thingName = (v: unknown): string => check(THING_NAME, v, 'Thing name', NAME_RULE);
export const thingGroupName = (v: unknown): string => check(THING_NAME, v, 'Thing group name', NAME_RULE);
export const thingTypeName = (v: unknown): string => check(THING_NAME, v, 'Thing type name', NAME_RULE);
export const policyName = (v: unknown): string =>
  check(POLICY_NAME, v, 'Policy name', '1 to 128 characters from letters, digits and +=,.@_-');

/** A certificate id: 64 hex digits, optionally 0x-prefixed; answered in lowercase. */
export function certificateId(v: unknown): string {
  const id = check(CERTIFICATE_ID, v, 'Certificate id', '64 hexadecimal digits');
  return id.replace(/^0x/, '').toLowerCase();
}

export function attributeName(v: unknown): string {
  return check(ATTRIBUTE_NAME, v, 'Attribute name', '1 to 128 characters from a-z, A-Z, 0-9 and _.,@/:#-');
}
export function attributeValue(v: unknown, name: string): string {
  return check(ATTRIBUTE_VALUE, v, `The value of attribute ${name}`, 'a string of at most 800 characters from a-z, A-Z, 0-9 and _.,@/:#=[]-');
}

export function tagKey(v: unknown): string {
  return check(TAG_KEY, v, 'Tag key', '1 to 128 letters, digits, spaces or _.:/=+-@');
}
export function tagValue(v: unknown, key: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string' || v.length > 256) throw invalidInput(`The value of tag ${key} must be a string of at most 256 characters.`);
  return v;
}

export function optionalString(v: unknown, what: string, max: number): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v.length > max) throw invalidInput(`${what} must be a string of at most ${max} characters.`);
  return v;
}

export function requiredString(v: unknown, what: string, max = 65536): string {
  if (typeof v !== 'string' || v.length === 0) throw invalidInput(`${what} is required.`);
  if (v.length > max) throw invalidInput(`${what} must be at most ${max} characters.`);
  return v;
}

export function optionalBoolean(v: unknown, what: string): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw invalidInput(`${what} must be true or false.`);
  return v;
}

export function optionalInteger(v: unknown, what: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw invalidInput(`${what} must be an integer.`);
  return v;
}

export function stringList(v: unknown, what: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) throw invalidInput(`${what} must be a list of strings.`);
  return v as string[];
}

export function oneOf<T extends string>(v: unknown, allowed: readonly T[], what: string): T {
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw invalidInput(`${what} must be one of ${allowed.join(', ')} (got ${JSON.stringify(v)}).`);
  }
  return v as T;
}
