import { timingSafeEqual } from 'node:crypto';
import { unauthenticated } from '../../errors.js';
import { canonicalRequest, stringToSign } from './canonical.js';
import { MAX_SKEW_MS } from './constants.js';
import { hmac } from './hash.js';
import { signingKey } from './signing-key.js';
import { formatAmzDate, isoSeconds } from './time.js';
import type { IncomingSignedRequest, ParsedSignature, VerifiedSignature, VerifyOptions } from './types.js';

const MISMATCH = 'The request signature we calculated does not match the signature you provided. Check your key and signing method.';

/**
 * Verifies a parsed SigV4 signature: scope, time window, then the signature
 * itself. Returns the signing key and the request's signature, the seed of an
 * aws-chunked body's chunk-signature chain.
 */
export function verifySignature(req: IncomingSignedRequest, parsed: ParsedSignature, opts: VerifyOptions): VerifiedSignature {
  checkScope(parsed, opts);
  if (parsed.mode === 'header') checkSkew(parsed, opts.nowMs);
  else checkPresignedWindow(parsed, opts.nowMs);
  const key = signingKey(opts.secretAccessKey, parsed.scope);
  const canonical = canonicalRequest(req, {
    mode: parsed.mode,
    signedHeaders: parsed.signedHeaders,
    payloadHash: opts.payloadHash,
    canonicalUri: opts.canonicalUri,
  });
  const toSign = stringToSign(parsed.requestTimeMs, parsed.scope, canonical);
  const expected = hmac(key, toSign).toString('hex');
  if (!sameSignature(expected, parsed.signature)) {
    // S3 echoes these so a client author can diff the two canonical requests (aws-wire-protocols.md §4.5).
    throw unauthenticated(MISMATCH, 'signature-mismatch', {
      AWSAccessKeyId: parsed.accessKeyId,
      StringToSign: toSign,
      SignatureProvided: parsed.signature,
      CanonicalRequest: canonical,
    });
  }
  return { signingKey: key, seedSignature: parsed.signature };
}

/** Constant-time comparison of two hex signatures (node-ecosystem.md §2 pitfall 10). */
export function sameSignature(expectedHex: string, providedHex: string): boolean {
  const a = Buffer.from(expectedHex, 'utf8');
  const b = Buffer.from(providedHex, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

// node-ecosystem.md §2 pitfall 1 / aws-wire-protocols.md §0.1: the scope must name this route's service.
function checkScope(parsed: ParsedSignature, opts: VerifyOptions): void {
  const { service, region } = parsed.scope;
  if (!opts.services.includes(service)) {
    const expected = opts.services.map((s) => `'${s}'`).join(' or ');
    throw unauthenticated(`Credential should be scoped to correct service: ${expected}, not '${service}'.`, 'scope-mismatch');
  }
  const accepted = typeof opts.region === 'string' ? [opts.region] : opts.region;
  if (accepted !== undefined && !accepted.includes(region)) {
    // One server speaks one region; IAM is global and signed for us-east-1 whatever that region is.
    const expected = accepted[0] ?? '';
    const others = accepted.slice(1).map((r) => `'${r}'`);
    const why =
      service === 'iam'
        ? `IAM is global: its requests are signed for us-east-1${others.length > 0 ? ` (or ${others.join(', ')}, this server's region)` : ''}.`
        : `This server speaks one region, '${expected}' (ferry server --region).`;
    throw unauthenticated(`Credential should be scoped to a valid region: '${expected}', not '${region}'. ${why}`, 'wrong-region', { Region: expected });
  }
}

// node-ecosystem.md §2 pitfall 8: header auth is valid within 15 minutes either side of the server's clock.
function checkSkew(parsed: ParsedSignature, nowMs: number): void {
  const t = parsed.requestTimeMs;
  if (Math.abs(nowMs - t) <= MAX_SKEW_MS) return;
  const fields = { RequestTime: isoSeconds(t), ServerTime: isoSeconds(nowMs) };
  // The JSON services' wording; S3's registry entry substitutes its own fixed message.
  const message =
    t < nowMs
      ? `Signature expired: ${formatAmzDate(t)} is now earlier than ${formatAmzDate(nowMs - MAX_SKEW_MS)} (${formatAmzDate(nowMs)} - 15 min.)`
      : `Signature not yet current: ${formatAmzDate(t)} is still later than ${formatAmzDate(nowMs + MAX_SKEW_MS)} (${formatAmzDate(nowMs)} + 15 min.)`;
  throw unauthenticated(message, 'clock-skew', fields);
}

// aws-wire-protocols.md §4.4: expired after X-Amz-Date + X-Amz-Expires; future-dated beyond the skew window is not yet valid.
function checkPresignedWindow(parsed: ParsedSignature, nowMs: number): void {
  const t = parsed.requestTimeMs;
  const expires = parsed.expiresSec ?? 0;
  const expiresAt = t + expires * 1000;
  if (nowMs > expiresAt) {
    throw unauthenticated('Request has expired', 'request-expired', {
      'X-Amz-Expires': String(expires),
      Expires: isoSeconds(expiresAt),
      ServerTime: isoSeconds(nowMs),
    });
  }
  if (t - nowMs > MAX_SKEW_MS) throw unauthenticated('Request is not valid yet', 'request-not-yet-valid');
}
