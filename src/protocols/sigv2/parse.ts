import { unauthenticated, type FerryError } from '../../errors.js';
import { headerValue } from '../sigv4/headers.js';
import { parseAmzDate } from '../sigv4/time.js';
import { parseQuery, splitRawUrl } from '../sigv4/uri.js';
import type { IncomingSignedRequest } from '../sigv4/types.js';
import type { ParsedSigV2 } from './types.js';

const HEADER_PREFIX = 'AWS ';

function malformed(mode: ParsedSigV2['mode'], message: string): FerryError {
  return unauthenticated(message, mode === 'header' ? 'malformed-authorization' : 'authorization-query');
}

/** Which SigV2 form a request carries, if any: `Authorization: AWS …`, or `AWSAccessKeyId`/`Signature` in the query. */
export function sigV2Mode(req: IncomingSignedRequest): ParsedSigV2['mode'] | undefined {
  if ((req.headers['authorization'] ?? []).some((v) => v.trimStart().startsWith(HEADER_PREFIX))) return 'header';
  const params = parseQuery(splitRawUrl(req.rawUrl).query);
  if (params.some((p) => p.key === 'AWSAccessKeyId' || p.key === 'Signature')) return 'query';
  return undefined;
}

/**
 * Reads the SigV2 auth of a request (RESTAuthentication: `Authorization: AWS
 * AKID:signature`, or `AWSAccessKeyId`, `Signature`, `Expires` in the query).
 * Returns null when it carries none; throws on malformed or mixed auth.
 * Checks nothing that needs the secret or the clock.
 */
export function parseSigV2(req: IncomingSignedRequest): ParsedSigV2 | null {
  const mode = sigV2Mode(req);
  if (mode === undefined) return null;
  const authorization = req.headers['authorization'] ?? [];
  const params = parseQuery(splitRawUrl(req.rawUrl).query);
  const presigned = params.some((p) => p.key === 'AWSAccessKeyId' || p.key === 'Signature' || p.key === 'Expires');
  if ((mode === 'header' && presigned) || (mode === 'query' && authorization.length > 0) || params.some((p) => p.key === 'X-Amz-Algorithm')) {
    throw malformed(mode, 'Only one auth mechanism allowed: a SigV2 Authorization header, SigV2 query parameters (AWSAccessKeyId, Signature, Expires) or SigV4.');
  }
  const parsed = mode === 'header' ? parseHeader(req, authorization) : parseQueryAuth(params);
  const token = mode === 'query' ? single(params, 'x-amz-security-token') : headerValue(req, 'x-amz-security-token');
  if (token !== undefined) parsed.securityToken = token;
  return parsed;
}

function parseHeader(req: IncomingSignedRequest, authorization: string[]): ParsedSigV2 {
  if (authorization.length > 1) throw malformed('header', 'Only one Authorization header is allowed');
  const credentials = (authorization[0] ?? '').trim().slice(HEADER_PREFIX.length).trim();
  const colon = credentials.lastIndexOf(':');
  const accessKeyId = credentials.slice(0, colon);
  const signature = credentials.slice(colon + 1);
  if (colon <= 0 || signature === '') {
    throw malformed('header', "The SigV2 Authorization header is malformed; expecting 'AWS <AWSAccessKeyId>:<Signature>'.");
  }
  return { mode: 'header', accessKeyId, signature, requestTimeMs: requestTime(req) };
}

/** x-amz-date, else Date (RFC 1123, as botocore sends it). */
function requestTime(req: IncomingSignedRequest): number {
  const amzDate = headerValue(req, 'x-amz-date');
  const text = amzDate ?? headerValue(req, 'date');
  if (text === undefined) throw malformed('header', "A SigV2 request needs a 'Date' or an 'x-amz-date' header.");
  const ms = parseAmzDate(text.trim()) ?? Date.parse(text);
  if (Number.isNaN(ms)) throw malformed('header', `${amzDate !== undefined ? 'x-amz-date' : 'Date'} '${text}' is not a valid HTTP date`);
  return ms;
}

function parseQueryAuth(params: ReturnType<typeof parseQuery>): ParsedSigV2 {
  const accessKeyId = single(params, 'AWSAccessKeyId');
  const signature = single(params, 'Signature');
  const expires = single(params, 'Expires');
  if (accessKeyId === undefined || signature === undefined || expires === undefined || accessKeyId === '' || signature === '') {
    throw malformed('query', 'Query-string authentication (SigV2) requires the AWSAccessKeyId, Signature and Expires parameters.');
  }
  if (!/^\d{1,12}$/.test(expires)) throw malformed('query', `Expires '${expires}' should be a number of seconds since 1970-01-01 (an absolute time).`);
  return { mode: 'query', accessKeyId, signature, expires };
}

function single(params: ReturnType<typeof parseQuery>, key: string): string | undefined {
  const found = params.filter((p) => p.key === key);
  if (found.length > 1) throw malformed('query', `Query parameter ${key} appears more than once`);
  return found[0]?.value;
}
