import { createPublicKey, webcrypto } from 'node:crypto';
import { invalidInput } from '../errors.js';
import { deviceNotAfter, issueLeaf, type CaMaterial } from './authority.js';
import { importPublicKey, importSigningKey, webCryptoAlgorithm } from './keys.js';
import { nameOf } from './names.js';
import { x509 } from './x509.js';

const invalidCsr = (message: string) => invalidInput(message, 'invalid-csr');

function parseCsr(csrPem: string): x509.Pkcs10CertificateRequest {
  try {
    return new x509.Pkcs10CertificateRequest(csrPem);
  } catch (error) {
    throw invalidCsr(`The certificate signing request is not a valid PKCS#10 request: ${(error as Error).message}`);
  }
}

/** The CSR's public key as SPKI PEM, if it is a kind we issue for (EC P-256/384/521, RSA ≥ 2048). */
function acceptableKey(csr: x509.Pkcs10CertificateRequest): string {
  try {
    const publicKeyPem = csr.publicKey.toString('pem');
    webCryptoAlgorithm(createPublicKey(publicKeyPem));
    return publicKeyPem;
  } catch (error) {
    throw invalidCsr(`The certificate signing request's key is not supported: ${(error as Error).message}`);
  }
}

/**
 * Signs a device's CSR once its self-signature verifies (proof the requester
 * holds the private key). The certificate keeps the CSR's subject, is a
 * clientAuth end-entity certificate, and lasts like AWS's unless `validDays`.
 * Any fault: InvalidInput with reason 'invalid-csr'.
 */
export async function signCertificateSigningRequest(opts: { ca: CaMaterial; csrPem: string; validDays?: number; nowMs: number }): Promise<string> {
  const csr = parseCsr(opts.csrPem);
  const publicKeyPem = acceptableKey(csr);
  const valid = await csr.verify().catch(() => false);
  if (!valid) throw invalidCsr('The certificate signing request signature does not verify.');
  return issueLeaf({
    ca: opts.ca,
    publicKeyPem,
    subject: csr.subjectName,
    usage: 'client',
    notAfterMs: deviceNotAfter(opts.nowMs, opts.validDays),
    nowMs: opts.nowMs,
  });
}

/** A CSR for a key made on the device (the agent, the benchmark and tests). */
export async function createCertificateSigningRequest(opts: { privateKeyPem: string; publicKeyPem: string; commonName: string }): Promise<string> {
  const { key, signing } = await importSigningKey(opts.privateKeyPem);
  const publicKey = await importPublicKey(opts.publicKeyPem);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: nameOf({ commonName: opts.commonName }),
    keys: { privateKey: key, publicKey } as webcrypto.CryptoKeyPair,
    signingAlgorithm: signing,
  });
  return `${csr.toString('pem')}\n`;
}
