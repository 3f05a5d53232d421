import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { rawRequest, type RawResponse } from '../helpers/http.js';
import { signRequest } from '../helpers/sign.js';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { ListBucketsCommand } from '@aws-sdk/client-s3';

/**
 * Raw signed requests, not the SDK: the SDK corrects clock skew by itself,
 * and each test here breaks exactly one thing beside a request that works.
 */
const MINUTE = 60_000;

async function signedCall(s: TestServer, kind: 'iot' | 's3' | 'iam', tweak: { secret?: string; date?: Date; service?: string; region?: string } = {}): Promise<RawResponse> {
  const credentials = { accessKeyId: s.credentials.accessKeyId, secretAccessKey: tweak.secret ?? s.credentials.secretAccessKey };
  const base = kind === 's3' ? s.endpoints.endpoints.s3 : s.endpoints.endpoints.iot;
  const req: { url: string; method: string; service: string; region: string; headers?: Record<string, string>; body?: string; s3?: boolean } =
    kind === 'iot'
      ? { url: `${base}/things`, method: 'GET', service: 'iot', region: 'us-east-1' }
      : kind === 's3'
        ? { url: `${base}/`, method: 'GET', service: 's3', region: 'us-east-1', headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' }, s3: true }
        : {
            url: `${base}/`,
            method: 'POST',
            service: 'iam',
            region: 'us-east-1',
            headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
            body: 'Action=ListRoles&Version=2010-05-08',
          };
  const signed = await signRequest({
    ...req,
    service: tweak.service ?? req.service,
    region: tweak.region ?? req.region,
    credentials,
    signingDate: tweak.date ?? new Date(s.clock.now()),
  });
  return rawRequest({ url: req.url, method: req.method, headers: signed.headers, ca: s.ca, ...(req.body !== undefined ? { body: req.body } : {}) });
}

const errorType = (r: RawResponse) => String(r.headers['x-amzn-errortype'] ?? '');
const xmlCode = (r: RawResponse) => /<Code>([^<]+)<\/Code>/.exec(r.body)?.[1];

test('rest-json (IoT): signed works; unsigned, wrong secret, skewed date and wrong service are 403', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  assert.equal((await signedCall(s, 'iot')).status, 200);
  const unsigned = await rawRequest({ url: `${s.endpoints.endpoints.iot}/things`, ca: s.ca });
  assert.equal(unsigned.status, 403);
  assert.equal(errorType(unsigned), 'MissingAuthenticationTokenException');
  assert.ok(unsigned.headers.date, 'every reply carries a Date header');
  const wrong = await signedCall(s, 'iot', { secret: 'x'.repeat(40) });
  assert.equal(wrong.status, 403);
  assert.equal(errorType(wrong), 'InvalidSignatureException');
  assert.match(JSON.parse(wrong.body).message, /signature/i);
  const skewed = await signedCall(s, 'iot', { date: new Date(s.clock.now() - 20 * MINUTE) });
  assert.equal(skewed.status, 403);
  assert.equal(errorType(skewed), 'InvalidSignatureException');
  const otherService = await signedCall(s, 'iot', { service: 's3' });
  assert.equal(otherService.status, 403);
  assert.match(JSON.parse(otherService.body).message, /iot/);
  const otherRegion = await signedCall(s, 'iot', { region: 'eu-west-1' });
  assert.equal(otherRegion.status, 403);
  // The SDK's `execute-api` signing name is accepted, as AWS documents.
  assert.equal((await signedCall(s, 'iot', { service: 'execute-api' })).status, 200);
  const unknownKey = await rawRequest({
    url: `${s.endpoints.endpoints.iot}/things`,
    ca: s.ca,
    headers: (await signRequest({ url: `${s.endpoints.endpoints.iot}/things`, method: 'GET', service: 'iot', region: 'us-east-1', credentials: { accessKeyId: 'AKIAAAAAAAAAAAAAAAAA', secretAccessKey: 'x' } })).headers,
  });
  assert.equal(unknownKey.status, 403);
  assert.equal(errorType(unknownKey), 'UnrecognizedClientException');
});

