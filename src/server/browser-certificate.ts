/**
 * The operator's certificate for browsers (`--tls-cert FILE --tls-key FILE`):
 * the api and s3 listeners serve it instead of Ferry's own, while the device
 * and MQTT listeners keep Ferry's CA, which kits pin. SIGHUP re-reads both
 * files (a renewal); a file that does not parse, or a key that is not the
 * certificate's, keeps the certificate served and is logged.
 *
 * Clients that trust only endpoints.json's caFile (the CLI, the AWS profile's
 * ca_bundle, connection kits and so the agent's downloads) must trust this
 * chain too: DIR/pki/ca-bundle.pem holds Ferry's CA and the chain's
 * certificates, and caFile names it while --tls-cert is set.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import tls from 'node:tls';
import type { Logger } from 'pino';
import { writeFileAtomic } from '../fs/write-atomic.js';
import type { TlsContexts } from './tls-contexts.js';

export interface BrowserCertificateFiles {
  certFile: string;
  keyFile: string;
}

export interface BrowserPem {
  cert: string;
  key: string;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** The certificates of a PEM chain, each as its own PEM block. */
export function certificatesOf(pem: string): string[] {
  return pem.match(PEM_CERTIFICATE) ?? [];
}

/**
 * Reads and checks the pair: at least one certificate, and a key that is the
 * first certificate's (node's own check, as a listener would make it).
 */
export function readBrowserPem(files: BrowserCertificateFiles): BrowserPem {
  const cert = readFileSync(files.certFile, 'utf8');
  const key = readFileSync(files.keyFile, 'utf8');
  if (certificatesOf(cert).length === 0) throw new Error(`${files.certFile} holds no PEM certificate`);
  try {
    tls.createSecureContext({ cert, key });
  } catch (error) {
    throw new Error(`${files.certFile} and ${files.keyFile} are not a usable certificate and key: ${(error as Error).message}`);
  }
  return { cert, key };
}

/** Both flags or neither: one alone is a mistake worth stopping for. */
export function browserCertificateFiles(options: { tlsCertFile?: string | undefined; tlsKeyFile?: string | undefined }): BrowserCertificateFiles | undefined {
  const { tlsCertFile, tlsKeyFile } = options;
  if (!tlsCertFile && !tlsKeyFile) return undefined;
  if (!tlsCertFile || !tlsKeyFile) throw new Error('--tls-cert and --tls-key (tls.certFile and tls.keyFile) go together: give both or neither');
  return { certFile: resolve(tlsCertFile), keyFile: resolve(tlsKeyFile) };
}

/** Ferry's CA and the chain's certificates, for clients that trust one file. */
export function trustBundle(caCertPem: string, chainPem: string): string {
  return [caCertPem.trim(), ...certificatesOf(chainPem)].join('\n') + '\n';
}

export class BrowserCertificate {
  constructor(
    private readonly files: BrowserCertificateFiles,
    /** What the api and s3 listeners serve now (read at start). */
    public current: BrowserPem,
    private readonly deps: { tls: TlsContexts; logger: Logger; caCertPem: string; bundleFile: string },
  ) {
    this.writeBundle();
  }

  static load(files: BrowserCertificateFiles, deps: BrowserCertificate['deps']): BrowserCertificate {
    return new BrowserCertificate(files, readBrowserPem(files), deps);
  }

  /** Re-reads the files; serves them if they are good, else keeps the current pair. True when it changed. */
  reload(): boolean {
    let next: BrowserPem;
    try {
      next = readBrowserPem(this.files);
    } catch (error) {
      this.deps.logger.error({ err: error, certFile: this.files.certFile, keyFile: this.files.keyFile }, 'tls: keeping the served api/s3 certificate: the new files are unusable');
      return false;
    }
    if (next.cert === this.current.cert && next.key === this.current.key) {
      this.deps.logger.info('tls: --tls-cert unchanged');
      return false;
    }
    this.current = next;
    this.deps.tls.reload(next.cert, next.key, 'browser');
    this.writeBundle();
    this.deps.logger.info({ certFile: this.files.certFile }, 'tls: the api and s3 listeners serve the new certificate');
    return true;
  }

  private writeBundle(): void {
    writeFileAtomic(this.deps.bundleFile, trustBundle(this.deps.caCertPem, this.current.cert), 0o644);
  }
}
