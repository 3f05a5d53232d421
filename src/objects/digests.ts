import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { tooLarge } from '../errors.js';
import { crc32, crc32c, crc64nvme, type Crc } from './crc.js';
import type { ChecksumAlgorithm } from './types.js';

type Hasher = Crc | Hash;

export function checksumHasher(algorithm: ChecksumAlgorithm): Hasher {
  switch (algorithm) {
    case 'CRC32':
      return crc32();
    case 'CRC32C':
      return crc32c();
    case 'CRC64NVME':
      return crc64nvme();
    case 'SHA1':
      return createHash('sha1');
    case 'SHA256':
      return createHash('sha256');
  }
}

/** The base64 checksum of a whole buffer (small bodies, composite checksums). */
export function checksumOf(algorithm: ChecksumAlgorithm, data: Uint8Array): string {
  const h = checksumHasher(algorithm);
  h.update(data);
  return h.digest().toString('base64');
}

export interface Digests {
  size: number;
  md5: Buffer;
  sha256Hex?: string;
  checksum?: { algorithm: ChecksumAlgorithm; value: string };
}

/**
 * Passes bytes through unchanged while computing what S3 checks and keeps:
 * MD5 (the ETag), the flexible checksum asked for, SHA-256 when the
 * signature names the payload hash, and the byte count (refusing more than
 * `maxBytes` as soon as it is passed).
 */
export class DigestStream extends Transform {
  private readonly md5 = createHash('md5');
  private readonly sha256?: Hash;
  private readonly checksum?: { algorithm: ChecksumAlgorithm; hasher: Hasher };
  private readonly maxBytes: number;
  private size = 0;
  private result?: Digests;

  constructor(opts: { checksum?: ChecksumAlgorithm; sha256?: boolean; maxBytes: number }) {
    super();
    if (opts.sha256) this.sha256 = createHash('sha256');
    if (opts.checksum) this.checksum = { algorithm: opts.checksum, hasher: checksumHasher(opts.checksum) };
    this.maxBytes = opts.maxBytes;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.size += chunk.length;
    if (this.size > this.maxBytes) {
      done(tooLarge('Your proposed upload exceeds the maximum allowed size'));
      return;
    }
    this.md5.update(chunk);
    this.sha256?.update(chunk);
    this.checksum?.hasher.update(chunk);
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    this.result = {
      size: this.size,
      md5: this.md5.digest(),
      ...(this.sha256 ? { sha256Hex: this.sha256.digest('hex') } : {}),
      ...(this.checksum ? { checksum: { algorithm: this.checksum.algorithm, value: this.checksum.hasher.digest().toString('base64') } } : {}),
    };
    done();
  }

  /** Available once the stream has ended. */
  digests(): Digests {
    if (!this.result) throw new Error('DigestStream read before its end');
    return this.result;
  }
}
