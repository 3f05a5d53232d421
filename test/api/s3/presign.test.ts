import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { rawRequest } from '../../helpers/http.js';
import { presignUrl } from '../../../src/protocols/sigv4/index.js';

/** A URL presigned the way Ferry signs the links in job documents (only host signed, UNSIGNED-PAYLOAD). */
function presign(s: TestServer, opts: { path: string; method: 'GET' | 'PUT' | 'HEAD'; expiresSec: number }): string {
  return presignUrl({ ...opts, origin: s.endpoints.endpoints.s3, ...s.credentials, region: 'us-east-1', service: 's3', nowMs: s.clock.now() });
}

async function withObject(t: { after(fn: () => Promise<void>): void }): Promise<TestServer> {
  const s = await startTestServer();
  t.after(() => s.close());
  await s.s3().send(new CreateBucketCommand({ Bucket: 'firmware' }));
  await s.s3().send(new PutObjectCommand({ Bucket: 'firmware', Key: 'miso/1.0.0 image.bin', Body: 'the firmware' }));
  await s.s3().send(new CreateBucketCommand({ Bucket: 'other' }));
  await s.s3().send(new PutObjectCommand({ Bucket: 'other', Key: 'miso/1.0.0 image.bin', Body: 'another bucket' }));
  return s;
}

const OBJECT_PATH = '/firmware/miso/1.0.0%20image.bin';

test('a presigned GET works before its expiry and is refused after it with the S3 error body (the clock moves, nobody sleeps)', async (t) => {
  const s = await withObject(t);
  const url = presign(s, { path: OBJECT_PATH, method: 'GET', expiresSec: 120 });
  const ok = await rawRequest({ url, ca: s.ca });
  assert.equal(ok.status, 200);
  assert.equal(ok.body, 'the firmware');

  // The clock follows real time plus the offset, and X-Amz-Date has whole seconds: leave a margin for a loaded machine.
  s.clock.advance(110_000);
  assert.equal((await rawRequest({ url, ca: s.ca })).status, 200);
  s.clock.advance(11_000);
  const expired = await rawRequest({ url, ca: s.ca });
  assert.equal(expired.status, 403);
  assert.equal(expired.headers['content-type'], 'application/xml');
  // aws-wire-protocols.md §4.4: AccessDenied, "Request has expired", X-Amz-Expires, Expires, ServerTime; then the scheme Ferry saw.
  assert.match(expired.body, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<Error><Code>AccessDenied<\/Code><Message>Request has expired<\/Message><X-Amz-Expires>120<\/X-Amz-Expires><Expires>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ<\/Expires><ServerTime>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ<\/ServerTime><AuthenticationScheme>SigV4 presigned URL<\/AuthenticationScheme><RequestId>[^<]+<\/RequestId><HostId>[^<]+<\/HostId><\/Error>$/);
});

test('tampering with a presigned URL fails: signature, key, bucket, the signed Host header, the method', async (t) => {
  const s = await withObject(t);
  const url = presign(s, { path: OBJECT_PATH, method: 'GET', expiresSec: 600 });
  assert.equal((await rawRequest({ url, ca: s.ca })).status, 200);

  const refusedAs = async (res: Promise<{ status: number; body: string }>, code: string) => {
    const r = await res;
    assert.equal(r.status, 403, r.body);
    assert.match(r.body, new RegExp(`<Code>${code}</Code>`));
  };
  const sig = /X-Amz-Signature=([0-9a-f]+)/.exec(url)![1]!;
  const flipped = sig.replace(/^./, (c) => (c === '0' ? '1' : '0'));
  await refusedAs(rawRequest({ url: url.replace(sig, flipped), ca: s.ca }), 'SignatureDoesNotMatch');
  await refusedAs(rawRequest({ url: url.replace('1.0.0%20image', '1.0.1%20image'), ca: s.ca }), 'SignatureDoesNotMatch');
  await refusedAs(rawRequest({ url: url.replace('/firmware/', '/other/'), ca: s.ca }), 'SignatureDoesNotMatch');
  const port = new URL(url).port;
  await refusedAs(rawRequest({ url, ca: s.ca, headers: { host: `localhost:${port}` } }), 'SignatureDoesNotMatch');
  await refusedAs(rawRequest({ url, method: 'PUT', body: 'overwrite', ca: s.ca }), 'SignatureDoesNotMatch');
  // Still the original, intact.
  assert.equal((await rawRequest({ url, ca: s.ca })).body, 'the firmware');
});

test('an X-Amz-Expires over a week is AuthorizationQueryParametersError', async (t) => {
  const s = await withObject(t);
  const url = presign(s, { path: OBJECT_PATH, method: 'GET', expiresSec: 600 });
  const res = await rawRequest({ url: url.replace('X-Amz-Expires=600', 'X-Amz-Expires=604801'), ca: s.ca });
  assert.equal(res.status, 400);
  assert.match(res.body, /<Code>AuthorizationQueryParametersError<\/Code>/);
});

test('@aws-sdk/s3-request-presigner URLs work: GET, HEAD, and PUT from a client with requestChecksumCalculation WHEN_REQUIRED', async (t) => {
  const s = await withObject(t);
  const client = new S3Client({
    region: 'us-east-1',
    credentials: s.credentials,
    endpoint: s.endpoints.endpoints.s3,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    requestHandler: new NodeHttpHandler({ httpsAgent: s.agent }),
  });
  const getUrl = await getSignedUrl(client, new GetObjectCommand({ Bucket: 'firmware', Key: 'miso/1.0.0 image.bin' }), { expiresIn: 300, signingDate: new Date(s.clock.now()) });
  assert.match(getUrl, /x-id=GetObject/);
  const got = await rawRequest({ url: getUrl, ca: s.ca });
  assert.equal(got.status, 200);
  assert.equal(got.body, 'the firmware');

  const headUrl = await getSignedUrl(client, new HeadObjectCommand({ Bucket: 'firmware', Key: 'miso/1.0.0 image.bin' }), { expiresIn: 300 });
  assert.equal((await rawRequest({ url: getUrl, method: 'HEAD', ca: s.ca })).status, 403, 'a GET URL is not a HEAD URL');
  const head = await rawRequest({ url: headUrl, method: 'HEAD', ca: s.ca });
  assert.equal(head.status, 200);
  assert.equal(head.headers['content-length'], String('the firmware'.length));

  const putUrl = await getSignedUrl(client, new PutObjectCommand({ Bucket: 'firmware', Key: 'uploads/dev 1.log' }), { expiresIn: 300 });
  assert.doesNotMatch(putUrl, /x-amz-checksum/i);
  const put = await rawRequest({ url: putUrl, method: 'PUT', body: 'device log line\n', ca: s.ca });
  assert.equal(put.status, 200, put.body);
  const back = await s.s3().send(new GetObjectCommand({ Bucket: 'firmware', Key: 'uploads/dev 1.log' }));
  assert.equal(await back.Body!.transformToString(), 'device log line\n');
});
