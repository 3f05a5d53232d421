// aws-wire-protocols.md §4.3: the values x-amz-content-sha256 may carry besides a hex hash.
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
export const STREAMING_SIGNED = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD';
export const STREAMING_UNSIGNED_TRAILER = 'STREAMING-UNSIGNED-PAYLOAD-TRAILER';
export const STREAMING_SIGNED_TRAILER = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER';
/** sha256 of the empty string, hex. */
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export const ALGORITHM = 'AWS4-HMAC-SHA256';
export const CHUNK_ALGORITHM = 'AWS4-HMAC-SHA256-PAYLOAD';
export const TRAILER_ALGORITHM = 'AWS4-HMAC-SHA256-TRAILER';
export const SCOPE_TERMINATOR = 'aws4_request';

// node-ecosystem.md §2 pitfall 8: 15-minute skew window; presigned URLs live at most a week.
export const MAX_SKEW_MS = 15 * 60 * 1000;
export const MAX_EXPIRES_SEC = 604800;
