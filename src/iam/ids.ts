import { randomBytes } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/**
 * IAM's unique ids: a four-letter prefix naming the kind (AROA role, ANPA
 * managed policy) and 17 upper-case characters, 21 in all as on AWS.
 */
export function newIamId(prefix: 'AROA' | 'ANPA' | 'AIDA' | 'AGPA'): string {
  let out = prefix;
  for (const b of randomBytes(17)) out += ALPHABET[b % 32];
  return out;
}

/** A session token: short on purpose, so the credentials provider's reply stays under 2,048 bytes (§8). */
export const newSessionToken = (): string => randomBytes(36).toString('base64');
