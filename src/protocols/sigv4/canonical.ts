import { ALGORITHM } from './constants.js';
import { hashPayload } from './hash.js';
import { canonicalHeaderValue, headerValues } from './headers.js';
import { scopeString } from './signing-key.js';
import { formatAmzDate } from './time.js';
import { canonicalQuery, normalizedCanonicalPath, parseQuery, s3CanonicalPath, splitRawUrl } from './uri.js';
import type { CredentialScope, IncomingSignedRequest } from './types.js';

export interface CanonicalInput {
  mode: 'header' | 'query';
  signedHeaders: string[];
  payloadHash: string;
  canonicalUri: 's3' | 'normalized';
}

/** The canonical request of SigV4, rebuilt from the request as received. */
export function canonicalRequest(req: IncomingSignedRequest, input: CanonicalInput): string {
  const { path, query } = splitRawUrl(req.rawUrl);
  const uri = input.canonicalUri === 's3' ? s3CanonicalPath(path) : normalizedCanonicalPath(path);
  // aws-wire-protocols.md §4.4: a presigned URL's own signature is not part of what it signs.
  const exclude = input.mode === 'query' ? 'X-Amz-Signature' : undefined;
  const headerLines = input.signedHeaders.map((name) => `${name}:${canonicalHeaderValue(headerValues(req, name))}\n`);
  return [
    req.method.toUpperCase(),
    uri,
    canonicalQuery(parseQuery(query), exclude),
    headerLines.join(''),
    input.signedHeaders.join(';'),
    input.payloadHash,
  ].join('\n');
}

export function stringToSign(requestTimeMs: number, scope: CredentialScope, canonical: string): string {
  return [ALGORITHM, formatAmzDate(requestTimeMs), scopeString(scope), hashPayload(canonical)].join('\n');
}
