/**
 * The key-encryption key (KEK): 32 random bytes in a file of their own, never
 * in the database. The CA's and the server's private keys are kept in the
 * database encrypted under it (AES-256-GCM); the database keeps only the KEK's
 * fingerprint, so a node given another file (or none) can say exactly what is
 * wrong instead of failing to decrypt.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readFileSync, writeSync, closeSync, fsyncSync } from 'node:fs';
import { dirname } from 'node:path';

export interface Kek {
  key: Buffer;
  /** `sha256:` + hex of SHA-256 of the key. */
  fingerprint: string;
  file: string;
}

const KEY_BYTES = 32;

export const kekFingerprint = (key: Buffer): string => `sha256:${createHash('sha256').update(key).digest('hex')}`;

/** Reads the KEK file (base64 of 32 bytes); undefined when the file does not exist. */
export function readKek(file: string): Kek | undefined {
  if (!existsSync(file)) return undefined;
  const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  if (key.length !== KEY_BYTES) throw new Error(`the key-encryption key file ${file} does not hold a ${KEY_BYTES}-byte key (base64)`);
  return { key, fingerprint: kekFingerprint(key), file };
}

/** Makes a new KEK file, mode 0600; refuses to overwrite one. */
export function createKek(file: string): Kek {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const key = randomBytes(KEY_BYTES);
  const fd = openSync(file, 'wx', 0o600);
  try {
    writeSync(fd, `${key.toString('base64')}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return { key, fingerprint: kekFingerprint(key), file };
}

interface Sealed {
  v: 1;
  alg: 'aes-256-gcm';
  iv: string;
  tag: string;
  data: string;
}

/** Encrypts a secret (a private key PEM) under the KEK. */
export function seal(kek: Kek, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', kek.key, iv);
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const sealed: Sealed = { v: 1, alg: 'aes-256-gcm', iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
  return JSON.stringify(sealed);
}

export function unseal(kek: Kek, text: string): string {
  const sealed = JSON.parse(text) as Sealed;
  if (sealed.v !== 1 || sealed.alg !== 'aes-256-gcm') throw new Error('a sealed secret in the database is in an unknown format');
  const decipher = createDecipheriv('aes-256-gcm', kek.key, Buffer.from(sealed.iv, 'base64'));
  decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
  return Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]).toString('utf8');
}
