export type { IncomingSignedRequest, CredentialScope, ParsedSignature, VerifyOptions, VerifiedSignature } from './types.js';
export {
  UNSIGNED_PAYLOAD,
  STREAMING_SIGNED,
  STREAMING_UNSIGNED_TRAILER,
  STREAMING_SIGNED_TRAILER,
  EMPTY_SHA256,
} from './constants.js';
export { hashPayload } from './hash.js';
export { parseSignature, type ParseOptions } from './parse.js';
export { verifySignature } from './verify.js';
export { MAX_SKEW_MS } from './constants.js';
export { createAwsChunkedDecoder, type AwsChunkedOptions, type AwsChunkedDecoder } from './chunked.js';
export { presignUrl, type PresignOptions } from './presign.js';
export { formatAmzDate } from './time.js';
