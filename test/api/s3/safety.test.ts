import { test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import type { ClientRequest } from 'node:http';
import { createHash } from 'node:crypto';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { rawRequest } from '../../helpers/http.js';
import { signRequest } from '../../helpers/sign.js';
import { blobFiles, eventually, rejectsWith, signedChunkedBody, signingKey, stagedFiles } from './helpers.js';

const MiB = 1024 * 1024;

async function withBucket(t: { after(fn: () => Promise<void>): void }): Promise<TestServer> {
  const s = await startTestServer();
  t.after(() => s.close());
  await s.s3().send(new CreateBucketCommand({ Bucket: 'safe' }));
  return s;
}

function client(s: TestServer, opts: { secret?: string; accessKeyId?: string; offsetMs?: number } = {}): S3Client {
  return new S3Client({
    region: 'us-east-1',
    credentials: { accessKeyId: opts.accessKeyId ?? s.credentials.accessKeyId, secretAccessKey: opts.secret ?? s.credentials.secretAccessKey },
    endpoint: s.endpoints.endpoints.s3,
    forcePathStyle: true,
    requestHandler: new NodeHttpHandler({ httpsAgent: s.agent }),
    maxAttempts: 1,
    systemClockOffset: opts.offsetMs ?? 0,
  });
}

test('wrong secret → SignatureDoesNotMatch, unknown key → InvalidAccessKeyId, 20 minutes off → RequestTimeTooSkewed, unsigned → AccessDenied; beside a success', async (t) => {
  const s = await withBucket(t);
  await client(s).send(new PutObjectCommand({ Bucket: 'safe', Key: 'ok', Body: 'fine' }));
  await client(s, { offsetMs: 14 * 60_000 }).send(new ListBucketsCommand({}));
  await rejectsWith(client(s, { secret: 'x'.repeat(40) }).send(new PutObjectCommand({ Bucket: 'safe', Key: 'bad', Body: 'no' })), 'SignatureDoesNotMatch', 403);
  await rejectsWith(client(s, { accessKeyId: 'AKIAAAAAAAAAAAAAAAAA' }).send(new GetObjectCommand({ Bucket: 'safe', Key: 'ok' })), 'InvalidAccessKeyId', 403);
  await rejectsWith(client(s, { offsetMs: 20 * 60_000 }).send(new GetObjectCommand({ Bucket: 'safe', Key: 'ok' })), 'RequestTimeTooSkewed', 403);
  await rejectsWith(client(s, { offsetMs: -20 * 60_000 }).send(new PutObjectCommand({ Bucket: 'safe', Key: 'bad', Body: 'no' })), 'RequestTimeTooSkewed', 403);
  const unsigned = await rawRequest({ url: `${s.endpoints.endpoints.s3}/safe/ok`, ca: s.ca });
  assert.equal(unsigned.status, 403);
  assert.match(unsigned.body, /<Code>AccessDenied<\/Code>/);
  await rejectsWith(client(s).send(new HeadObjectCommand({ Bucket: 'safe', Key: 'bad' })), 'NotFound', 404);
  assert.equal(await (await client(s).send(new GetObjectCommand({ Bucket: 'safe', Key: 'ok' }))).Body!.transformToString(), 'fine');
});

/** A PUT whose headers are signed now, sent by hand so the test controls the body. */
async function signedPut(s: TestServer, key: string, headers: Record<string, string>, tamper = false): Promise<{ url: URL; headers: Record<string, string> }> {
  const url = `${s.endpoints.endpoints.s3}/safe/${key}`;
  const signed = await signRequest({ url, method: 'PUT', service: 's3', region: 'us-east-1', credentials: s.credentials, headers, s3: true, signingDate: new Date(s.clock.now()) });
  if (tamper) signed.headers.authorization = signed.headers.authorization!.replace(/Signature=(.)/, (_m, c: string) => `Signature=${c === '0' ? '1' : '0'}`);
  return { url: new URL(url), headers: signed.headers };
}

function send(url: URL, headers: Record<string, string>, ca: string): ClientRequest {
  return https.request({ host: url.hostname, port: url.port, path: url.pathname, method: 'PUT', headers, ca, agent: false });
}

test('a body that does not match its signed x-amz-content-sha256 is XAmzContentSHA256Mismatch and leaves nothing; a matching one is stored', async (t) => {
  const s = await withBucket(t);
  const sha = (text: string) => createHash('sha256').update(text).digest('hex');
  const put = async (declared: string, actual: string) => {
    const url = `${s.endpoints.endpoints.s3}/safe/sha`;
    const signed = await signRequest({ url, method: 'PUT', service: 's3', region: 'us-east-1', credentials: s.credentials, headers: { 'x-amz-content-sha256': sha(declared) }, s3: true, signingDate: new Date(s.clock.now()) });
    return rawRequest({ url, method: 'PUT', headers: signed.headers, body: actual, ca: s.ca });
  };
  const bad = await put('what was signed', 'what was sent');
  assert.equal(bad.status, 400);
  assert.match(bad.body, /<Code>XAmzContentSHA256Mismatch<\/Code>/);
  await rejectsWith(s.s3().send(new HeadObjectCommand({ Bucket: 'safe', Key: 'sha' })), 'NotFound', 404);
  assert.deepEqual([stagedFiles(s), blobFiles(s)], [[], []]);
  assert.equal((await put('same', 'same')).status, 200);
  assert.equal(blobFiles(s).length, 1);
});

test('Expect: 100-continue: the signature is checked before the body is asked for', async (t) => {
  const s = await withBucket(t);
  const body = Buffer.alloc(64 * 1024, 3);
  const attempt = async (tamper: boolean) => {
    const { url, headers } = await signedPut(s, 'continued', { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', 'content-length': String(body.length) }, tamper);
    return new Promise<{ status: number; continued: boolean }>((resolve, reject) => {
      let continued = false;
      const req = send(url, { ...headers, expect: '100-continue' }, s.ca);
      req.on('continue', () => {
        continued = true;
        req.end(body);
      });
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, continued }));
      });
      req.on('error', reject);
      req.flushHeaders();
    });
  };
  assert.deepEqual(await attempt(true), { status: 403, continued: false });
  assert.deepEqual(await attempt(false), { status: 200, continued: true });
  assert.equal((await s.s3().send(new HeadObjectCommand({ Bucket: 'safe', Key: 'continued' }))).ContentLength, body.length);
});

