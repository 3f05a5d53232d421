export type { ParsedSigV2 } from './types.js';
export { parseSigV2, sigV2Mode } from './parse.js';
export { SIGNED_SUBRESOURCES } from './canonical.js';
export { checkSigV2Request, verifySigV2Signature } from './verify.js';
