import { writeFileAtomic } from '../fs/write-atomic.js';

/** Private keys: written atomically, readable by the owner only. */
export function writePrivateKeyFile(path: string, pem: string): void {
  writeFileAtomic(path, pem, 0o600);
}

export function writeCertificateFile(path: string, pem: string): void {
  writeFileAtomic(path, pem, 0o644);
}
