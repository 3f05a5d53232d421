import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isFerryError } from '../../../src/errors.js';
import { checkSigV2Request, parseSigV2, verifySigV2Signature } from '../../../src/protocols/sigv2/index.js';
import type { IncomingSignedRequest } from '../../../src/protocols/sigv4/index.js';

/**
 * The worked examples of Amazon S3's "Signing and authenticating REST
 * requests" (RESTAuthentication), signatures as published there: the oracle
 * for the canonicalisation, beside the end-to-end tests against botocore.
 */
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const AKID = 'AKIAIOSFODNN7EXAMPLE';

function request(method: string, rawUrl: string, headers: Record<string, string | string[]>): IncomingSignedRequest {
  return { method, rawUrl, headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v : [v]])) };
}

function reason(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (isFerryError(error)) return error.details.reason;
    throw error;
  }
  return undefined;
}

function verifies(req: IncomingSignedRequest, virtualHostBucket: string | undefined): void {
  const parsed = parseSigV2(req);
  assert.ok(parsed);
  verifySigV2Signature(req, parsed, { secretAccessKey: SECRET, virtualHostBucket });
  // One changed byte of the secret, or of what was signed, and it no longer does.
  assert.equal(reason(() => verifySigV2Signature(req, parsed, { secretAccessKey: `${SECRET}x`, virtualHostBucket })), 'signature-mismatch');
  assert.equal(reason(() => verifySigV2Signature({ ...req, method: req.method === 'GET' ? 'HEAD' : 'GET' }, parsed, { secretAccessKey: SECRET, virtualHostBucket })), 'signature-mismatch');
}

test('the documented header examples verify: object GET and PUT, a listing, ?acl, DELETE with x-amz-date, metadata headers', () => {
  verifies(request('GET', '/photos/puppy.jpg', { Host: 'johnsmith.s3.amazonaws.com', Date: 'Tue, 27 Mar 2007 19:36:42 +0000', Authorization: `AWS ${AKID}:bWq2s1WEIj+Ydj0vQ697zp+IXMU=` }), 'johnsmith');
  verifies(
    request('PUT', '/photos/puppy.jpg', {
      'Content-Type': 'image/jpeg',
      'Content-Length': '94328',
      Host: 'johnsmith.s3.amazonaws.com',
      Date: 'Tue, 27 Mar 2007 21:15:45 +0000',
      Authorization: `AWS ${AKID}:MyyxeRY7whkBe+bq8fHCL/2kKUg=`,
    }),
    'johnsmith',
  );
  const list = request('GET', '/?prefix=photos&max-keys=50&marker=puppy', {
    'User-Agent': 'Mozilla/5.0',
    Host: 'johnsmith.s3.amazonaws.com',
    Date: 'Tue, 27 Mar 2007 19:42:41 +0000',
    Authorization: `AWS ${AKID}:htDYFYduRNen8P9ZfE/s9SuKy0U=`,
  });
  verifies(list, 'johnsmith');
  // Signed, but SigV2 does not sign prefix, max-keys or marker: Ferry refuses what the signature does not cover.
  const refusal = (() => {
    try {
      checkSigV2Request(list, parseSigV2(list)!, Date.parse('Tue, 27 Mar 2007 19:42:41 +0000'));
    } catch (error) {
      return error as Error & { details: { reason: string } };
    }
    return undefined;
  })();
  assert.equal(refusal?.details.reason, 'unsigned-parameter');
  assert.match(refusal?.message ?? '', /'prefix', 'max-keys', 'marker'/);
  verifies(request('GET', '/?acl', { Host: 'johnsmith.s3.amazonaws.com', Date: 'Tue, 27 Mar 2007 19:44:46 +0000', Authorization: `AWS ${AKID}:c2WLPFtWHVgbEmeEG93a4cG37dM=` }), 'johnsmith');
  // The example puts x-amz-date's value where Date goes (the rule beside it says Date is then empty): both are accepted.
  verifies(
    request('DELETE', '/johnsmith/photos/puppy.jpg', {
      'User-Agent': 'dotnet',
      Host: 's3.amazonaws.com',
      Date: 'Tue, 27 Mar 2007 21:20:27 +0000',
      'x-amz-date': 'Tue, 27 Mar 2007 21:20:26 +0000',
      Authorization: `AWS ${AKID}:lx3byBScXR6KzyMaifNkardMwNk=`,
    }),
    undefined,
  );
  verifies(
    request('PUT', '/db-backup.dat.gz', {
      'User-Agent': 'curl/7.15.5',
      Host: 'static.johnsmith.net:8080',
      Date: 'Tue, 27 Mar 2007 21:06:08 +0000',
      'x-amz-acl': 'public-read',
      'content-type': 'application/x-download',
      'Content-MD5': '4gJE4saaMU4BqNR0kLY+lw==',
      'X-Amz-Meta-ReviewedBy': ['joe@johnsmith.net', 'jane@johnsmith.net'],
      'X-Amz-Meta-FileChecksum': '0x02661779',
      'X-Amz-Meta-ChecksumAlgorithm': 'crc32',
      'Content-Disposition': 'attachment; filename=database.dat',
      'Content-Encoding': 'gzip',
      'Content-Length': '5913339',
      Authorization: `AWS ${AKID}:ilyl83RwaSoYIEdixDQcA4OnAnc=`,
    }),
    'static.johnsmith.net',
  );
});

