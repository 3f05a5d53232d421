import type { FastifyRequest } from 'fastify';
import { invalidInput } from '../../errors.js';
import type { ChecksumAlgorithm, ChecksumType, ObjectAttributes, ObjectInfo, ReadConditions, WriteConditions } from '../../objects/index.js';
import { CHECKSUM_ALGORITHMS } from '../../objects/index.js';
import { dictionary } from '../../records.js';

/** One header's value (the first, if repeated), or undefined. */
export function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value[0] : String(value);
}

const META_PREFIX = 'x-amz-meta-';

/** Content-Encoding without aws-chunked, which only framed the upload. */
function storedEncoding(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const rest = value
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '' && v.toLowerCase() !== 'aws-chunked');
  return rest.length > 0 ? rest.join(',') : undefined;
}

/** Content headers and `x-amz-meta-*` of a PutObject or CreateMultipartUpload. */
export function attributesFrom(request: FastifyRequest): ObjectAttributes {
  const metadata = dictionary<string>();
  for (const [name, value] of Object.entries(request.headers)) {
    if (name.startsWith(META_PREFIX) && value !== undefined) metadata[name.slice(META_PREFIX.length)] = Array.isArray(value) ? value.join(',') : String(value);
  }
  const attributes: ObjectAttributes = { metadata };
  const set = (field: Exclude<keyof ObjectAttributes, 'metadata'>, value: string | undefined) => {
    if (value !== undefined && value !== '') attributes[field] = value;
  };
  set('contentType', header(request, 'content-type'));
  set('contentDisposition', header(request, 'content-disposition'));
  set('contentEncoding', storedEncoding(header(request, 'content-encoding')));
  set('contentLanguage', header(request, 'content-language'));
  set('cacheControl', header(request, 'cache-control'));
  set('expires', header(request, 'expires'));
  return attributes;
}

export function checksumAlgorithmFrom(value: string | undefined): ChecksumAlgorithm | undefined {
  if (value === undefined) return undefined;
  const algorithm = CHECKSUM_ALGORITHMS.find((a) => a === value.toUpperCase());
  if (!algorithm) throw invalidInput(`Checksum algorithm ${value} is not supported.`);
  return algorithm;
}

export function checksumTypeFrom(value: string | undefined): ChecksumType | undefined {
  if (value === undefined) return undefined;
  const upper = value.toUpperCase();
  if (upper !== 'FULL_OBJECT' && upper !== 'COMPOSITE') throw invalidInput(`Value for x-amz-checksum-type header is invalid: ${value}`);
  return upper;
}

export const checksumHeaderName = (algorithm: ChecksumAlgorithm): string => `x-amz-checksum-${algorithm.toLowerCase()}`;

const httpDate = (ms: number): string => new Date(ms).toUTCString();

function parseHttpDate(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** The If-* headers of a GET or HEAD (unparseable dates are ignored, as HTTP says). */
export function readConditionsFrom(request: FastifyRequest): ReadConditions | undefined {
  const c: ReadConditions = {};
  const ifMatch = header(request, 'if-match');
  const ifNoneMatch = header(request, 'if-none-match');
  const ifModifiedSince = parseHttpDate(header(request, 'if-modified-since'));
  const ifUnmodifiedSince = parseHttpDate(header(request, 'if-unmodified-since'));
  if (ifMatch !== undefined) c.ifMatch = ifMatch;
  if (ifNoneMatch !== undefined) c.ifNoneMatch = ifNoneMatch;
  if (ifModifiedSince !== undefined) c.ifModifiedSince = ifModifiedSince;
  if (ifUnmodifiedSince !== undefined) c.ifUnmodifiedSince = ifUnmodifiedSince;
  return Object.keys(c).length > 0 ? c : undefined;
}

/** If-None-Match: * and If-Match on PutObject and CompleteMultipartUpload. */
export function writeConditionsFrom(request: FastifyRequest): WriteConditions | undefined {
  const ifNoneMatch = header(request, 'if-none-match');
  const ifMatch = header(request, 'if-match');
  if (ifNoneMatch !== undefined && ifNoneMatch.trim() !== '*') throw invalidInput('If-None-Match only accepts * on writes.');
  if (ifNoneMatch === undefined && ifMatch === undefined) return undefined;
  return { ...(ifNoneMatch !== undefined ? { ifNoneMatch } : {}), ...(ifMatch !== undefined ? { ifMatch } : {}) };
}

/** response-* query parameters override these headers on a GET (S3 API, GetObject). */
const OVERRIDES: Record<string, string> = {
  'response-content-type': 'content-type',
  'response-content-language': 'content-language',
  'response-expires': 'expires',
  'response-cache-control': 'cache-control',
  'response-content-disposition': 'content-disposition',
  'response-content-encoding': 'content-encoding',
};

/**
 * The headers of a GetObject/HeadObject reply. The checksum is shown when
 * asked (`x-amz-checksum-mode: ENABLED`) for the whole object only, since a
 * client validates the bytes it receives against it.
 */
export function objectHeaders(info: ObjectInfo, opts: { checksumMode: boolean; ranged: boolean; query?: URLSearchParams }): Record<string, string> {
  const a = info.attributes;
  const out: Record<string, string> = {
    etag: `"${info.etag}"`,
    'last-modified': httpDate(info.lastModified),
    'accept-ranges': 'bytes',
    'content-type': a.contentType ?? 'binary/octet-stream',
  };
  if (a.contentDisposition) out['content-disposition'] = a.contentDisposition;
  if (a.contentEncoding) out['content-encoding'] = a.contentEncoding;
  if (a.contentLanguage) out['content-language'] = a.contentLanguage;
  if (a.cacheControl) out['cache-control'] = a.cacheControl;
  if (a.expires) out.expires = a.expires;
  for (const [name, value] of Object.entries(a.metadata)) out[`${META_PREFIX}${name}`] = value;
  if (opts.checksumMode && !opts.ranged && info.checksum) {
    out[checksumHeaderName(info.checksum.algorithm)] = info.checksum.value;
    out['x-amz-checksum-type'] = info.checksum.type;
  }
  for (const [param, name] of Object.entries(OVERRIDES)) {
    const value = opts.query?.get(param);
    if (value) out[name] = value;
  }
  return out;
}
