import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino from 'pino';
import { AttachRolePolicyCommand, CreatePolicyCommand, CreateRoleCommand } from '@aws-sdk/client-iam';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { botocoreOne, botocoreS3, type BotocoreResult, type BotocoreS3 } from '../../helpers/botocore.js';
import { rawRequest, type RawResponse } from '../../helpers/http.js';
import { allowPolicy, trustPolicy } from '../../helpers/policies.js';
import { eventually } from '../../helpers/assert.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';

/**
 * S3 Signature Version 2, as botocore signs it (`signature_version='s3'`,
 * still its default for presigned S3 URLs): the oracle is botocore, never
 * Ferry's own signer. Every refusal runs beside a request that works.
 */
const KEY = 'miso/1.0.0 image.bin';
const BODY = 'the firmware';
const WEEK_SEC = 604800;

async function withObject(t: { after(fn: () => Promise<void>): void }, opts: Parameters<typeof startTestServer>[0] = {}): Promise<TestServer> {
  const s = await startTestServer(opts);
  t.after(() => s.close());
  await s.s3().send(new CreateBucketCommand({ Bucket: 'firmware' }));
  await s.s3().send(new PutObjectCommand({ Bucket: 'firmware', Key: KEY, Body: BODY }));
  return s;
}

function botocore(s: TestServer, signatureVersion: 's3' | 's3v4' = 's3', credentials: BotocoreS3['credentials'] = s.credentials): BotocoreS3 {
  return { endpoint: s.endpoints.endpoints.s3, caFile: s.endpoints.caFile, region: s.endpoints.region, credentials, signatureVersion };
}

async function presignedGet(s: TestServer, expiresIn: number, client = botocore(s), params: Record<string, unknown> = { Bucket: 'firmware', Key: KEY }): Promise<string> {
  const result = await botocoreOne(client, { presign: 'get_object', params, expiresIn });
  assert.ok('url' in result, JSON.stringify(result));
  return result.url;
}

const code = (r: RawResponse) => /<Code>([^<]+)<\/Code>/.exec(r.body)?.[1];
const XML_ENTITIES: Record<string, string> = { '&apos;': "'", '&quot;': '"', '&lt;': '<', '&gt;': '>', '&amp;': '&' };
const element = (r: RawResponse, name: string) =>
  new RegExp(`<${name}>([^<]*)</${name}>`).exec(r.body)?.[1]?.replace(/&(apos|quot|lt|gt|amp);/g, (m) => XML_ENTITIES[m]!);
const get = (s: TestServer, url: string) => rawRequest({ url, ca: s.ca });

function refused(r: RawResponse, status: number, errorCode: string, scheme: string): void {
  assert.equal(r.status, status, r.body);
  assert.equal(code(r), errorCode, r.body);
  assert.equal(element(r, 'AuthenticationScheme'), scheme, 'the refusal names the scheme it saw');
}

/** One character of the (percent-encoded base64) Signature changed. */
function flipSignature(url: string): string {
  return url.replace(/([?&]Signature=)([^&])/, (_m, prefix: string, c: string) => `${prefix}${c === 'A' ? 'B' : 'A'}`);
}

const errorOf = (r: BotocoreResult) => {
  assert.ok('error' in r, `expected an error, got ${JSON.stringify(r)}`);
  return r.error;
};
const okOf = (r: BotocoreResult) => {
  assert.ok('ok' in r, `expected success, got ${JSON.stringify(r)}`);
  return r.ok;
};

