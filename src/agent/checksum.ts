/**
 * Checksums named in job documents. SHA-256, SHA-384 and SHA-512 are
 * accepted; weaker ones (MD5, SHA-1) are refused rather than trusted. Values
 * may be hex (as the SDK sample agent's documents carry them) or base64 (as
 * S3's x-amz-checksum-sha256 is).
 */
import { createHash, type Hash } from 'node:crypto';
import { rejected } from './outcome.js';

export type HashAlgorithm = 'sha256' | 'sha384' | 'sha512';

export interface Checksum {
  algorithm: HashAlgorithm;
  /** Lowercase hex. */
  value: string;
}

const DIGEST_BYTES: Record<HashAlgorithm, number> = { sha256: 32, sha384: 48, sha512: 64 };

/** 'SHA256', 'sha-256', 'SHA_256' → 'sha256'; anything else is REJECTED (reason `unsupported-checksum`). */
export function hashAlgorithm(name: unknown): HashAlgorithm {
  const n = typeof name === 'string' ? name.toLowerCase().replace(/[-_\s]/g, '') : '';
  if (n === 'sha256' || n === 'sha384' || n === 'sha512') return n;
  throw rejected('unsupported-checksum', `The checksum algorithm '${String(name)}' is not supported; use SHA256, SHA384 or SHA512.`);
}

function digestHex(algorithm: HashAlgorithm, value: unknown): string {
  const bytes = DIGEST_BYTES[algorithm];
  if (typeof value === 'string') {
    const v = value.trim();
    if (new RegExp(`^[0-9a-fA-F]{${bytes * 2}}$`).test(v)) return v.toLowerCase();
    if (/^[A-Za-z0-9+/]+={0,2}$/.test(v)) {
      const raw = Buffer.from(v, 'base64');
      if (raw.length === bytes) return raw.toString('hex');
    }
  }
  throw rejected('invalid-checksum', `The ${algorithm} checksum '${String(value)}' is neither ${bytes * 2} hex digits nor base64 of ${bytes} bytes.`);
}

/**
 * The checksum a document names for one file, if any. Accepted forms:
 * - the SDK sample agent's `checksum: { hashAlgorithm: "SHA256", inline: { value } }`;
 * - `checksum: { algorithm, value }`;
 * - `checksum: "sha256:<hex>"` or `checksum: "<64 hex digits>"` (SHA-256);
 * - `sha256: "<hex>"` beside the URL (likewise `sha384`, `sha512`).
 */
export function checksumOf(spec: Record<string, unknown>): Checksum | undefined {
  const c = spec.checksum;
  if (c !== undefined && c !== null) {
    if (typeof c === 'string') {
      const m = /^([a-zA-Z0-9_-]+):(.+)$/.exec(c);
      const algorithm = m ? hashAlgorithm(m[1]) : 'sha256';
      return { algorithm, value: digestHex(algorithm, m ? m[2] : c) };
    }
    if (typeof c === 'object' && !Array.isArray(c)) {
      const o = c as Record<string, unknown>;
      const algorithm = hashAlgorithm(o.hashAlgorithm ?? o.algorithm ?? 'SHA256');
      const inline = o.inline as Record<string, unknown> | undefined;
      return { algorithm, value: digestHex(algorithm, inline && typeof inline === 'object' ? inline.value : o.value) };
    }
    throw rejected('invalid-checksum', 'checksum must be a string or an object with hashAlgorithm and inline.value.');
  }
  for (const algorithm of ['sha256', 'sha384', 'sha512'] as const) {
    if (spec[algorithm] !== undefined) return { algorithm, value: digestHex(algorithm, spec[algorithm]) };
  }
  return undefined;
}

export const newHash = (algorithm: HashAlgorithm): Hash => createHash(algorithm);
