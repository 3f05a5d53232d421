import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isFerryError } from '../../../src/errors.js';
import { parseSignature } from '../../../src/protocols/sigv4/index.js';
import type { IncomingSignedRequest } from '../../../src/protocols/sigv4/index.js';
import { HOST, smithyPresign, smithySign } from './oracle.js';

const SIG = 'a'.repeat(64);
const CRED = 'AKIDEXAMPLE/20250314/us-east-1/iot/aws4_request';

function headerReq(authorization: string, headers: Record<string, string[]> = {}): IncomingSignedRequest {
  return {
    method: 'GET',
    rawUrl: '/things',
    headers: { host: [HOST], 'x-amz-date': ['20250314T150926Z'], authorization: [authorization], ...headers },
  };
}

function queryReq(params: Record<string, string>): IncomingSignedRequest {
  const base: Record<string, string> = {
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    'X-Amz-Credential': 'AKIDEXAMPLE/20250314/us-east-1/s3/aws4_request',
    'X-Amz-Date': '20250314T150926Z',
    'X-Amz-Expires': '900',
    'X-Amz-SignedHeaders': 'host',
    'X-Amz-Signature': SIG,
  };
  const merged = { ...base, ...params };
  const qs = Object.entries(merged)
    .filter(([, v]) => v !== '<absent>')
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&');
  return { method: 'GET', rawUrl: `/bucket/key?${qs}`, headers: { host: [HOST] } };
}

function malformed(req: IncomingSignedRequest, reason: string, message: RegExp): void {
  assert.throws(
    () => parseSignature(req),
    (err: unknown) => {
      assert.ok(isFerryError(err), String(err));
      assert.equal(err.kind, 'Unauthenticated');
      assert.equal(err.details.reason, reason);
      assert.match(err.message, message);
      return true;
    },
  );
}

const H = 'malformed-authorization';
const Q = 'authorization-query';

test('no SigV4 auth at all is null, not an error', () => {
  assert.equal(parseSignature({ method: 'GET', rawUrl: '/b/k?X-Amz-Credential=x', headers: { host: [HOST] } }), null);
  assert.equal(parseSignature({ method: 'GET', rawUrl: '/', headers: {} }), null);
});

test('a well-formed header parses in any part order and comma spacing', () => {
  const parsed = parseSignature(
    headerReq(`AWS4-HMAC-SHA256 Signature=${SIG},SignedHeaders=host;x-amz-date,  Credential=${CRED}`, {
      'x-amz-security-token': ['tok'],
      'x-amz-content-sha256': ['UNSIGNED-PAYLOAD'],
    }),
  );
  assert.deepEqual(parsed, {
    mode: 'header',
    accessKeyId: 'AKIDEXAMPLE',
    scope: { date: '20250314', region: 'us-east-1', service: 'iot' },
    requestTimeMs: Date.parse('2025-03-14T15:09:26Z'),
    signedHeaders: ['host', 'x-amz-date'],
    signature: SIG,
    securityToken: 'tok',
    contentSha256: 'UNSIGNED-PAYLOAD',
  });
});

test('malformed Authorization headers', () => {
  const ok = `Credential=${CRED}, SignedHeaders=host;x-amz-date, Signature=${SIG}`;
  malformed(headerReq(`AWS4-HMAC-SHA1 ${ok}`), H, /only AWS4-HMAC-SHA256/);
  malformed(headerReq(`AWS AKIDEXAMPLE:c2ln`), H, /only AWS4-HMAC-SHA256/);
  malformed(headerReq(`Bearer xyz`), H, /only AWS4-HMAC-SHA256/);
  malformed(headerReq(`AWS4-HMAC-SHA256 Credential=${CRED}, Signature=${SIG}`), H, /requires 'SignedHeaders'/);
  malformed(headerReq(`AWS4-HMAC-SHA256 SignedHeaders=host, Signature=${SIG}`), H, /requires 'Credential'/);
  malformed(headerReq(`AWS4-HMAC-SHA256 Credential=${CRED}, SignedHeaders=host`), H, /requires 'Signature'/);
  malformed(headerReq(`AWS4-HMAC-SHA256`), H, /requires 'Credential'.*'SignedHeaders'.*'Signature'/);
  malformed(headerReq(`AWS4-HMAC-SHA256 ${ok}, Signature=${SIG}`), H, /twice/);
  malformed(headerReq(`AWS4-HMAC-SHA256 ${ok}, junk`), H, /name=value/);
  for (const cred of [
    'AKIDEXAMPLE/20250314/us-east-1/iot',
    'AKIDEXAMPLE/20250314/us-east-1/iot/aws4_requests',
    'AKIDEXAMPLE/2025-03-14/us-east-1/iot/aws4_request',
    '/20250314/us-east-1/iot/aws4_request',
    'AKIDEXAMPLE/20250314//iot/aws4_request',
    'AKID/EXAMPLE/20250314/us-east-1/iot/aws4_request',
  ]) {
    malformed(headerReq(`AWS4-HMAC-SHA256 Credential=${cred}, SignedHeaders=host;x-amz-date, Signature=${SIG}`), H, /Credential .* is malformed/);
  }
  malformed(headerReq(`AWS4-HMAC-SHA256 Credential=${CRED}, SignedHeaders=, Signature=${SIG}`), H, /SignedHeaders/);
  malformed(headerReq(`AWS4-HMAC-SHA256 Credential=${CRED}, SignedHeaders=host;;x-amz-date, Signature=${SIG}`), H, /SignedHeaders/);
  malformed(headerReq(`AWS4-HMAC-SHA256 Credential=${CRED}, SignedHeaders=x-amz-date, Signature=${SIG}`), H, /host header must be signed/);
  malformed(headerReq(`AWS4-HMAC-SHA256 Credential=${CRED}, SignedHeaders=host;x-amz-date;x-amz-meta-a, Signature=${SIG}`), H, /'x-amz-meta-a' is listed in SignedHeaders but absent/);
  malformed({ ...headerReq(`AWS4-HMAC-SHA256 ${ok}`), headers: { ...headerReq('').headers, authorization: [`AWS4-HMAC-SHA256 ${ok}`, `AWS4-HMAC-SHA256 ${ok}`] } }, H, /Only one Authorization/);
});

