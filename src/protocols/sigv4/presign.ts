import { invalidInput } from '../../errors.js';
import { canonicalRequest, stringToSign } from './canonical.js';
import { ALGORITHM, MAX_EXPIRES_SEC, UNSIGNED_PAYLOAD } from './constants.js';
import { hmac } from './hash.js';
import { scopeString, signingKey } from './signing-key.js';
import { formatAmzDate } from './time.js';
import { uriEncode } from './uri.js';
import type { CredentialScope } from './types.js';

export interface PresignOptions {
  method: 'GET' | 'PUT' | 'HEAD';
  /** 'https://host:port' */
  origin: string;
  /** Already encoded, e.g. '/bucket/key%20x'. */
  path: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  region: string;
  service: string;
  expiresSec: number;
  nowMs: number;
}

/**
 * A presigned URL (aws-wire-protocols.md §4.4): only `host` signed and an
 * UNSIGNED-PAYLOAD, so nothing but the URL is needed to use it (no checksum
 * parameters baked in: node-ecosystem.md §2 pitfall 7).
 */
export function presignUrl(opts: PresignOptions): string {
  if (!Number.isInteger(opts.expiresSec) || opts.expiresSec < 1 || opts.expiresSec > MAX_EXPIRES_SEC) {
    throw invalidInput(`expiresSec must be an integer between 1 and ${MAX_EXPIRES_SEC}`);
  }
  const url = new URL(opts.origin);
  const amzDate = formatAmzDate(opts.nowMs);
  const scope: CredentialScope = { date: amzDate.slice(0, 8), region: opts.region, service: opts.service };
  const params: [string, string][] = [
    ['X-Amz-Algorithm', ALGORITHM],
    ['X-Amz-Credential', `${opts.accessKeyId}/${scopeString(scope)}`],
    ['X-Amz-Date', amzDate],
    ['X-Amz-Expires', String(opts.expiresSec)],
    ...(opts.sessionToken !== undefined ? [['X-Amz-Security-Token', opts.sessionToken] as [string, string]] : []),
    ['X-Amz-SignedHeaders', 'host'],
  ];
  const path = opts.path.startsWith('/') ? opts.path : `/${opts.path}`;
  // A path may already carry a query (e.g. '?versionId=…'): the auth parameters join it.
  const auth = params.map(([k, v]) => `${uriEncode(k)}=${uriEncode(v)}`).join('&');
  const rawUrl = `${path}${path.includes('?') ? '&' : '?'}${auth}`;
  // Built from the very request our verifier will see, so the two cannot disagree.
  const canonical = canonicalRequest(
    { method: opts.method, rawUrl, headers: { host: [url.host] } },
    { mode: 'query', signedHeaders: ['host'], payloadHash: UNSIGNED_PAYLOAD, canonicalUri: opts.service === 's3' ? 's3' : 'normalized' },
  );
  const signature = hmac(signingKey(opts.secretAccessKey, scope), stringToSign(opts.nowMs, scope, canonical)).toString('hex');
  return `${url.protocol}//${url.host}${rawUrl}&X-Amz-Signature=${signature}`;
}
