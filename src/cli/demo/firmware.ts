import { createHash, randomBytes } from 'node:crypto';
import { openSync, writeSync, closeSync } from 'node:fs';

/** A firmware image of random bytes (written in 1 MiB pieces), and its SHA-256. */
export function makeFirmware(path: string, size: number): { path: string; size: number; sha256: string } {
  const hash = createHash('sha256');
  const fd = openSync(path, 'w');
  try {
    for (let left = size; left > 0; ) {
      const chunk = randomBytes(Math.min(left, 1024 * 1024));
      writeSync(fd, chunk);
      hash.update(chunk);
      left -= chunk.length;
    }
  } finally {
    closeSync(fd);
  }
  return { path, size, sha256: hash.digest('hex') };
}