test('header mode dates: X-Amz-Date format, Date fallback, scope day', () => {
  const auth = (date: string) => `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/${date}/us-east-1/iot/aws4_request, SignedHeaders=host, Signature=${SIG}`;
  malformed(headerReq(auth('20250313')), H, /Invalid credential date '20250313'/);
  malformed(headerReq(auth('20250314'), { 'x-amz-date': ['2025-03-14T15:09:26Z'] }), H, /basic format/);
  malformed(headerReq(auth('20250314'), { 'x-amz-date': ['20251314T150926Z'] }), H, /basic format/);
  const noDate = headerReq(auth('20250314'));
  delete noDate.headers['x-amz-date'];
  malformed(noDate, H, /either a 'X-Amz-Date' or a 'Date' header/);
  const withDate = { ...noDate, headers: { ...noDate.headers, date: ['Fri, 14 Mar 2025 23:59:59 GMT'] } };
  assert.equal(parseSignature(withDate)?.requestTimeMs, Date.parse('2025-03-14T23:59:59Z'));
  malformed({ ...noDate, headers: { ...noDate.headers, date: ['Sat, 15 Mar 2025 00:00:00 GMT'] } }, H, /Invalid credential date/);
  malformed({ ...noDate, headers: { ...noDate.headers, date: ['yesterday'] } }, H, /not a valid HTTP date/);
});

test('a presigned URL parses, with its token and expiry', () => {
  const parsed = parseSignature(queryReq({ 'X-Amz-Security-Token': 'tok/+=' }));
  assert.deepEqual(parsed, {
    mode: 'query',
    accessKeyId: 'AKIDEXAMPLE',
    scope: { date: '20250314', region: 'us-east-1', service: 's3' },
    requestTimeMs: Date.parse('2025-03-14T15:09:26Z'),
    signedHeaders: ['host'],
    signature: SIG,
    expiresSec: 900,
    securityToken: 'tok/+=',
  });
});

test('malformed presigned query parameters', () => {
  malformed(queryReq({ 'X-Amz-Algorithm': 'AWS4-HMAC-SHA512' }), Q, /only supports "AWS4-HMAC-SHA256"/);
  for (const name of ['X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature']) {
    malformed(queryReq({ [name]: '<absent>' }), Q, /requires the X-Amz-Algorithm, X-Amz-Credential/);
  }
  malformed(queryReq({ 'X-Amz-Expires': 'soon' }), Q, /should be a number/);
  malformed(queryReq({ 'X-Amz-Expires': '-1' }), Q, /should be a number/);
  malformed(queryReq({ 'X-Amz-Expires': '1.5' }), Q, /should be a number/);
  malformed(queryReq({ 'X-Amz-Expires': '604801' }), Q, /less than a week/);
  assert.equal(parseSignature(queryReq({ 'X-Amz-Expires': '604800' }))?.expiresSec, 604800);
  malformed(queryReq({ 'X-Amz-Credential': 'AKIDEXAMPLE/20250313/us-east-1/s3/aws4_request' }), Q, /Invalid credential date/);
  malformed(queryReq({ 'X-Amz-Credential': 'AKIDEXAMPLE/20250314/us-east-1/s3' }), Q, /malformed/);
  malformed(queryReq({ 'X-Amz-Date': '20250314' }), Q, /basic format/);
  malformed(queryReq({ 'X-Amz-SignedHeaders': 'x-amz-date' }), Q, /host header must be signed/);
  malformed(queryReq({ 'X-Amz-SignedHeaders': 'host;range' }), Q, /'range' is listed in SignedHeaders but absent/);
  const twice = queryReq({});
  malformed({ ...twice, rawUrl: `${twice.rawUrl}&X-Amz-Signature=${SIG}` }, Q, /more than once/);
  const both = queryReq({});
  both.headers['authorization'] = [`AWS4-HMAC-SHA256 Credential=${CRED}, SignedHeaders=host, Signature=${SIG}`];
  malformed(both, H, /Only one auth mechanism/);
});

test('parse accepts what smithy signs and presigns', async () => {
  const signed = await smithySign({ method: 'GET', path: '/x', service: 'iot', region: 'us-east-1' });
  assert.equal(parseSignature(signed)?.mode, 'header');
  const presigned = await smithyPresign({ method: 'GET', path: '/b/k', service: 's3', region: 'us-east-1', expiresIn: 60, sessionToken: 'T' });
  const parsed = parseSignature(presigned);
  assert.equal(parsed?.mode, 'query');
  assert.equal(parsed?.expiresSec, 60);
  assert.equal(parsed?.securityToken, 'T');
});
