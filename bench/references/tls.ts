/**
 * The TLS identity the reference servers present. When the bench started
 * Ferry it reuses Ferry's own server certificate (same CA, same key type);
 * against a server it cannot read (--endpoint), it issues a server
 * certificate from a CA of its own for 127.0.0.1. Either way mosquitto
 * checks device certificates against Ferry's CA.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCertificateAuthority, issueServerCertificate } from '../../src/pki/index.js';
import type { FerryTarget } from '../ferry/server.js';

export interface ReferenceTls {
  /** CA the clients trust for the reference servers. */
  clientCa: string;
  /** CA that signed the devices' certificates (mosquitto's cafile). */
  deviceCaFile: string;
  certFile: string;
  keyFile: string;
  caFile: string;
}

export async function referenceTls(dir: string, ferry: FerryTarget): Promise<ReferenceTls> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const write = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text, { mode: 0o600 });
    return path;
  };
  const deviceCaFile = write('device-ca.pem', ferry.ca);
  if (ferry.serverTls) {
    return {
      clientCa: ferry.ca,
      deviceCaFile,
      caFile: deviceCaFile,
      certFile: write('server.pem', ferry.serverTls.certPem),
      keyFile: write('server.key', ferry.serverTls.keyPem),
    };
  }
  const nowMs = Date.now();
  const ca = await createCertificateAuthority({ commonName: 'Ferry bench reference CA', organization: 'Ferry bench', nowMs });
  const server = await issueServerCertificate({ ca, dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], nowMs });
  return {
    clientCa: ca.certificatePem,
    deviceCaFile,
    caFile: write('ca.pem', ca.certificatePem),
    certFile: write('server.pem', server.certificatePem),
    keyFile: write('server.key', server.privateKeyPem),
  };
}
