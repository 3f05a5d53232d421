import { createPrivateKey, createPublicKey, generateKeyPair as generateKeyPairCb, webcrypto, X509Certificate, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { invalidInput } from '../errors.js';

type Algorithm = webcrypto.Algorithm;
type EcdsaParams = webcrypto.EcdsaParams;
type RsaHashedImportParams = webcrypto.RsaHashedImportParams;
type EcKeyImportParams = webcrypto.EcKeyImportParams;

const generate = promisify(generateKeyPairCb);

/**
 * ECDSA P-256 by default; RSA-2048 on request (AWS's CreateKeysAndCertificate
 * issues RSA-2048, aws-wire-protocols.md §3.3). 'rsa-2048' is an old spelling of 'rsa'.
 */
export type KeyAlgorithm = 'ec' | 'rsa' | 'rsa-2048';

export interface KeyPairPem {
  /** PKCS#8 PEM. */
  privateKeyPem: string;
  /** SPKI PEM. */
  publicKeyPem: string;
}

export async function generateKeyPair(alg: KeyAlgorithm = 'ec'): Promise<KeyPairPem> {
  const encoding = { publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } } as const;
  // promisify loses the string overloads of generateKeyPair: the PEM encodings above make both strings.
  const pair = (alg === 'ec'
    ? await generate('ec', { namedCurve: 'P-256', ...encoding })
    : await generate('rsa', { modulusLength: 2048, ...encoding })) as unknown as { privateKey: string; publicKey: string };
  return { privateKeyPem: pair.privateKey, publicKeyPem: pair.publicKey };
}

const CURVES: Record<string, { namedCurve: string; hash: string }> = {
  prime256v1: { namedCurve: 'P-256', hash: 'SHA-256' },
  secp384r1: { namedCurve: 'P-384', hash: 'SHA-384' },
  secp521r1: { namedCurve: 'P-521', hash: 'SHA-512' },
};

/**
 * The WebCrypto parameters to import a key and to sign with it. Refuses what
 * we do not issue for: curves other than P-256/384/521, RSA under 2048 bits,
 * and other key types (InvalidInput, reason 'unsupported-key').
 */
export function webCryptoAlgorithm(key: KeyObject): { importParams: RsaHashedImportParams | EcKeyImportParams; signing: Algorithm | EcdsaParams } {
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    const params = curve === undefined ? undefined : CURVES[curve];
    if (!params) throw invalidInput(`Unsupported EC curve ${curve ?? 'unknown'}: use P-256, P-384 or P-521.`, 'unsupported-key');
    return { importParams: { name: 'ECDSA', namedCurve: params.namedCurve }, signing: { name: 'ECDSA', hash: params.hash } as EcdsaParams };
  }
  if (key.asymmetricKeyType === 'rsa') {
    if ((key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) throw invalidInput('RSA keys must be at least 2048 bits.', 'unsupported-key');
    return { importParams: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, signing: { name: 'RSASSA-PKCS1-v1_5' } };
  }
  throw invalidInput(`Unsupported key type ${key.asymmetricKeyType ?? 'unknown'}: use EC or RSA.`, 'unsupported-key');
}

/** A PEM private key as a WebCrypto signing key, with the algorithm to sign with. */
export async function importSigningKey(privateKeyPem: string): Promise<{ key: webcrypto.CryptoKey; signing: Algorithm | EcdsaParams }> {
  const keyObject = createPrivateKey(privateKeyPem);
  const { importParams, signing } = webCryptoAlgorithm(keyObject);
  const der = keyObject.export({ type: 'pkcs8', format: 'der' });
  const key = await webcrypto.subtle.importKey('pkcs8', der, importParams, true, ['sign']);
  return { key, signing };
}

/** A PEM public key (SPKI) as a WebCrypto verify key. */
export async function importPublicKey(publicKeyPem: string): Promise<webcrypto.CryptoKey> {
  const keyObject = createPublicKey(publicKeyPem);
  const { importParams } = webCryptoAlgorithm(keyObject);
  return webcrypto.subtle.importKey('spki', keyObject.export({ type: 'spki', format: 'der' }), importParams, true, ['verify']);
}

/** The public key inside a certificate, a public key or a private key PEM. */
function publicKeyOf(pem: string): KeyObject {
  return pem.includes('CERTIFICATE-----') ? new X509Certificate(pem).publicKey : createPublicKey(pem);
}

/**
 * True when both PEMs (certificates, public or private keys, in any mix)
 * hold the same public key. Unreadable input is simply not the same key.
 */
export function samePublicKey(aPem: string, bPem: string): boolean {
  try {
    const spki = (pem: string) => publicKeyOf(pem).export({ type: 'spki', format: 'der' });
    return spki(aPem).equals(spki(bPem));
  } catch {
    return false;
  }
}
