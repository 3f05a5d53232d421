import { randomBytes, randomUUID } from 'node:crypto';

/** Random ids, in one place so their shapes stay consistent. */
export const newUuid = (): string => randomUUID();
export const newRequestId = (): string => randomUUID();
export const randomHex = (bytes: number): string => randomBytes(bytes).toString('hex');

const ACCESS_KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
/** An AWS-looking access key id: prefix + 16 base32 characters (AKIA… long-term, ASIA… temporary). */
export function newAccessKeyId(prefix: 'AKIA' | 'ASIA'): string {
  const bytes = randomBytes(16);
  let out = prefix;
  for (const b of bytes) out += ACCESS_KEY_ALPHABET[b % 32];
  return out;
}
export const newSecretAccessKey = (): string => randomBytes(30).toString('base64').replace(/[+/=]/g, 'x').slice(0, 40);
/** A 12-digit account id that does not start with 0. */
export function newAccountId(): string {
  const digits = randomBytes(12);
  let out = String(1 + (digits[0]! % 9));
  for (let i = 1; i < 12; i++) out += String(digits[i]! % 10);
  return out;
}
