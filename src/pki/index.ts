export { generateKeyPair, type KeyAlgorithm, type KeyPairPem } from './keys.js';
export {
  createCertificateAuthority,
  issueServerCertificate,
  issueDeviceCertificate,
  signCertificateSigningRequest,
  createCertificateSigningRequest,
  isIssuedBy,
  type CaMaterial,
  type SubjectFields,
} from './authority.js';
export { certificateIdOf, parseCertificate, certificatePolicyVariables, type ParsedCertificate } from './inspect.js';
export { writePrivateKeyFile, writeCertificateFile } from './key-files.js';
