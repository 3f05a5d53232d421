import { evaluateTrust, nonBlankLength, parsePolicyDocument } from '../policy/index.js';

/**
 * What IAM needs of the policy engine: accept or refuse a document, answer
 * trust questions, and bind a role's policies for a session. The engine
 * raises MalformedPolicy for a bad document and LimitExceeded for an
 * oversized one (managed 6,144, trust 2,048 characters without white space).
 */
export interface PolicyDocuments {
  /** A permissions policy (managed, or inline with `maxChars` 10,240). */
  checkPermissions(text: string, maxChars?: number): void;
  /** A trust policy (AssumeRolePolicyDocument). */
  checkTrust(text: string): void;
}

export const engineDocuments: PolicyDocuments = {
  checkPermissions(text, maxChars) {
    parsePolicyDocument(text, 'iam', maxChars === undefined ? {} : { maxChars });
  },
  checkTrust(text) {
    parsePolicyDocument(text, 'iam', { kind: 'trust' });
  },
};

/** IAM counts a document's size without white space. */
export const sizeOf = (text: string): number => nonBlankLength(text);

/** A role's inline policies together stay within 10,240 characters (IAM quotas). */
export const INLINE_POLICIES_SIZE = 10240;

/** Answers by trust policy text and service: every presigned link asks again (an entry can never go stale). */
const trustAnswers = new Map<string, boolean>();
const MAX_TRUST_ANSWERS = 1000;

/** Does this trust policy let the AWS service `service` (e.g. iot.amazonaws.com) assume the role? */
export function trustsService(trustPolicy: string, service: string): boolean {
  const key = `${service}\n${trustPolicy}`;
  let answer = trustAnswers.get(key);
  if (answer === undefined) {
    const doc = parsePolicyDocument(trustPolicy, 'iam', { kind: 'trust' });
    answer = evaluateTrust(doc, { service }, 'sts:AssumeRole').effect === 'Allow';
    trustAnswers.set(key, answer);
    if (trustAnswers.size > MAX_TRUST_ANSWERS) trustAnswers.delete(trustAnswers.keys().next().value!);
  }
  return answer;
}
