import { headerValue, headerValues } from '../sigv4/headers.js';
import { percentDecode, splitRawUrl } from '../sigv4/uri.js';
import type { IncomingSignedRequest } from '../sigv4/types.js';
import type { ParsedSigV2 } from './types.js';

/**
 * The query parameters SigV2 signs, in CanonicalizedResource: S3's
 * sub-resources and response overrides (RESTAuthentication, "Constructing the
 * CanonicalizedResource Element"), exactly as botocore's HmacV1Auth lists them
 * (a superset of the documented list, and what S3 accepts from botocore).
 * Every other parameter is outside the signature.
 */
export const SIGNED_SUBRESOURCES: ReadonlySet<string> = new Set([
  'accelerate', 'acl', 'analytics', 'cors', 'defaultObjectAcl', 'delete', 'inventory', 'lifecycle', 'location',
  'logging', 'metrics', 'notification', 'object-lock', 'partNumber', 'policy', 'replication', 'requestPayment',
  'response-cache-control', 'response-content-disposition', 'response-content-encoding', 'response-content-language',
  'response-content-type', 'response-expires', 'restore', 'select', 'select-type', 'storageClass', 'tagging', 'torrent',
  'uploadId', 'uploads', 'versionId', 'versioning', 'versions', 'website',
]);

/** The presigned form's own parameters. */
const QUERY_AUTH = new Set(['AWSAccessKeyId', 'Signature', 'Expires']);
/** Presigned, botocore moves these headers into the query; they are signed as the headers they stand for. */
const QUERY_STANDARD_HEADERS = new Set(['content-md5', 'content-type']);
/**
 * Unsigned, and harmless: the SDKs' operation marker (ignored), and how a
 * listing is spelled (version 2, URL-encoded keys; botocore adds both), which
 * never changes which keys it shows.
 */
const HARMLESS = new Set(['x-id', 'list-type', 'encoding-type']);

interface RawParam {
  /** As sent. */
  key: string;
  /** Decoded (`+` kept, as botocore's unquote does); undefined for a parameter without `=`. */
  value: string | undefined;
}

function rawParams(rawUrl: string): RawParam[] {
  return splitRawUrl(rawUrl)
    .query.split('&')
    .filter((part) => part !== '')
    .map((part) => {
      const eq = part.indexOf('=');
      return eq < 0 ? { key: part, value: undefined } : { key: part.slice(0, eq), value: percentDecode(part.slice(eq + 1)).toString('utf8') };
    });
}

const decodedKey = (p: RawParam): string => percentDecode(p.key, true).toString('utf8');
const isAmzParam = (p: RawParam): boolean => decodedKey(p).toLowerCase().startsWith('x-amz-');

/**
 * The query parameters of a SigV2 request that its signature does not
 * cover and that could change the response: Ferry refuses them rather than
 * let a holder of a link (or anyone on its way) rewrite them.
 */
export function unsignedParameters(req: IncomingSignedRequest, mode: ParsedSigV2['mode']): string[] {
  return rawParams(req.rawUrl)
    .filter((p) => {
      if (SIGNED_SUBRESOURCES.has(p.key) || HARMLESS.has(decodedKey(p))) return false;
      if (mode === 'query') return !(QUERY_AUTH.has(p.key) || isAmzParam(p) || QUERY_STANDARD_HEADERS.has(decodedKey(p).toLowerCase()));
      return true;
    })
    .map(decodedKey);
}

/** Trimmed, folded lines unfolded (RESTAuthentication, CanonicalizedAmzHeaders step 5). */
const headerText = (value: string): string => value.replace(/\r?\n[ \t]*/g, ' ').trim();

/**
 * `x-amz-*` headers, lower-cased and sorted, repeated values joined with ','.
 * A presigned request's `x-amz-*` query parameters (its security token) are
 * signed as headers, as botocore's HmacV1QueryAuth puts them there.
 */
function canonicalAmzHeaders(req: IncomingSignedRequest, mode: ParsedSigV2['mode']): string {
  const values = new Map<string, string[]>();
  const add = (name: string, value: string) => values.set(name, [...(values.get(name) ?? []), headerText(value)]);
  for (const [name, list] of Object.entries(req.headers)) if (name.startsWith('x-amz-')) for (const v of list) add(name, v);
  if (mode === 'query') for (const p of rawParams(req.rawUrl)) if (isAmzParam(p)) add(decodedKey(p).toLowerCase(), p.value ?? '');
  return [...values.keys()]
    .sort()
    .map((name) => `${name}:${values.get(name)!.join(',')}\n`)
    .join('');
}

/**
 * `/bucket/key` — `[/bucket]` + the path as sent, a bucket alone ending in
 * `/` (as botocore's auth_path and the Java SDK sign it) — then the signed
 * sub-resources, sorted by name (stable), values decoded, `name` alone when
 * it came without `=`.
 */
function canonicalResource(req: IncomingSignedRequest, virtualHostBucket: string | undefined): string {
  const rawPath = splitRawUrl(req.rawUrl).path;
  const path = virtualHostBucket === undefined && /^\/[^/]+$/.test(rawPath) ? `${rawPath}/` : rawPath;
  const prefix = virtualHostBucket === undefined ? '' : `/${virtualHostBucket}`;
  const subresources = rawParams(req.rawUrl)
    .filter((p) => SIGNED_SUBRESOURCES.has(p.key))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((p) => (p.value === undefined ? p.key : `${p.key}=${p.value}`));
  return `${prefix}${path}${subresources.length > 0 ? `?${subresources.join('&')}` : ''}`;
}

/** A standard header's value; presigned, the query parameter standing for it when the header is absent. */
function standardHeader(req: IncomingSignedRequest, mode: ParsedSigV2['mode'], name: string): string {
  const header = headerValue(req, name);
  if (header !== undefined || mode === 'header') return headerText(header ?? '');
  const param = rawParams(req.rawUrl).find((p) => decodedKey(p).toLowerCase() === name);
  return headerText(param?.value ?? '');
}

/**
 * StringToSign = VERB \n Content-MD5 \n Content-Type \n Date \n
 * CanonicalizedAmzHeaders CanonicalizedResource, Date being `Expires` when
 * presigned (RESTAuthentication). With an x-amz-date header, the rule says
 * Date is empty (x-amz-date is among the amz headers, as boto signs it); the
 * same document's example puts x-amz-date's value in Date and leaves it out
 * of the amz headers. Both sign the same time, so both are accepted: the
 * rule's string comes first.
 */
export function stringsToSignV2(req: IncomingSignedRequest, parsed: ParsedSigV2, virtualHostBucket: string | undefined): string[] {
  const head = [req.method.toUpperCase(), standardHeader(req, parsed.mode, 'content-md5'), standardHeader(req, parsed.mode, 'content-type')];
  const resource = canonicalResource(req, virtualHostBucket);
  const amzDate = headerValues(req, 'x-amz-date');
  if (parsed.mode === 'query' || amzDate.length === 0) {
    const date = parsed.mode === 'query' ? (parsed.expires ?? '') : headerText(headerValue(req, 'date') ?? '');
    return [[...head, date, `${canonicalAmzHeaders(req, parsed.mode)}${resource}`].join('\n')];
  }
  const withoutAmzDate = { ...req, headers: Object.fromEntries(Object.entries(req.headers).filter(([name]) => name !== 'x-amz-date')) };
  return [
    [...head, '', `${canonicalAmzHeaders(req, parsed.mode)}${resource}`].join('\n'),
    [...head, headerText(amzDate.join(',')), `${canonicalAmzHeaders(withoutAmzDate, parsed.mode)}${resource}`].join('\n'),
  ];
}