test('a SigV2 URL presigned by botocore downloads; one changed signature character, a time past Expires, or Expires beyond 7 days are refused in S3 codes', async (t) => {
  const s = await withObject(t);
  const url = await presignedGet(s, 120);
  const params = new URL(url).searchParams;
  for (const name of ['AWSAccessKeyId', 'Signature', 'Expires']) assert.ok(params.get(name), `${name} in ${url}`);
  assert.equal(params.get('X-Amz-Algorithm'), null, 'not SigV4');
  assert.equal(params.get('AWSAccessKeyId'), s.credentials.accessKeyId);

  const ok = await get(s, url);
  assert.equal(ok.status, 200, ok.body);
  assert.equal(ok.body, BODY);

  const tampered = await get(s, flipSignature(url));
  refused(tampered, 403, 'SignatureDoesNotMatch', 'SigV2 presigned URL');
  // S3 echoes what it signed, so a client author can compare.
  assert.equal(element(tampered, 'StringToSign'), `GET\n\n\n${params.get('Expires')}\n/firmware/miso/1.0.0%20image.bin`);
  assert.equal(element(tampered, 'AWSAccessKeyId'), s.credentials.accessKeyId);

  const unknownKey = await get(s, url.replace(`AWSAccessKeyId=${s.credentials.accessKeyId}`, 'AWSAccessKeyId=AKIAAAAAAAAAAAAAAAAA'));
  refused(unknownKey, 403, 'InvalidAccessKeyId', 'SigV2 presigned URL');

  // Expires is absolute: move the server's clock past it (whole seconds, a margin for a loaded machine).
  s.clock.advance(125_000);
  const expired = await get(s, url);
  refused(expired, 403, 'AccessDenied', 'SigV2 presigned URL');
  assert.equal(element(expired, 'Message'), 'Request has expired');
  assert.equal(element(expired, 'Expires'), new Date(Number(params.get('Expires')) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'));
  assert.match(element(expired, 'ServerTime') ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  s.clock.advance(-125_000);
  assert.equal((await get(s, url)).status, 200, 'valid again once the clock is back');

  // At most 7 days ahead (as SigV4's X-Amz-Expires): a URL for 7 days less a minute works, one for 7 days and an hour does not.
  const week = await get(s, await presignedGet(s, WEEK_SEC - 60));
  assert.equal(week.status, 200, week.body);
  const beyond = await get(s, await presignedGet(s, WEEK_SEC + 3600));
  refused(beyond, 400, 'AuthorizationQueryParametersError', 'SigV2 presigned URL');
  assert.match(element(beyond, 'Message') ?? '', /more than 604800 seconds \(7 days\) after the server's time/);
});

test('a SigV2 URL with a query parameter its signature does not cover is refused; S3 sub-resources are signed', async (t) => {
  const s = await withObject(t);
  await s.s3().send(new PutObjectCommand({ Bucket: 'firmware', Key: 'secret/keys.txt', Body: 'not for devices' }));

  const list = (await botocoreOne(botocore(s), { presign: 'list_objects', params: { Bucket: 'firmware' }, expiresIn: 300 })) as { url: string };
  const listed = await get(s, list.url);
  assert.equal(listed.status, 200, listed.body);
  assert.match(listed.body, /<Key>miso\/1.0.0%20image.bin<\/Key>/, 'botocore asks for URL-encoded keys');
  // SigV2 does not sign `prefix`: whoever holds the link could rewrite it, so Ferry refuses it.
  const rewritten = await get(s, `${list.url}&prefix=secret%2F`);
  refused(rewritten, 400, 'AuthorizationQueryParametersError', 'SigV2 presigned URL');
  assert.match(element(rewritten, 'Message') ?? '', /not the query parameter 'prefix'/);
  const withPrefix = (await botocoreOne(botocore(s), { presign: 'list_objects', params: { Bucket: 'firmware', Prefix: 'miso/' }, expiresIn: 300 })) as { url: string };
  refused(await get(s, withPrefix.url), 400, 'AuthorizationQueryParametersError', 'SigV2 presigned URL');

  const url = await presignedGet(s, 300);
  refused(await get(s, `${url}&foo=1`), 400, 'AuthorizationQueryParametersError', 'SigV2 presigned URL');
  // The SDKs' operation marker changes nothing and is ignored, as S3 does.
  assert.equal((await get(s, `${url}&x-id=GetObject`)).status, 200);
  // A sub-resource is signed: adding one breaks the signature instead.
  refused(await get(s, `${url}&response-content-type=text%2Fhtml`), 403, 'SignatureDoesNotMatch', 'SigV2 presigned URL');
  const typed = await presignedGet(s, 300, botocore(s), { Bucket: 'firmware', Key: KEY, ResponseContentType: 'text/plain; charset=utf-8' });
  const typedGet = await get(s, typed);
  assert.equal(typedGet.status, 200, typedGet.body);
  assert.equal(typedGet.headers['content-type'], 'text/plain; charset=utf-8');
});

test('a virtual-hosted SigV2 URL (bucket.<host>) signs /bucket/key and downloads', async (t) => {
  const s = await startTestServer({ publicHosts: ['ferry.localhost'] });
  t.after(() => s.close());
  const port = new URL(s.endpoints.endpoints.s3).port;
  const loopback = new S3Client({ region: 'us-east-1', credentials: s.credentials, endpoint: `https://127.0.0.1:${port}`, forcePathStyle: true, requestHandler: new NodeHttpHandler({ httpsAgent: s.agent }) });
  await loopback.send(new CreateBucketCommand({ Bucket: 'firmware' }));
  await loopback.send(new PutObjectCommand({ Bucket: 'firmware', Key: KEY, Body: BODY }));
  const client = { ...botocore(s), endpoint: `https://ferry.localhost:${port}`, addressingStyle: 'virtual' as const };
  const url = await presignedGet(s, 300, client);
  assert.ok(url.startsWith(`https://firmware.ferry.localhost:${port}/miso/1.0.0%20image.bin?AWSAccessKeyId=`), url);
  // Names under .localhost may not resolve here: connect to the loopback, keeping the Host header.
  const viaLoopback = (u: string) => rawRequest({ url: u.replace('firmware.ferry.localhost', '127.0.0.1'), headers: { host: `firmware.ferry.localhost:${port}` }, ca: s.ca });
  const ok = await viaLoopback(url);
  assert.equal(ok.status, 200, ok.body);
  assert.equal(ok.body, BODY);
  const tampered = await viaLoopback(flipSignature(url));
  refused(tampered, 403, 'SignatureDoesNotMatch', 'SigV2 presigned URL');
  assert.match(element(tampered, 'StringToSign') ?? '', /\n\/firmware\/miso\/1.0.0%20image.bin$/);
});

test("a role session's SigV2 URL needs its x-amz-security-token and dies with the session, whatever its Expires", async (t) => {
  const s = await withObject(t);
  await s.iam().send(new CreateRoleCommand({ RoleName: 'reader', AssumeRolePolicyDocument: trustPolicy('credentials.iot.amazonaws.com') }));
  const policyArn = (await s.iam().send(new CreatePolicyCommand({ PolicyName: 'firmware-read', PolicyDocument: allowPolicy('s3:GetObject', 'arn:aws:s3:::firmware/*') }))).Policy!.Arn!;
  await s.iam().send(new AttachRolePolicyCommand({ RoleName: 'reader', PolicyArn: policyArn }));
  const iam = s.server.ctx.services.iam;
  const session = await iam.sessions.issue(await iam.roles.get('reader'), { sessionName: 'dev1', durationSeconds: 900 });

  const url = await presignedGet(s, 3600, botocore(s, 's3', session));
  assert.equal(new URL(url).searchParams.get('x-amz-security-token'), session.sessionToken, 'botocore puts the token in the query');
  const ok = await get(s, url);
  assert.equal(ok.status, 200, ok.body);
  assert.equal(ok.body, BODY);

  const withoutToken = url.replace(/&x-amz-security-token=[^&]*/, '');
  refused(await get(s, withoutToken), 400, 'InvalidToken', 'SigV2 presigned URL');
  refused(await get(s, url.replace(/(x-amz-security-token=)([^&])/, (_m, p: string, c: string) => `${p}${c === 'A' ? 'B' : 'A'}`)), 400, 'InvalidToken', 'SigV2 presigned URL');
  // The role's policies decide, as for SigV4: the session may read firmware/*, nothing else.
  await s.s3().send(new CreateBucketCommand({ Bucket: 'private' }));
  await s.s3().send(new PutObjectCommand({ Bucket: 'private', Key: KEY, Body: 'not for devices' }));
  const elsewhere = await get(s, await presignedGet(s, 3600, botocore(s, 's3', session), { Bucket: 'private', Key: KEY }));
  assert.equal(elsewhere.status, 403);
  assert.equal(code(elsewhere), 'AccessDenied');
  assert.equal(element(elsewhere, 'AuthenticationScheme'), undefined, 'authenticated, then denied by the role');

  // Expires is an hour away, the session ends in 15 minutes: the session's expiry wins.
  s.clock.advance(901_000);
  refused(await get(s, url), 400, 'ExpiredToken', 'SigV2 presigned URL');
});

test('header-signed SigV2 (botocore signature_version s3): buckets, objects, multipart; a wrong secret, an unknown key, skew and an unsigned listing parameter refused', async (t) => {
  const lines: string[] = [];
  const sink = new Writable({ write: (chunk: Buffer, _e, done) => (lines.push(...chunk.toString().split('\n').filter(Boolean)), done()) });
  const s = await startTestServer({ logger: pino({ level: 'info' }, sink) });
  t.after(() => s.close());
  const v2 = botocore(s);

  const [created, put, got, ranged, head, buckets] = await botocoreS3(v2, [
    { call: 'create_bucket', params: { Bucket: 'firmware' } },
    { call: 'put_object', params: { Bucket: 'firmware', Key: 'a b/c+d~.txt', Body: 'hello', ContentType: 'text/plain', Metadata: { version: '1' } } },
    { call: 'get_object', params: { Bucket: 'firmware', Key: 'a b/c+d~.txt' } },
    { call: 'get_object', params: { Bucket: 'firmware', Key: 'a b/c+d~.txt', Range: 'bytes=1-3', ResponseContentType: 'application/x-test' } },
    { call: 'head_object', params: { Bucket: 'firmware', Key: 'a b/c+d~.txt' } },
    { call: 'list_buckets' },
  ]);
  okOf(created!);
  assert.equal(okOf(put!).ETag, '"5d41402abc4b2a76b9719d911017c592"');
  assert.equal(okOf(got!).Body, 'hello');
  assert.deepEqual(okOf(got!).Metadata, { version: '1' });
  assert.equal(okOf(ranged!).Body, 'ell');
  assert.equal(okOf(ranged!).ContentType, 'application/x-test');
  assert.equal(okOf(head!).ContentLength, 5);
  assert.deepEqual((okOf(buckets!).Buckets as Array<{ Name: string }>).map((b) => b.Name), ['firmware']);

  // Multipart: ?uploads, ?partNumber&uploadId and ?uploadId are signed sub-resources.
  const upload = okOf(await botocoreOne(v2, { call: 'create_multipart_upload', params: { Bucket: 'firmware', Key: 'big.bin' } }));
  const part1 = 'a'.repeat(5 * 1024 * 1024);
  const parts = await botocoreS3(v2, [
    { call: 'upload_part', params: { Bucket: 'firmware', Key: 'big.bin', UploadId: upload.UploadId, PartNumber: 1, Body: part1 } },
    { call: 'upload_part', params: { Bucket: 'firmware', Key: 'big.bin', UploadId: upload.UploadId, PartNumber: 2, Body: 'tail' } },
  ]);
  const etags = parts.map((p) => okOf(p).ETag as string);
  const [completed, big, deleted] = await botocoreS3(v2, [
    { call: 'complete_multipart_upload', params: { Bucket: 'firmware', Key: 'big.bin', UploadId: upload.UploadId, MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) } } },
    { call: 'head_object', params: { Bucket: 'firmware', Key: 'big.bin' } },
    { call: 'delete_objects', params: { Bucket: 'firmware', Delete: { Objects: [{ Key: 'big.bin' }] } } },
  ]);
  assert.match(okOf(completed!).ETag as string, /-2"$/);
  assert.equal(okOf(big!).ContentLength, part1.length + 4);
  assert.deepEqual(okOf(deleted!).Deleted, [{ Key: 'big.bin' }]);

  // Refusals, each beside the calls above that worked.
  const wrongSecret = errorOf(await botocoreOne(botocore(s, 's3', { ...s.credentials, secretAccessKey: 'x'.repeat(40) }), { call: 'list_buckets' }));
  assert.equal(wrongSecret.code, 'SignatureDoesNotMatch');
  assert.equal(wrongSecret.body.AuthenticationScheme, 'SigV2 Authorization header');
  const unknownKey = errorOf(await botocoreOne(botocore(s, 's3', { accessKeyId: 'AKIAAAAAAAAAAAAAAAAA', secretAccessKey: 'x' }), { call: 'list_buckets' }));
  assert.equal(unknownKey.code, 'InvalidAccessKeyId');
  assert.equal(unknownKey.body.AuthenticationScheme, 'SigV2 Authorization header');
  // SigV2 does not sign `prefix`: a filtered listing is refused, by name, with the way out.
  const listing = errorOf(await botocoreOne(v2, { call: 'list_objects_v2', params: { Bucket: 'firmware', Prefix: 'a' } }));
  assert.equal(listing.code, 'InvalidRequest');
  assert.equal(listing.status, 400);
  assert.match(listing.message, /not the query parameter 'prefix', .*signature_version = s3v4/);
  assert.equal(okOf(await botocoreOne(botocore(s, 's3v4'), { call: 'list_objects_v2', params: { Bucket: 'firmware', Prefix: 'a' } })).KeyCount, 1);
  // The Date header is checked against the server's clock, 15 minutes either way.
  s.clock.advance(20 * 60_000);
  const skewed = errorOf(await botocoreOne(v2, { call: 'list_buckets' }));
  assert.equal(skewed.code, 'RequestTimeTooSkewed');
  assert.equal(skewed.body.AuthenticationScheme, 'SigV2 Authorization header');
  s.clock.advance(-20 * 60_000);

  // The request log line says which scheme authenticated each request (and no key or signature).
  const presigned = await presignedGet(s, 300, v2, { Bucket: 'firmware', Key: 'a b/c+d~.txt' });
  assert.equal((await get(s, presigned)).status, 200);
  type Line = { msg: string; listener?: string; method?: string; url?: string; auth?: string; status?: number };
  const requests = () => lines.map((l) => JSON.parse(l) as Line).filter((l) => l.msg === 'request' && l.listener === 's3');
  await eventually(() => requests().some((r) => r.auth === 'sigv2-query'), 'the presigned GET logged');
  const schemes = (method: string, url: RegExp) => requests().filter((r) => r.method === method && url.test(r.url ?? '')).map((r) => `${r.status} ${r.auth}`);
  assert.deepEqual(schemes('PUT', /^\/firmware\/a%20b/), ['200 sigv2-header']);
  assert.deepEqual(schemes('GET', /^\/firmware\?list-type=2&prefix=a/), ['400 none', '200 sigv4-header']);
  const logged = requests().find((r) => r.auth === 'sigv2-query')!;
  assert.match(logged.url ?? '', /AWSAccessKeyId=\*\*\*&Signature=\*\*\*&Expires=\d+/);
  assert.ok(!lines.some((l) => l.includes(s.credentials.accessKeyId)), 'the access key is never logged');
});

test('--sigv2 off refuses both SigV2 forms as S3 does where SigV2 is not supported; SigV4 still works', async (t) => {
  const s = await withObject(t, { sigv2: false });
  const url = await presignedGet(s, 300);
  const presigned = await get(s, url);
  refused(presigned, 400, 'InvalidRequest', 'SigV2 presigned URL');
  assert.match(element(presigned, 'Message') ?? '', /^The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256. \(SigV2 is turned off on this server: ferry server --sigv2 off.\)$/);
  const header = errorOf(await botocoreOne(botocore(s), { call: 'list_buckets' }));
  assert.equal(header.code, 'InvalidRequest');
  assert.equal(header.body.AuthenticationScheme, 'SigV2 Authorization header');

  const v4 = await presignedGet(s, 300, botocore(s, 's3v4'));
  assert.match(v4, /X-Amz-Algorithm=AWS4-HMAC-SHA256/);
  const ok = await get(s, v4);
  assert.equal(ok.status, 200, ok.body);
  assert.equal(ok.body, BODY);
});
