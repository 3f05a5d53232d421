import { createPrivateKey, createPublicKey, generateKeyPair as generateKeyPairCb, webcrypto, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';

type Algorithm = webcrypto.Algorithm;
type EcdsaParams = webcrypto.EcdsaParams;
type RsaHashedImportParams = webcrypto.RsaHashedImportParams;
type EcKeyImportParams = webcrypto.EcKeyImportParams;
import { invalidInput } from '../errors.js';

const generate = promisify(generateKeyPairCb);

/** ECDSA P-256 by default; RSA-2048 on request (AWS's CreateKeysAndCertificate issues RSA-2048). */
export type KeyAlgorithm = 'ec' | 'rsa' | 'rsa-2048';

export interface KeyPairPem {
  privateKeyPem: string;
  publicKeyPem: string;
}

export async function generateKeyPair(alg: KeyAlgorithm = 'ec'): Promise<KeyPairPem> {
  const encoding = { publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } } as const;
  const pair = (alg === 'ec'
    ? await generate('ec', { namedCurve: 'P-256', ...encoding })
    : await generate('rsa', { modulusLength: 2048, ...encoding })) as unknown as { privateKey: string; publicKey: string };
  return { privateKeyPem: pair.privateKey, publicKeyPem: pair.publicKey };
}

/** The WebCrypto parameters for signing with (or describing) a key. */
export function webCryptoAlgorithm(key: KeyObject): { importParams: RsaHashedImportParams | EcKeyImportParams; signing: Algorithm | EcdsaParams } {
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    const namedCurve = curve === 'prime256v1' ? 'P-256' : curve === 'secp384r1' ? 'P-384' : curve === 'secp521r1' ? 'P-521' : undefined;
    if (!namedCurve) throw invalidInput(`Unsupported EC curve ${curve ?? 'unknown'}: use P-256 or P-384.`, 'unsupported-key');
    const hash = namedCurve === 'P-256' ? 'SHA-256' : 'SHA-384';
    return { importParams: { name: 'ECDSA', namedCurve }, signing: { name: 'ECDSA', hash } as EcdsaParams };
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