test('rest-xml (S3): wrong secret is SignatureDoesNotMatch, 20 minutes off is RequestTimeTooSkewed', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  assert.equal((await signedCall(s, 's3')).status, 200);
  const unsigned = await rawRequest({ url: `${s.endpoints.endpoints.s3}/`, ca: s.ca });
  assert.equal(unsigned.status, 403);
  assert.equal(xmlCode(unsigned), 'AccessDenied');
  const wrong = await signedCall(s, 's3', { secret: 'y'.repeat(40) });
  assert.equal(wrong.status, 403);
  assert.equal(xmlCode(wrong), 'SignatureDoesNotMatch');
  assert.match(wrong.body, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<Error><Code>/);
  assert.match(wrong.body, /<RequestId>[^<]+<\/RequestId>/);
  const skewed = await signedCall(s, 's3', { date: new Date(s.clock.now() + 20 * MINUTE) });
  assert.equal(skewed.status, 403);
  assert.equal(xmlCode(skewed), 'RequestTimeTooSkewed');
  const otherService = await signedCall(s, 's3', { service: 'iot' });
  assert.equal(otherService.status, 403);
});

test('aws-query (IAM): wrong secret is SignatureDoesNotMatch, unknown key InvalidClientTokenId', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const ok = await signedCall(s, 'iam');
  assert.notEqual(ok.status, 403, ok.body);
  const wrong = await signedCall(s, 'iam', { secret: 'z'.repeat(40) });
  assert.equal(wrong.status, 403);
  assert.match(wrong.body, /<ErrorResponse xmlns="https:\/\/iam.amazonaws.com\/doc\/2010-05-08\/"><Error><Type>Sender<\/Type><Code>SignatureDoesNotMatch<\/Code>/);
  const skewed = await signedCall(s, 'iam', { date: new Date(s.clock.now() - 20 * MINUTE) });
  assert.equal(skewed.status, 403);
  const otherRegion = await signedCall(s, 'iam', { region: 'eu-west-1' });
  assert.equal(otherRegion.status, 403, 'IAM is signed for us-east-1');
  const body = 'Action=ListRoles&Version=2010-05-08';
  const unknown = await rawRequest({
    url: `${s.endpoints.endpoints.iam}/`,
    method: 'POST',
    body,
    ca: s.ca,
    headers: (
      await signRequest({
        url: `${s.endpoints.endpoints.iam}/`,
        method: 'POST',
        service: 'iam',
        region: 'us-east-1',
        body,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        credentials: { accessKeyId: 'AKIAAAAAAAAAAAAAAAAA', secretAccessKey: 'x' },
      })
    ).headers,
  });
  assert.equal(unknown.status, 403);
  assert.match(unknown.body, /<Code>InvalidClientTokenId<\/Code>/);
});

test('a presigned URL works until X-Amz-Expires and is refused after, in S3 words', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const url = await getSignedUrl(s.s3(), new ListBucketsCommand({}), { expiresIn: 120, signingDate: new Date(s.clock.now()) });
  assert.equal((await rawRequest({ url, ca: s.ca })).status, 200);
  s.clock.advance(121_000);
  const expired = await rawRequest({ url, ca: s.ca });
  assert.equal(expired.status, 403);
  assert.equal(xmlCode(expired), 'AccessDenied');
  assert.match(expired.body, /<Message>Request has expired<\/Message>/);
  assert.match(expired.body, /<X-Amz-Expires>120<\/X-Amz-Expires>/);
  assert.match(expired.body, /<Expires>[^<]+<\/Expires><ServerTime>[^<]+<\/ServerTime>/);
  const tampered = url.replace(/X-Amz-Signature=([0-9a-f])/, (_m, c: string) => `X-Amz-Signature=${c === '0' ? '1' : '0'}`);
  s.clock.advance(-121_000);
  const bad = await rawRequest({ url: tampered, ca: s.ca });
  assert.equal(bad.status, 403);
  assert.equal(xmlCode(bad), 'SignatureDoesNotMatch');
});

test('every listener dates its replies by the server clock, so SDKs can correct their skew', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  s.clock.advance(3 * 3600_000);
  for (const url of [`${s.endpoints.endpoints.iot}/things`, `${s.endpoints.endpoints.s3}/`, `${s.endpoints.endpoints.iotJobsData}/things/x/jobs`]) {
    const reply = await rawRequest({ url, ca: s.ca });
    const served = Date.parse(String(reply.headers.date));
    assert.ok(Math.abs(served - s.clock.now()) < 5_000, `${url}: ${reply.headers.date}`);
  }
});
