import { invalidInput } from '../errors.js';

/**
 * IAM's input constraints, from the IAM model, with the wording AWS's
 * validation layer uses ("1 validation error detected: Value 'x' at
 * 'roleName' failed to satisfy constraint: …"), reason 'validation' →
 * ValidationError (aws-wire-protocols.md §6).
 */
export interface StringRule {
  min: number;
  max: number;
  pattern?: RegExp;
  /** The pattern as AWS prints it. */
  patternText?: string;
}

function violation(value: unknown, field: string, constraint: string): Error {
  const shown = value === undefined || value === null ? 'null' : `'${String(value)}'`;
  return invalidInput(`1 validation error detected: Value ${shown} at '${field}' failed to satisfy constraint: ${constraint}`, 'validation');
}

export function requiredString(value: string | undefined, field: string, rule: StringRule): string {
  if (value === undefined) throw violation(value, field, 'Member must not be null');
  if (value.length < rule.min) throw violation(value, field, `Member must have length greater than or equal to ${rule.min}`);
  if (value.length > rule.max) throw violation(value, field, `Member must have length less than or equal to ${rule.max}`);
  if (rule.pattern && !rule.pattern.test(value)) {
    throw violation(value, field, `Member must satisfy regular expression pattern: ${rule.patternText ?? rule.pattern.source}`);
  }
  return value;
}

export function optionalString(value: string | undefined, field: string, rule: StringRule): string | undefined {
  return value === undefined ? undefined : requiredString(value, field, rule);
}

export function integerIn(value: string | undefined, field: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n)) throw violation(value, field, 'Member must be an integer');
  if (n < min) throw violation(value, field, `Member must have value greater than or equal to ${min}`);
  if (n > max) throw violation(value, field, `Member must have value less than or equal to ${max}`);
  return n;
}

export function booleanParam(value: string | undefined, field: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw violation(value, field, 'Member must be true or false');
}

const NAME = /^[\w+=,.@-]+$/;
export const ROLE_NAME: StringRule = { min: 1, max: 64, pattern: NAME, patternText: '[\\w+=,.@-]+' };
export const POLICY_NAME: StringRule = { min: 1, max: 128, pattern: NAME, patternText: '[\\w+=,.@-]+' };
export const PATH: StringRule = { min: 1, max: 512, pattern: /^(\/|\/[\x21-\x7e]+\/)$/, patternText: '(\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)' };
export const PATH_PREFIX: StringRule = { min: 1, max: 512, pattern: /^\/[\x21-\x7f]*$/, patternText: '\\u002F[\\u0021-\\u007F]*' };
export const DESCRIPTION: StringRule = {
  min: 0,
  max: 1000,
  pattern: /^[\t\n\r\x20-\x7e\xa1-\xff]*$/,
  patternText: '[\\u0009\\u000A\\u000D\\u0020-\\u007E\\u00A1-\\u00FF]*',
};
/** Documents are checked by the policy engine; here only their length. */
export const POLICY_DOCUMENT: StringRule = { min: 1, max: 131072 };
export const ARN: StringRule = { min: 20, max: 2048 };
export const VERSION_ID: StringRule = { min: 1, max: 128, pattern: /^v[1-9][0-9]*(\.[A-Za-z0-9-]*)?$/, patternText: 'v[1-9][0-9]*(\\.[A-Za-z0-9-]*)?' };
export const MARKER: StringRule = { min: 1, max: 320 };

export const MIN_SESSION_DURATION = 3600;
export const MAX_SESSION_DURATION = 43200;

export interface Tag {
  Key: string;
  Value: string;
}

const TAG_KEY: StringRule = { min: 1, max: 128, pattern: /^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u, patternText: '[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+' };
const TAG_VALUE: StringRule = { min: 0, max: 256, pattern: /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u, patternText: '[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*' };

/** At most 50 tags, keys unique regardless of case (IAM's rule). */
export function validTags(tags: Tag[]): Tag[] {
  if (tags.length > 50) throw violation(`${tags.length} tags`, 'tags', 'Member must have length less than or equal to 50');
  const seen = new Set<string>();
  for (const [i, tag] of tags.entries()) {
    requiredString(tag.Key, `tags.${i + 1}.member.key`, TAG_KEY);
    requiredString(tag.Value, `tags.${i + 1}.member.value`, TAG_VALUE);
    const key = tag.Key.toLowerCase();
    if (seen.has(key)) throw invalidInput('Duplicate tag keys found. Please note that Tag keys are case insensitive.');
    seen.add(key);
  }
  return tags;
}

export const USER_NAME: StringRule = { min: 1, max: 64, pattern: NAME, patternText: '[\\w+=,.@-]+' };
export const GROUP_NAME: StringRule = { min: 1, max: 128, pattern: NAME, patternText: '[\\w+=,.@-]+' };
export const ACCESS_KEY_ID: StringRule = { min: 16, max: 128, pattern: /^[\w]+$/, patternText: '[\\w]+' };
export const PASSWORD: StringRule = { min: 1, max: 128, pattern: /^[\u0009\u000A\u000D\u0020-\u00FF]+$/, patternText: '[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+' };
