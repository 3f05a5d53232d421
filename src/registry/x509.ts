import { createPrivateKey, createPublicKey } from 'node:crypto';
import { invalidInput } from '../errors.js';
import * as pki from '../pki/index.js';
import type { IssuingCa } from './deps.js';

/**
 * The registry's view of the PKI: parse what users send (any failure is a
 * CertificateValidationException), issue what CreateKeysAndCertificate and
 * CreateCertificateFromCsr return.
 */
export type ParsedCertificate = pki.ParsedCertificate;

const invalidCertificate = (message: string) => invalidInput(message, 'certificate-validation');

/** Parses a PEM certificate the client sent; a bad one is refused as AWS does. */
export function readCertificate(pem: string, what = 'certificate'): ParsedCertificate {
  try {
    return pki.parseCertificate(pem);
  } catch (error) {
    throw invalidCertificate(`The ${what} is not a valid PEM X.509 certificate: ${(error as Error).message}`);
  }
}

export function isIssuedBy(certPem: string, caPem: string): boolean {
  try {
    return pki.isIssuedBy(certPem, caPem);
  } catch {
    return false;
  }
}

/** iot:Certificate.* policy variables of a certificate. */
export function certificateVariables(parsed: ParsedCertificate): Record<string, string | undefined> {
  return pki.certificatePolicyVariables(parsed);
}

/**
 * aws-wire-protocols.md §3.3: CreateKeysAndCertificate answers a 2048-bit RSA key
 * pair: the private key in PKCS#1 (`BEGIN RSA PRIVATE KEY`), the public key in SPKI.
 */
export async function newRsaKeyPair(): Promise<{ publicKeyPem: string; privateKeyPem: string }> {
  const pair = await pki.generateKeyPair('rsa-2048');
  const privateKey = createPrivateKey(pair.privateKeyPem);
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    publicKeyPem: createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString(),
  };
}

// AWS names the certificates it issues this way; policies may test ${iot:Certificate.Subject.CommonName}.
const ISSUED_COMMON_NAME = 'AWS IoT Certificate';

export async function issueForPublicKey(ca: IssuingCa, publicKeyPem: string, nowMs: number): Promise<string> {
  return pki.issueDeviceCertificate({ ca, publicKeyPem, subject: { commonName: ISSUED_COMMON_NAME }, nowMs });
}

export async function signCsr(ca: IssuingCa, csrPem: string, nowMs: number): Promise<string> {
  // pki refuses a bad CSR with InvalidInput (InvalidRequestException), as AWS does.
  return pki.signCertificateSigningRequest({ ca, csrPem, nowMs });
}

/** PEM as stored and answered: Unix line endings and a final newline. */
export function normalizePem(pem: string): string {
  return `${pem.replace(/\r\n/g, '\n').trim()}\n`;
}
