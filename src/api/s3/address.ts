import { FerryError } from '../../errors.js';

/** What a request is about: the service, a bucket, or an object. */
export interface S3Target {
  bucket?: string;
  key?: string;
  query: URLSearchParams;
}

const invalidUri = (): FerryError => new FerryError('InvalidInput', "Couldn't parse the specified URI.", { reason: 'invalid-uri' });

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw invalidUri();
  }
}

/**
 * The bucket named by a virtual-hosted Host (`bucket.<host>`), if any. A
 * Host that is itself a service host is path-style, whatever it ends with
 * (`ferry.localhost` is not bucket `ferry` of `localhost`).
 */
export function virtualHostBucket(hostHeader: string | undefined, serviceHosts: string[]): string | undefined {
  if (!hostHeader) return undefined;
  const host = hostHeader.replace(/:\d+$/, '').toLowerCase();
  const bases = serviceHosts.map((h) => h.toLowerCase());
  if (bases.includes(host)) return undefined;
  for (const base of [...bases].sort((a, b) => b.length - a.length)) {
    const suffix = `.${base}`;
    if (host.endsWith(suffix) && host.length > suffix.length) return host.slice(0, -suffix.length);
  }
  return undefined;
}

/**
 * Reads bucket and key from the raw URL, path-style (`/bucket/key`) or
 * virtual-hosted (`bucket.<host>/key`) (aws-wire-protocols.md §4.1). The key
 * is everything after the bucket's slash, percent-decoded once: `//`, `./`,
 * `../` and `%2F` stay in the key exactly.
 */
export function resolveTarget(rawUrl: string, hostHeader: string | undefined, serviceHosts: string[]): S3Target {
  const q = rawUrl.indexOf('?');
  const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
  const query = new URLSearchParams(q < 0 ? '' : rawUrl.slice(q + 1));
  if (!path.startsWith('/')) throw invalidUri();
  const hostBucket = virtualHostBucket(hostHeader, serviceHosts);
  if (hostBucket !== undefined) {
    const key = decode(path.slice(1));
    return key === '' ? { bucket: hostBucket, query } : { bucket: hostBucket, key, query };
  }
  const slash = path.indexOf('/', 1);
  const bucket = decode(slash < 0 ? path.slice(1) : path.slice(1, slash));
  if (bucket === '') return { query };
  const key = slash < 0 ? '' : decode(path.slice(slash + 1));
  return key === '' ? { bucket, query } : { bucket, key, query };
}
