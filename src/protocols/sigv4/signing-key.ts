import { hmac } from './hash.js';
import { SCOPE_TERMINATOR } from './constants.js';
import type { CredentialScope } from './types.js';

// node-ecosystem.md §2 pitfall 10: derived keys are cached, like smithy's LRU of 50.
const CACHE_SIZE = 50;
const cache = new Map<string, Buffer>();

/** kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request"), cached. */
export function signingKey(secretAccessKey: string, scope: CredentialScope): Buffer {
  const id = `${scope.date}\n${scope.region}\n${scope.service}\n${secretAccessKey}`;
  const hit = cache.get(id);
  if (hit) {
    // Re-insert so the Map's insertion order tracks recency.
    cache.delete(id);
    cache.set(id, hit);
    return hit;
  }
  const key = deriveSigningKey(secretAccessKey, scope);
  cache.set(id, key);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  return key;
}

function deriveSigningKey(secretAccessKey: string, scope: CredentialScope): Buffer {
  const kDate = hmac(`AWS4${secretAccessKey}`, scope.date);
  const kRegion = hmac(kDate, scope.region);
  const kService = hmac(kRegion, scope.service);
  return hmac(kService, SCOPE_TERMINATOR);
}

export function scopeString(scope: CredentialScope): string {
  return `${scope.date}/${scope.region}/${scope.service}/${SCOPE_TERMINATOR}`;
}
