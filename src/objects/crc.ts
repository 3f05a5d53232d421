import { crc32 as zlibCrc32 } from 'node:zlib';

/**
 * The CRCs of S3's flexible checksums, incremental: `update(bytes)` then
 * `digest()` gives the big-endian bytes S3 base64-encodes. CRC32 is zlib's
 * (native); CRC32C (Castagnoli) and CRC64/NVME are table-driven here
 * (slicing by 8 for CRC32C, which the AWS CLI's CRT path may send).
 */
export interface Crc {
  update(data: Uint8Array): void;
  digest(): Buffer;
}

function be32(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(value >>> 0);
  return out;
}

export function crc32(): Crc {
  let value = 0;
  return {
    update: (data) => {
      value = zlibCrc32(data, value);
    },
    digest: () => be32(value),
  };
}

const CRC32C_POLY = 0x82f63b78;
const CRC32C_TABLES: Uint32Array[] = (() => {
  const tables = Array.from({ length: 8 }, () => new Uint32Array(256));
  const t0 = tables[0]!;
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? CRC32C_POLY ^ (c >>> 1) : c >>> 1;
    t0[n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    let c = t0[n]!;
    for (let k = 1; k < 8; k++) {
      c = t0[c & 0xff]! ^ (c >>> 8);
      tables[k]![n] = c >>> 0;
    }
  }
  return tables;
})();

const [T0, T1, T2, T3, T4, T5, T6, T7] = CRC32C_TABLES as [Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array];

function crc32cUpdate(crcIn: number, data: Uint8Array): number {
  const t0 = T0, t1 = T1, t2 = T2, t3 = T3, t4 = T4, t5 = T5, t6 = T6, t7 = T7;
  let crc = ~crcIn >>> 0;
  let i = 0;
  const end8 = data.length - (data.length % 8);
  for (; i < end8; i += 8) {
    const a = (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24)) ^ crc;
    crc =
      t7[a & 0xff]! ^
      t6[(a >>> 8) & 0xff]! ^
      t5[(a >>> 16) & 0xff]! ^
      t4[a >>> 24]! ^
      t3[data[i + 4]!]! ^
      t2[data[i + 5]!]! ^
      t1[data[i + 6]!]! ^
      t0[data[i + 7]!]!;
  }
  for (; i < data.length; i++) crc = t0[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}

export function crc32c(): Crc {
  let value = 0;
  return {
    update: (data) => {
      value = crc32cUpdate(value, data);
    },
    digest: () => be32(value),
  };
}

// CRC-64/NVME, reflected polynomial 0x9a6c9329ac4bc9b5, kept as two 32-bit halves.
const NVME_HI = 0x9a6c9329;
const NVME_LO = 0xac4bc9b5;
const [CRC64_HI, CRC64_LO] = (() => {
  const hi = new Uint32Array(256);
  const lo = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let h = 0;
    let l = n;
    for (let k = 0; k < 8; k++) {
      const carry = l & 1;
      l = ((l >>> 1) | ((h & 1) << 31)) >>> 0;
      h = h >>> 1;
      if (carry) {
        h = (h ^ NVME_HI) >>> 0;
        l = (l ^ NVME_LO) >>> 0;
      }
    }
    hi[n] = h;
    lo[n] = l;
  }
  return [hi, lo];
})();

export function crc64nvme(): Crc {
  let hi = 0xffffffff;
  let lo = 0xffffffff;
  return {
    update: (data) => {
      for (let i = 0; i < data.length; i++) {
        const idx = (lo ^ data[i]!) & 0xff;
        lo = ((lo >>> 8) | ((hi & 0xff) << 24)) ^ CRC64_LO[idx]!;
        hi = (hi >>> 8) ^ CRC64_HI[idx]!;
      }
    },
    digest: () => {
      const out = Buffer.alloc(8);
      out.writeUInt32BE((~hi) >>> 0, 0);
      out.writeUInt32BE((~lo) >>> 0, 4);
      return out;
    },
  };
}
