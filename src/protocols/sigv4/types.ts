/** A request as it arrived, before any framework decoded its URL or merged its headers. */
export interface IncomingSignedRequest {
  /** 'GET', 'PUT', … */
  method: string;
  /** Path and query exactly as received, undecoded (node's `req.url`). */
  rawUrl: string;
  /** Lower-case names → distinct values (node's `req.headersDistinct`). */
  headers: Record<string, string[]>;
}

export interface CredentialScope {
  /** YYYYMMDD */
  date: string;
  region: string;
  service: string;
}

export interface ParsedSignature {
  mode: 'header' | 'query';
  accessKeyId: string;
  scope: CredentialScope;
  /** From X-Amz-Date (or the Date header when there is no X-Amz-Date, header mode). */
  requestTimeMs: number;
  signedHeaders: string[];
  /** Hex. */
  signature: string;
  /** Query mode only. */
  expiresSec?: number;
  /** X-Amz-Security-Token (header or query). */
  securityToken?: string;
  /** The x-amz-content-sha256 header value, if any (presigned: the X-Amz-Content-Sha256 query parameter when no header). */
  contentSha256?: string;
}

export interface VerifyOptions {
  secretAccessKey: string;
  nowMs: number;
  /** Accepted scope services, e.g. ['iot', 'execute-api']. */
  services: string[];
  /** Expected scope region (several: the first is the one to name in a refusal). */
  region?: string | readonly string[];
  /** The value to use as the canonical request's hashed payload. */
  payloadHash: string;
  /** 's3': single-encoded, never normalised; 'normalized': every other service. */
  canonicalUri: 's3' | 'normalized';
}

export interface VerifiedSignature {
  signingKey: Buffer;
  /** The request's own signature: the seed of an aws-chunked chunk-signature chain. */
  seedSignature: string;
}
