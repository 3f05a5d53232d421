import { unauthenticated, type FerryError } from '../../errors.js';
import { ALGORITHM, MAX_EXPIRES_SEC, SCOPE_TERMINATOR } from './constants.js';
import { headerValue, headerValues } from './headers.js';
import { formatAmzDate, parseAmzDate } from './time.js';
import { parseQuery, splitRawUrl, type QueryParam } from './uri.js';
import type { CredentialScope, IncomingSignedRequest, ParsedSignature } from './types.js';

type Mode = ParsedSignature['mode'];

export interface ParseOptions {
  /**
   * The validity of a presigned URL without X-Amz-Expires. Absent: the
   * parameter is required (S3). MQTT over WebSocket sets it: the AWS CRT
   * signs its URLs without one (aws-crt-nodejs lib/browser/ws.ts).
   */
  defaultExpiresSec?: number;
}

/**
 * Malformed auth. Header mode maps to S3's AuthorizationHeaderMalformed;
 * query mode to AuthorizationQueryParametersError (aws-wire-protocols.md §4.4).
 */
function malformed(mode: Mode, message: string): FerryError {
  return unauthenticated(message, mode === 'header' ? 'malformed-authorization' : 'authorization-query');
}

/**
 * Reads the SigV4 auth of a request, header or presigned query. Returns null
 * when the request carries none; throws on malformed auth. Checks nothing
 * that needs the secret or the clock: that is verifySignature's job.
 */
export function parseSignature(req: IncomingSignedRequest, options: ParseOptions = {}): ParsedSignature | null {
  const authorization = req.headers['authorization'] ?? [];
  const params = parseQuery(splitRawUrl(req.rawUrl).query);
  const queryAuth = params.some((p) => p.key === 'X-Amz-Algorithm');
  if (authorization.length === 0 && !queryAuth) return null;
  if (authorization.length > 0 && queryAuth) {
    throw malformed('header', 'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified');
  }
  const parsed = queryAuth ? parseQueryAuth(req, params, options) : parseHeaderAuth(req, authorization);
  checkSignedHeaders(req, parsed);
  return parsed;
}

function parseHeaderAuth(req: IncomingSignedRequest, authorization: string[]): ParsedSignature {
  if (authorization.length > 1) throw malformed('header', 'Only one Authorization header is allowed');
  const value = (authorization[0] ?? '').trim();
  const space = value.indexOf(' ');
  const algorithm = space < 0 ? value : value.slice(0, space);
  if (algorithm !== ALGORITHM) {
    throw malformed('header', `Unsupported Authorization type '${algorithm}': only ${ALGORITHM} is accepted`);
  }
  const parts = authorizationParts(space < 0 ? '' : value.slice(space + 1));
  const missing = ['Credential', 'SignedHeaders', 'Signature'].filter((name) => !parts.has(name));
  if (missing.length > 0) {
    throw malformed('header', missing.map((name) => `Authorization header requires '${name}' parameter.`).join(' '));
  }
  const { accessKeyId, scope } = parseCredential('header', parts.get('Credential')!);
  const requestTimeMs = headerRequestTime(req);
  checkScopeDate('header', scope, requestTimeMs);
  const parsed: ParsedSignature = {
    mode: 'header',
    accessKeyId,
    scope,
    requestTimeMs,
    signedHeaders: parseSignedHeaders('header', parts.get('SignedHeaders')!),
    signature: parts.get('Signature')!,
  };
  return withOptionalFields(req, parsed);
}

/** `Credential=…, SignedHeaders=…, Signature=…` in any order, commas with or without spaces. */
function authorizationParts(text: string): Map<string, string> {
  const parts = new Map<string, string>();
  for (const raw of text.split(',')) {
    const part = raw.trim();
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0) throw malformed('header', `The authorization header is malformed; '${part}' is not a name=value pair`);
    const name = part.slice(0, eq).trim();
    if (parts.has(name)) throw malformed('header', `The authorization header is malformed; '${name}' appears twice`);
    parts.set(name, part.slice(eq + 1).trim());
  }
  return parts;
}

