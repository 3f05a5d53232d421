import { CHUNK_ALGORITHM, EMPTY_SHA256, TRAILER_ALGORITHM } from './constants.js';
import { hashPayload, hmac } from './hash.js';
import { scopeString } from './signing-key.js';
import { sameSignature } from './verify.js';
import type { CredentialScope } from './types.js';

/**
 * The chain of aws-chunked signatures (aws-wire-protocols.md §4.3): each chunk
 * signs its hash and the previous signature, starting from the request's own
 * signature; the trailer signature closes the chain.
 */
export class ChunkChain {
  private previous: string;
  private readonly prefix: string;

  constructor(
    private readonly key: Buffer,
    requestTimeIso: string,
    scope: CredentialScope,
    seedSignature: string,
  ) {
    this.previous = seedSignature;
    this.prefix = `${requestTimeIso}\n${scopeString(scope)}\n`;
  }

  /** AWS4-HMAC-SHA256-PAYLOAD, date, scope, previous signature, sha256(""), sha256(chunk). */
  verifyChunk(chunkHashHex: string, provided: string): boolean {
    const toSign = `${CHUNK_ALGORITHM}\n${this.prefix}${this.previous}\n${EMPTY_SHA256}\n${chunkHashHex}`;
    return this.advance(toSign, provided);
  }

  /** AWS4-HMAC-SHA256-TRAILER, date, scope, previous signature, sha256 of the `name:value\n` trailer lines. */
  verifyTrailer(canonicalTrailers: string, provided: string): boolean {
    const toSign = `${TRAILER_ALGORITHM}\n${this.prefix}${this.previous}\n${hashPayload(canonicalTrailers)}`;
    return this.advance(toSign, provided);
  }

  private advance(toSign: string, provided: string): boolean {
    const expected = hmac(this.key, toSign).toString('hex');
    if (!sameSignature(expected, provided)) return false;
    this.previous = expected;
    return true;
  }
}
