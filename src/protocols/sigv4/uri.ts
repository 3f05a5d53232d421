/**
 * URI pieces of the canonical request. The raw path and query are decoded to
 * bytes and re-encoded per AWS rules rather than trusted as the client spelled
 * them (node-ecosystem.md §2 pitfalls 2 and 3).
 */

const HEX = '0123456789ABCDEF';

/** RFC 3986 unreserved characters: A-Z a-z 0-9 - _ . ~ */
function isUnreserved(byte: number): boolean {
  return (
    (byte >= 0x41 && byte <= 0x5a) ||
    (byte >= 0x61 && byte <= 0x7a) ||
    (byte >= 0x30 && byte <= 0x39) ||
    byte === 0x2d ||
    byte === 0x5f ||
    byte === 0x2e ||
    byte === 0x7e
  );
}

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x41 && code <= 0x46) return code - 0x37;
  if (code >= 0x61 && code <= 0x66) return code - 0x57;
  return -1;
}

/**
 * Percent-decodes to bytes. A `%` not followed by two hex digits stays literal
 * (a lenient reading: the client then signed it as `%25`).
 */
export function percentDecode(text: string, plusIsSpace = false): Buffer {
  const src = Buffer.from(text, 'utf8');
  // Most parameters have nothing to decode (every presigned GET decodes a dozen): skip the byte loop.
  if (!text.includes('%') && !(plusIsSpace && text.includes('+'))) return src;
  const out = Buffer.allocUnsafe(src.length);
  let n = 0;
  for (let i = 0; i < src.length; i++) {
    const b = src[i]!;
    if (b === 0x25 && i + 2 < src.length) {
      const hi = hexValue(src[i + 1]!);
      const lo = hexValue(src[i + 2]!);
      if (hi >= 0 && lo >= 0) {
        out[n++] = hi * 16 + lo;
        i += 2;
        continue;
      }
    }
    out[n++] = plusIsSpace && b === 0x2b ? 0x20 : b;
  }
  return out.subarray(0, n);
}

/** AWS URI encoding: unreserved bytes kept, every other byte as upper-case %XX. */
export function uriEncode(bytes: Buffer | string): string {
  const buf = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
  let out = '';
  for (const b of buf) out += isUnreserved(b) ? String.fromCharCode(b) : `%${HEX[b >> 4]}${HEX[b & 15]}`;
  return out;
}

/** Splits a request-target into its path and query (without '?'); absolute-form targets lose their origin. */
export function splitRawUrl(rawUrl: string): { path: string; query: string } {
  let target = rawUrl;
  const origin = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#]*/.exec(target);
  if (origin) target = target.slice(origin[0].length);
  const hash = target.indexOf('#');
  if (hash >= 0) target = target.slice(0, hash);
  const q = target.indexOf('?');
  const path = q >= 0 ? target.slice(0, q) : target;
  return { path: path === '' ? '/' : path, query: q >= 0 ? target.slice(q + 1) : '' };
}

/** S3: each segment decoded and encoded once; `//`, `.`, `..` and trailing slashes kept as keys may hold them. */
export function s3CanonicalPath(rawPath: string): string {
  return rawPath
    .split('/')
    .map((segment) => uriEncode(percentDecode(segment)))
    .join('/');
}

/**
 * Every other service: exactly @smithy/signature-v4's getCanonicalPath with
 * uriEscapePath (node-ecosystem.md §2): drop empty and `.` segments, resolve
 * `..`, keep a leading and (if anything is left) a trailing slash, then encode
 * the path as sent once more. As sent, not re-spelled first: the SDKs send
 * some reserved characters bare (the Jobs data plane's `…/jobs/$next`) and
 * sign `%24next`, while `%24next` sent signs `%2524next`.
 */
export function normalizedCanonicalPath(rawPath: string): string {
  const segments: string[] = [];
  for (const segment of rawPath.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const lead = rawPath.startsWith('/') ? '/' : '';
  const trail = segments.length > 0 && rawPath.endsWith('/') ? '/' : '';
  const encoded = segments.map((segment) => uriEncode(segment));
  return `${lead}${encoded.join('/')}${trail}`;
}

export interface QueryParam {
  /** Decoded. */
  key: string;
  /** Decoded; '' for a value-less parameter such as `?uploads`. */
  value: string;
  encodedKey: string;
  encodedValue: string;
}

/** Parses a raw query string; `+` means a space, as form encoding (and MinIO) read it. */
export function parseQuery(query: string): QueryParam[] {
  const params: QueryParam[] = [];
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const keyBytes = percentDecode(eq >= 0 ? part.slice(0, eq) : part, true);
    const valueBytes = percentDecode(eq >= 0 ? part.slice(eq + 1) : '', true);
    params.push({
      key: keyBytes.toString('utf8'),
      value: valueBytes.toString('utf8'),
      encodedKey: uriEncode(keyBytes),
      encodedValue: uriEncode(valueBytes),
    });
  }
  return params;
}

/** Sorted by encoded key then encoded value, `key=` for value-less params (node-ecosystem.md §2 pitfall 3). */
export function canonicalQuery(params: QueryParam[], exclude?: string): string {
  return params
    .filter((p) => p.key !== exclude)
    .map((p) => [p.encodedKey, p.encodedValue] as const)
    .sort(([ka, va], [kb, vb]) => (ka < kb ? -1 : ka > kb ? 1 : va < vb ? -1 : va > vb ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}
