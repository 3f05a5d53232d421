export { generateKeyPair, samePublicKey, type KeyAlgorithm, type KeyPairPem } from './keys.js';
export type { SubjectFields } from './names.js';
export { createCertificateAuthority, issueServerCertificate, issueDeviceCertificate, isIssuedBy, type CaMaterial, type CertificateWithKey } from './authority.js';
export { signCertificateSigningRequest, createCertificateSigningRequest } from './csr.js';
export { certificateIdOf, parseCertificate, type ParsedCertificate, type AltNames } from './inspect.js';
export { certificatePolicyVariables, certificateListVariables } from './policy-variables.js';
export { writePrivateKeyFile, writeCertificateFile } from './key-files.js';
