import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createCertificateAuthority,
  issueServerCertificate,
  parseCertificate,
  writeCertificateFile,
  writePrivateKeyFile,
} from '../pki/index.js';

/** The files a data dir holds, in one place. */
export function dataDirPaths(dataDir: string) {
  const pki = join(dataDir, 'pki');
  return {
    root: dataDir,
    sqlite: join(dataDir, 'ferry.db'),
    objects: join(dataDir, 'objects'),
    pki,
    caCert: join(pki, 'ca.pem'),
    /** Ferry's CA and the --tls-cert chain, named by endpoints.json's caFile while --tls-cert is set. */
    caBundle: join(pki, 'ca-bundle.pem'),
    caKey: join(pki, 'ca.key'),
    serverCert: join(pki, 'server.pem'),
    serverKey: join(pki, 'server.key'),
    endpoints: join(dataDir, 'endpoints.json'),
    awsDir: join(dataDir, 'aws'),
    credentials: join(dataDir, 'aws', 'credentials'),
    config: join(dataDir, 'aws', 'config'),
  };
}
export type DataDirPaths = ReturnType<typeof dataDirPaths>;

export interface PkiMaterial {
  caCertPem: string;
  caKeyPem: string;
  serverCertPem: string;
  serverKeyPem: string;
}

const read = (path: string) => readFileSync(path, 'utf8');

/**
 * The CA is made once and kept; the server certificate is made again only
 * when it would not cover the names asked for (a new --public-host) or is
 * about to expire, so clients that trust the CA keep working.
 */
export async function loadOrCreatePki(
  paths: DataDirPaths,
  names: { dnsNames: string[]; ipAddresses: string[] },
  nowMs: number,
): Promise<PkiMaterial> {
  mkdirSync(paths.pki, { recursive: true, mode: 0o700 });
  if (!existsSync(paths.caCert) || !existsSync(paths.caKey)) {
    const ca = await createCertificateAuthority({ commonName: 'Ferry Root CA', organization: 'Ferry', nowMs });
    writePrivateKeyFile(paths.caKey, ca.privateKeyPem);
    writeCertificateFile(paths.caCert, ca.certificatePem);
  }
  const ca = { certificatePem: read(paths.caCert), privateKeyPem: read(paths.caKey) };
  if (!existsSync(paths.serverCert) || !existsSync(paths.serverKey) || !certificateCovers(read(paths.serverCert), names, nowMs)) {
    const server = await issueServerCertificate({ ca, ...names, nowMs });
    writePrivateKeyFile(paths.serverKey, server.privateKeyPem);
    writeCertificateFile(paths.serverCert, server.certificatePem);
  }
  return { caCertPem: ca.certificatePem, caKeyPem: ca.privateKeyPem, serverCertPem: read(paths.serverCert), serverKeyPem: read(paths.serverKey) };
}

const THIRTY_DAYS_MS = 30 * 24 * 3600 * 1000;

/** True when the certificate names every one of `names` and is not about to expire. */
export function certificateCovers(certPem: string, names: { dnsNames: string[]; ipAddresses: string[] }, nowMs: number): boolean {
  const cert = parseCertificate(certPem);
  if (cert.notAfterMs - nowMs < THIRTY_DAYS_MS) return false;
  const dns = new Set(cert.subjectAltNames.dns);
  const ips = new Set(cert.subjectAltNames.ip.map(normalizeIp));
  return names.dnsNames.every((n) => dns.has(n)) && names.ipAddresses.every((ip) => ips.has(normalizeIp(ip)));
}

const normalizeIp = (ip: string) => (ip === '::1' || ip === '0:0:0:0:0:0:0:1' ? '::1' : ip.toLowerCase());