test('the documented presigned example verifies until its absolute Expires; a week ahead is the limit', () => {
  const url = `/photos/puppy.jpg?AWSAccessKeyId=${AKID}&Expires=1175139620&Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D`;
  const req = request('GET', url, { Host: 'johnsmith.s3.amazonaws.com' });
  verifies(req, 'johnsmith');
  const parsed = parseSigV2(req)!;
  assert.deepEqual(parsed, { mode: 'query', accessKeyId: AKID, signature: 'NpgCjnDzrM+WFzoENXmpNDUsSn8=', expires: '1175139620' });
  const expiresMs = 1175139620_000;
  checkSigV2Request(req, parsed, expiresMs);
  assert.equal(reason(() => checkSigV2Request(req, parsed, expiresMs + 1000)), 'request-expired');
  checkSigV2Request(req, parsed, expiresMs - 604800_000);
  assert.equal(reason(() => checkSigV2Request(req, parsed, expiresMs - 604801_000)), 'authorization-query');
});

test('malformed or mixed SigV2 auth is refused before any key is looked up', () => {
  const date = { Date: 'Tue, 27 Mar 2007 19:36:42 +0000' };
  assert.equal(parseSigV2(request('GET', '/b/k', date)), null, 'no SigV2 at all');
  assert.equal(parseSigV2(request('GET', '/b/k', { ...date, Authorization: 'AWS4-HMAC-SHA256 Credential=x' })), null, 'SigV4 is not SigV2');
  assert.equal(reason(() => parseSigV2(request('GET', '/b/k', { ...date, Authorization: 'AWS nocolon' }))), 'malformed-authorization');
  assert.equal(reason(() => parseSigV2(request('GET', '/b/k', { Authorization: `AWS ${AKID}:c2lnbmF0dXJl` }))), 'malformed-authorization', 'no Date');
  assert.equal(reason(() => parseSigV2(request('GET', `/b/k?AWSAccessKeyId=${AKID}&Signature=x`, {}))), 'authorization-query', 'no Expires');
  assert.equal(reason(() => parseSigV2(request('GET', `/b/k?AWSAccessKeyId=${AKID}&Signature=x&Expires=soon`, {}))), 'authorization-query');
  assert.equal(reason(() => parseSigV2(request('GET', `/b/k?AWSAccessKeyId=${AKID}&Signature=x&Signature=y&Expires=1`, {}))), 'authorization-query');
  assert.equal(reason(() => parseSigV2(request('GET', `/b/k?AWSAccessKeyId=${AKID}&Signature=x&Expires=1`, { Authorization: `AWS ${AKID}:x` }))), 'malformed-authorization');
  assert.equal(reason(() => parseSigV2(request('GET', `/b/k?AWSAccessKeyId=${AKID}&Signature=x&Expires=1&X-Amz-Algorithm=AWS4-HMAC-SHA256`, {}))), 'authorization-query');
});
