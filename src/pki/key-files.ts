import { chmodSync } from 'node:fs';
import { writeFileAtomic } from '../fs/write-atomic.js';

/**
 * Written atomically (a temporary file in the same folder, fsync, rename), so a
 * crash leaves the old file or the new, never half a key. The chmod after the
 * rename makes the mode exact whatever the umask.
 */
function writePem(path: string, pem: string, mode: number): void {
  writeFileAtomic(path, pem, mode);
  chmodSync(path, mode);
}

/** Private keys: readable by the owner only (0600). */
export function writePrivateKeyFile(path: string, pem: string): void {
  writePem(path, pem, 0o600);
}

/** Certificates are public (0644). */
export function writeCertificateFile(path: string, pem: string): void {
  writePem(path, pem, 0o644);
}
