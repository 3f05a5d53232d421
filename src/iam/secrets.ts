/**
 * Secrets at rest (issue 20). SigV4 is an HMAC, so verifying a signature
 * needs the secret itself: access-key secrets are kept sealed under the
 * key-encryption key (src/pki/kek.ts, a file never in the database) and
 * opened only to verify. Session tokens need only comparing: they are kept
 * as a SHA-256. The compact form `s1.` + base64url(iv ‖ tag ‖ ciphertext)
 * fits the access_keys column the plaintext used to fill.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Kek } from '../pki/kek.js';

export interface SecretBox {
  seal(plaintext: string): string;
  open(sealed: string): string;
}

const PREFIX = 's1.';

export const isSealed = (text: string): boolean => text.startsWith(PREFIX);

export function secretBox(kek: Kek): SecretBox {
  return {
    seal(plaintext) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', kek.key, iv);
      const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), data]).toString('base64url');
    },
    open(sealed) {
      if (!isSealed(sealed)) throw new Error('an access key in the database is not sealed under the key-encryption key');
      const raw = Buffer.from(sealed.slice(PREFIX.length), 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', kek.key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    },
  };
}

/** What the database keeps of a session token. */
export const tokenDigest = (token: string): string => `sha256:${createHash('sha256').update(token, 'utf8').digest('hex')}`;

/** Does `presented` match the stored digest (or, for rows older than sealing, the stored token)? */
export function tokenMatches(stored: string, presented: string | undefined): boolean {
  if (presented === undefined) return false;
  const expected = Buffer.from(stored.startsWith('sha256:') ? stored : tokenDigest(stored));
  const actual = Buffer.from(tokenDigest(presented));
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** A box under a key that lives only in this process (tests and tools that keep nothing). */
export function ephemeralSecretBox(): SecretBox {
  const key = randomBytes(32);
  return secretBox({ key, fingerprint: '', file: '' });
}
