import { limitExceeded, malformedPolicy } from '../errors.js';
import type { PolicyDialect, PolicyKind } from './types.js';

/**
 * Document size quotas, counted without white space:
 * - IoT: CreatePolicy/CreatePolicyVersion `policyDocument` "maximum length of
 *   2048, excluding whitespace" (IoT API Reference). IoT's CreatePolicy lists
 *   no LimitExceeded error, so an oversized document is MalformedPolicy.
 * - IAM: managed policy 6,144; trust policy 2,048 (default ACLSizePerRole)
 *   (IAM User Guide, "IAM and AWS STS quotas"). IAM answers LimitExceeded
 *   ("Cannot exceed quota for PolicySize: 6144").
 * (aws-wire-protocols.md §6/§7 do not list these numbers.)
 */
export const IOT_MAX_CHARS = 2048;
export const IAM_MAX_CHARS = 6144;
export const IAM_TRUST_MAX_CHARS = 2048;

export function defaultMaxChars(dialect: PolicyDialect, kind: PolicyKind): number {
  if (dialect === 'iot') return IOT_MAX_CHARS;
  return kind === 'trust' ? IAM_TRUST_MAX_CHARS : IAM_MAX_CHARS;
}

export function nonBlankLength(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) n++;
  }
  return n;
}

export function checkSize(text: string, dialect: PolicyDialect, kind: PolicyKind, max: number): void {
  const size = nonBlankLength(text);
  if (size === 0) throw malformedPolicy('Policy document is empty');
  if (size <= max) return;
  if (dialect === 'iot') {
    throw malformedPolicy(`Policy document has ${size} characters (not counting white space); at most ${max} are allowed`);
  }
  throw limitExceeded('policy', `Cannot exceed quota for ${kind === 'trust' ? 'ACLSizePerRole' : 'PolicySize'}: ${max}`);
}

/**
 * IAM accepts only tab, LF, CR and U+0020–U+00FF in policy documents
 * (IAM User Guide, "IAM name requirements").
 */
export function checkIamCharacters(text: string): void {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x09 || c === 0x0a || c === 0x0d || (c >= 0x20 && c <= 0xff)) continue;
    throw malformedPolicy(`Policy document contains a character IAM does not accept (U+${c.toString(16).toUpperCase().padStart(4, '0')}) at position ${i}`);
  }
}
