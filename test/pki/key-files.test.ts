import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCertificateAuthority, writeCertificateFile, writePrivateKeyFile } from '../../src/pki/index.js';
import { tempDir } from '../helpers/temp.js';

const mode = (path: string) => statSync(path).mode & 0o777;

test('keys are written 0600 and certificates 0644, atomically, replacing what was there, whatever the umask', async () => {
  const dir = tempDir();
  const previousUmask = process.umask(0o077);
  try {
    const ca = await createCertificateAuthority({ commonName: 'Test CA', nowMs: Date.now() });
    const keyPath = join(dir, 'ca.key');
    const certPath = join(dir, 'ca.crt');
    writeFileSync(keyPath, 'old', { mode: 0o666 });
    writePrivateKeyFile(keyPath, ca.privateKeyPem);
    writeCertificateFile(certPath, ca.certificatePem);
    assert.equal(mode(keyPath), 0o600);
    assert.equal(mode(certPath), 0o644);
    assert.equal(readFileSync(keyPath, 'utf8'), ca.privateKeyPem);
    assert.equal(readFileSync(certPath, 'utf8'), ca.certificatePem);
    assert.deepEqual(readdirSync(dir).sort(), ['ca.crt', 'ca.key'], 'no temporary files left behind');
  } finally {
    process.umask(previousUmask);
    rmSync(dir, { recursive: true, force: true });
  }
});
