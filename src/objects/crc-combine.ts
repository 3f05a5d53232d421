import type { ChecksumAlgorithm } from './types.js';

/**
 * crc(A‖B) from crc(A), crc(B) and |B|, for the reflected CRCs S3 uses
 * (zlib's crc32_combine: multiply by the matrix that appends |B| zero bytes).
 * This gives a multipart upload its FULL_OBJECT checksum without reading
 * the parts again. Bit vectors are BigInts (CRC64 needs 64 bits); the
 * matrix for a length is kept, since most parts share one size.
 */
const POLYS: Partial<Record<ChecksumAlgorithm, { width: number; poly: bigint }>> = {
  CRC32: { width: 32, poly: 0xedb88320n },
  CRC32C: { width: 32, poly: 0x82f63b78n },
  CRC64NVME: { width: 64, poly: 0x9a6c9329ac4bc9b5n },
};

type Matrix = bigint[];

function times(mat: Matrix, vec: bigint): bigint {
  let sum = 0n;
  for (let i = 0; vec !== 0n; i++, vec >>= 1n) if (vec & 1n) sum ^= mat[i]!;
  return sum;
}

/** a∘b: apply b, then a. */
function compose(a: Matrix, b: Matrix): Matrix {
  return b.map((column) => times(a, column));
}

function oneZeroBit(width: number, poly: bigint): Matrix {
  const m: Matrix = [poly];
  for (let n = 1, row = 1n; n < width; n++, row <<= 1n) m.push(row);
  return m;
}

const cache = new Map<string, Matrix>();

/** The operator that appends `bytes` zero bytes to a CRC's state. */
function zerosOperator(algorithm: ChecksumAlgorithm, bytes: number): Matrix {
  const id = `${algorithm}:${bytes}`;
  const hit = cache.get(id);
  if (hit) return hit;
  const { width, poly } = POLYS[algorithm]!;
  let power = oneZeroBit(width, poly);
  for (let i = 0; i < 3; i++) power = compose(power, power); // 8 bits = one byte
  let result: Matrix | undefined;
  for (let n = bytes; n > 0; n = Math.floor(n / 2)) {
    if (n % 2 === 1) result = result ? compose(power, result) : power;
    if (n > 1) power = compose(power, power);
  }
  const out = result ?? Array.from({ length: width }, (_, i) => 1n << BigInt(i));
  if (cache.size > 64) cache.clear();
  cache.set(id, out);
  return out;
}

export const canCombine = (algorithm: ChecksumAlgorithm): boolean => POLYS[algorithm] !== undefined;

const toBig = (b: Buffer): bigint => BigInt(`0x${b.toString('hex')}`);
function toBuffer(v: bigint, width: number): Buffer {
  return Buffer.from(v.toString(16).padStart(width / 4, '0'), 'hex');
}

/** The CRC of the concatenation of parts, given each part's CRC (big-endian bytes) and length. */
export function combineCrcs(algorithm: ChecksumAlgorithm, parts: Array<{ crc: Buffer; size: number }>): Buffer {
  const { width } = POLYS[algorithm]!;
  let crc: bigint | undefined;
  for (const part of parts) {
    const next = toBig(part.crc);
    crc = crc === undefined ? next : part.size === 0 ? crc : times(zerosOperator(algorithm, part.size), crc) ^ next;
  }
  return toBuffer(crc ?? 0n, width);
}