test('a client that disconnects halfway leaves no object and no file behind; the same upload completed is stored', async (t) => {
  const s = await withBucket(t);
  const total = 8 * MiB;
  const { url, headers } = await signedPut(s, 'half', { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', 'content-length': String(total) });
  const req = send(url, headers, s.ca);
  req.on('error', () => {});
  req.write(Buffer.alloc(2 * MiB, 1));
  await eventually(() => stagedFiles(s).length === 1, 'the upload to reach the staging folder');
  req.destroy();
  await eventually(() => stagedFiles(s).length === 0, 'the staged file to be removed');
  await rejectsWith(s.s3().send(new HeadObjectCommand({ Bucket: 'safe', Key: 'half' })), 'NotFound', 404);
  assert.deepEqual(blobFiles(s), []);

  const whole = Buffer.alloc(total, 1);
  await s.s3().send(new PutObjectCommand({ Bucket: 'safe', Key: 'half', Body: whole }));
  assert.equal((await s.s3().send(new HeadObjectCommand({ Bucket: 'safe', Key: 'half' }))).ContentLength, total);
  assert.equal(blobFiles(s).length, 1);
});

test('STREAMING-AWS4-HMAC-SHA256-PAYLOAD: signed chunks are verified; one bad chunk signature refuses the upload and leaves nothing', async (t) => {
  const s = await withBucket(t);
  const data = Buffer.from(Array.from({ length: 200_000 }, (_, i) => i % 256));
  const put = async (key: string, tamperChunk?: number) => {
    const amzDate = new Date(s.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
    const scope = `${amzDate.slice(0, 8)}/us-east-1/s3/aws4_request`;
    const chunkSize = 64 * 1024;
    const chunks = Math.ceil(data.length / chunkSize);
    // Lengths are known before signing: the signature lines are always 64 hex digits.
    const encodedLength = signedChunkedBody({ data, chunkSize, key: Buffer.alloc(32), amzDate, scope, seed: '0'.repeat(64) }).length;
    assert.ok(chunks > 1);
    const url = `${s.endpoints.endpoints.s3}/safe/${key}`;
    const signed = await signRequest({
      url,
      method: 'PUT',
      service: 's3',
      region: 'us-east-1',
      credentials: s.credentials,
      headers: {
        'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
        'content-encoding': 'aws-chunked',
        'x-amz-decoded-content-length': String(data.length),
        'content-length': String(encodedLength),
        'x-amz-date': amzDate,
      },
      s3: true,
      signingDate: new Date(s.clock.now()),
    });
    const seed = /Signature=([0-9a-f]{64})/.exec(signed.headers.authorization!)![1]!;
    const body = signedChunkedBody({ data, chunkSize, key: signingKey(s.credentials.secretAccessKey, amzDate.slice(0, 8), 'us-east-1', 's3'), amzDate, scope, seed, ...(tamperChunk !== undefined ? { tamperChunk } : {}) });
    return rawRequest({ url, method: 'PUT', headers: signed.headers, body, ca: s.ca });
  };
  const bad = await put('chunked-bad', 1);
  assert.equal(bad.status, 403, bad.body);
  assert.match(bad.body, /<Code>SignatureDoesNotMatch<\/Code>/);
  await rejectsWith(s.s3().send(new HeadObjectCommand({ Bucket: 'safe', Key: 'chunked-bad' })), 'NotFound', 404);
  assert.deepEqual(stagedFiles(s), []);

  const good = await put('chunked-good');
  assert.equal(good.status, 200, good.body);
  assert.equal(good.headers.etag, `"${createHash('md5').update(data).digest('hex')}"`);
  const got = await s.s3().send(new GetObjectCommand({ Bucket: 'safe', Key: 'chunked-good' }));
  assert.deepEqual(Buffer.from(await got.Body!.transformToByteArray()), data);
});

test('a GET during an overwrite streams the whole old version; the next GET the whole new one; the old blobs go once the reader is done', async (t) => {
  const s = await withBucket(t);
  const s3 = s.s3();
  // A two-part object: the second part's file is opened only when the reader gets there.
  const partA = Buffer.alloc(5 * MiB, 0xaa);
  const partB = Buffer.alloc(3 * MiB, 0xbb);
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'safe', Key: 'fw.bin' }));
  const p1 = await s3.send(new UploadPartCommand({ Bucket: 'safe', Key: 'fw.bin', UploadId, PartNumber: 1, Body: partA }));
  const p2 = await s3.send(new UploadPartCommand({ Bucket: 'safe', Key: 'fw.bin', UploadId, PartNumber: 2, Body: partB }));
  await s3.send(new CompleteMultipartUploadCommand({ Bucket: 'safe', Key: 'fw.bin', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag }, { PartNumber: 2, ETag: p2.ETag }] } }));
  const oldHash = createHash('sha256').update(partA).update(partB).digest('hex');

  const reading = await s3.send(new GetObjectCommand({ Bucket: 'safe', Key: 'fw.bin' }));
  const iterator = (reading.Body as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  const hash = createHash('sha256');
  let size = 0;
  const first = await iterator.next();
  hash.update(first.value as Buffer);
  size += (first.value as Buffer).length;

  const fresh = Buffer.alloc(6 * MiB, 0xcc);
  await s3.send(new PutObjectCommand({ Bucket: 'safe', Key: 'fw.bin', Body: fresh }));
  const now = await s3.send(new GetObjectCommand({ Bucket: 'safe', Key: 'fw.bin' }));
  assert.deepEqual(Buffer.from(await now.Body!.transformToByteArray()), fresh);
  // The old version's two blobs wait for the reader.
  assert.equal(blobFiles(s).length, 3);

  for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
    hash.update(next.value as Buffer);
    size += (next.value as Buffer).length;
  }
  assert.equal(size, partA.length + partB.length);
  assert.equal(hash.digest('hex'), oldHash);
  await eventually(() => blobFiles(s).length === 1, 'the old version\'s blobs to be deleted');
});
