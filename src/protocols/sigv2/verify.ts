import { createHmac } from 'node:crypto';
import { unauthenticated } from '../../errors.js';
import { MAX_EXPIRES_SEC, MAX_SKEW_MS } from '../sigv4/constants.js';
import { isoSeconds } from '../sigv4/time.js';
import { sameSignature } from '../sigv4/verify.js';
import type { IncomingSignedRequest } from '../sigv4/types.js';
import { stringsToSignV2, unsignedParameters } from './canonical.js';
import type { ParsedSigV2 } from './types.js';

const MISMATCH = 'The request signature we calculated does not match the signature you provided. Check your key and signing method.';
const USE_SIGV4 = "sign with SigV4 instead (botocore and the AWS CLI: signature_version = s3v4; Ferry's generated AWS config sets it)";

/**
 * What needs neither the secret nor the key: the time (a header signature
 * within 15 minutes of the server's clock; a presigned URL before its
 * absolute `Expires`, which may be at most 7 days ahead, as long as SigV4's
 * X-Amz-Expires), and that every query parameter which could change the
 * response is covered by the signature.
 */
export function checkSigV2Request(req: IncomingSignedRequest, parsed: ParsedSigV2, nowMs: number): void {
  if (parsed.mode === 'header') checkSkew(parsed.requestTimeMs ?? 0, nowMs);
  else checkExpires(Number(parsed.expires) * 1000, nowMs);
  const unsigned = unsignedParameters(req, parsed.mode);
  if (unsigned.length > 0) {
    const names = unsigned.map((n) => `'${n}'`).join(', ');
    const message = `SigV2 signs only S3's sub-resources, not the query parameter${unsigned.length > 1 ? 's' : ''} ${names}, which would change the response: ${USE_SIGV4}.`;
    throw unauthenticated(message, parsed.mode === 'query' ? 'authorization-query' : 'unsigned-parameter');
  }
}

function checkSkew(requestTimeMs: number, nowMs: number): void {
  if (Math.abs(nowMs - requestTimeMs) <= MAX_SKEW_MS) return;
  throw unauthenticated('The difference between the request time and the current time is too large.', 'clock-skew', {
    RequestTime: isoSeconds(requestTimeMs),
    ServerTime: isoSeconds(nowMs),
  });
}

function checkExpires(expiresMs: number, nowMs: number): void {
  if (nowMs > expiresMs) {
    throw unauthenticated('Request has expired', 'request-expired', { Expires: isoSeconds(expiresMs), ServerTime: isoSeconds(nowMs) });
  }
  if (expiresMs - nowMs > MAX_EXPIRES_SEC * 1000) {
    throw unauthenticated(
      `Expires ${isoSeconds(expiresMs)} is more than ${MAX_EXPIRES_SEC} seconds (7 days) after the server's time ${isoSeconds(nowMs)}: a presigned URL may live at most 7 days.`,
      'authorization-query',
      { Expires: isoSeconds(expiresMs), ServerTime: isoSeconds(nowMs) },
    );
  }
}

/** HMAC-SHA1 of the string to sign, base64 (RESTAuthentication), compared in constant time. */
export function verifySigV2Signature(req: IncomingSignedRequest, parsed: ParsedSigV2, opts: { secretAccessKey: string; virtualHostBucket: string | undefined }): void {
  const candidates = stringsToSignV2(req, parsed, opts.virtualHostBucket);
  const sign = (text: string) => createHmac('sha1', opts.secretAccessKey).update(text, 'utf8').digest('base64');
  if (candidates.some((text) => sameSignature(sign(text), parsed.signature))) return;
  const toSign = candidates[0]!;
  // S3 echoes these so a client author can compare the two strings to sign.
  throw unauthenticated(MISMATCH, 'signature-mismatch', {
    AWSAccessKeyId: parsed.accessKeyId,
    StringToSign: toSign,
    SignatureProvided: parsed.signature,
    StringToSignBytes: [...Buffer.from(toSign, 'utf8')].map((b) => b.toString(16).padStart(2, '0')).join(' '),
  });
}