/** X-Amz-Date, or the Date header when the client signed with that instead. */
function headerRequestTime(req: IncomingSignedRequest): number {
  const amzDate = headerValue(req, 'x-amz-date');
  if (amzDate !== undefined) {
    const ms = parseAmzDate(amzDate.trim());
    if (ms === undefined) throw malformed('header', `X-Amz-Date '${amzDate}' is not in the ISO 8601 basic format YYYYMMDD'T'HHMMSS'Z'`);
    return ms;
  }
  const date = headerValue(req, 'date');
  if (date === undefined) {
    throw malformed('header', "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  }
  const ms = Date.parse(date);
  if (Number.isNaN(ms)) throw malformed('header', `Date header '${date}' is not a valid HTTP date`);
  return ms;
}

function parseQueryAuth(req: IncomingSignedRequest, params: QueryParam[], options: ParseOptions): ParsedSignature {
  const get = (key: string): string | undefined => {
    const found = params.filter((p) => p.key === key);
    if (found.length > 1) throw malformed('query', `Query parameter ${key} appears more than once`);
    return found[0]?.value;
  };
  const algorithm = get('X-Amz-Algorithm');
  if (algorithm !== ALGORITHM) throw malformed('query', `X-Amz-Algorithm only supports "${ALGORITHM}"`);
  const credential = get('X-Amz-Credential');
  const amzDate = get('X-Amz-Date');
  const expires = get('X-Amz-Expires') ?? (options.defaultExpiresSec === undefined ? undefined : String(options.defaultExpiresSec));
  const signedHeaders = get('X-Amz-SignedHeaders');
  const signature = get('X-Amz-Signature');
  if (credential === undefined || amzDate === undefined || expires === undefined || signedHeaders === undefined || signature === undefined) {
    throw malformed(
      'query',
      'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.',
    );
  }
  const { accessKeyId, scope } = parseCredential('query', credential);
  const requestTimeMs = parseAmzDate(amzDate);
  if (requestTimeMs === undefined) throw malformed('query', `X-Amz-Date '${amzDate}' is not in the ISO 8601 basic format YYYYMMDD'T'HHMMSS'Z'`);
  checkScopeDate('query', scope, requestTimeMs);
  const parsed: ParsedSignature = {
    mode: 'query',
    accessKeyId,
    scope,
    requestTimeMs,
    signedHeaders: parseSignedHeaders('query', signedHeaders),
    signature,
    expiresSec: parseExpires(expires),
  };
  return withOptionalFields(req, parsed, get('X-Amz-Security-Token'), get('X-Amz-Content-Sha256'));
}

// aws-wire-protocols.md §4.4: X-Amz-Expires is a whole number of seconds, at most a week.
function parseExpires(value: string): number {
  if (!/^\d{1,10}$/.test(value)) throw malformed('query', 'X-Amz-Expires should be a number');
  const seconds = Number(value);
  if (seconds > MAX_EXPIRES_SEC) {
    throw malformed(
      'query',
      `X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than ${MAX_EXPIRES_SEC} seconds`,
    );
  }
  return seconds;
}

/** `AKID/YYYYMMDD/region/service/aws4_request` */
function parseCredential(mode: Mode, credential: string): { accessKeyId: string; scope: CredentialScope } {
  const parts = credential.split('/');
  const [accessKeyId, date, region, service, terminator] = parts;
  if (
    parts.length !== 5 ||
    !accessKeyId ||
    !date ||
    !/^\d{8}$/.test(date) ||
    !region ||
    !service ||
    terminator !== SCOPE_TERMINATOR
  ) {
    throw malformed(mode, `The Credential '${credential}' is malformed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`);
  }
  return { accessKeyId, scope: { date, region, service } };
}

// node-ecosystem.md §2 pitfall 8: the scope's date must be the request time's day.
function checkScopeDate(mode: Mode, scope: CredentialScope, requestTimeMs: number): void {
  const day = formatAmzDate(requestTimeMs).slice(0, 8);
  if (scope.date !== day) {
    throw malformed(mode, `Invalid credential date '${scope.date}'. Date is not the same as X-Amz-Date: '${day}'.`);
  }
}

function parseSignedHeaders(mode: Mode, value: string): string[] {
  const names = value.split(';');
  if (value === '' || names.some((name) => name.trim() === '')) {
    throw malformed(mode, `SignedHeaders '${value}' is malformed: expecting lower-case header names separated by ';'`);
  }
  return names.map((name) => name.trim().toLowerCase());
}

/** Every signed header must be present, and host must be among them. */
function checkSignedHeaders(req: IncomingSignedRequest, parsed: ParsedSignature): void {
  if (!parsed.signedHeaders.includes('host')) {
    throw malformed(parsed.mode, "The host header must be signed: SignedHeaders does not include 'host'");
  }
  for (const name of parsed.signedHeaders) {
    if (headerValues(req, name).length === 0) {
      throw malformed(parsed.mode, `The header '${name}' is listed in SignedHeaders but absent from the request`);
    }
  }
}

/** The token and content hash may come as headers or, presigned, as query parameters (smithy hoists x-amz-* headers). */
function withOptionalFields(req: IncomingSignedRequest, parsed: ParsedSignature, queryToken?: string, queryContentSha256?: string): ParsedSignature {
  const securityToken = queryToken ?? headerValue(req, 'x-amz-security-token');
  const contentSha256 = headerValue(req, 'x-amz-content-sha256') ?? queryContentSha256;
  if (securityToken !== undefined) parsed.securityToken = securityToken;
  if (contentSha256 !== undefined) parsed.contentSha256 = contentSha256.trim();
  return parsed;
}
