/**
 * The real AWS SDK v3 clients, with a request handler that captures the
 * signed request instead of sending it: what they put on the wire must verify.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crc32 } from 'node:zlib';
import { S3Client, PutObjectCommand, GetObjectCommand, ListObjectsV2Command, DeleteObjectsCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { IoTClient, DescribeThingCommand, ListThingsCommand, UpdateThingCommand } from '@aws-sdk/client-iot';
import { IoTJobsDataPlaneClient, DescribeJobExecutionCommand } from '@aws-sdk/client-iot-jobs-data-plane';
import { IAMClient, ListUsersCommand } from '@aws-sdk/client-iam';
import {
  createAwsChunkedDecoder,
  hashPayload,
  parseSignature,
  verifySignature,
  STREAMING_UNSIGNED_TRAILER,
  UNSIGNED_PAYLOAD,
  EMPTY_SHA256,
} from '../../../src/protocols/sigv4/index.js';
import type { IncomingSignedRequest, ParsedSignature } from '../../../src/protocols/sigv4/index.js';
import { CREDS, HOST, toIncoming } from './oracle.js';

interface Captured {
  req: IncomingSignedRequest;
  body: Buffer;
}

/** A request handler that records the signed request (body drained) and fails the call. */
function captureHandler(into: Captured[]) {
  return {
    async handle(request: { method: string; path: string; query?: Record<string, unknown>; headers: Record<string, string>; body?: unknown }) {
      const body = await drain(request.body);
      into.push({ req: toIncoming(request), body });
      throw new Error('captured');
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs() {
      return {};
    },
  };
}

async function drain(body: unknown): Promise<Buffer> {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (typeof body === 'string') return Buffer.from(body);
  // A view, not a copy through string methods (the SDK's JSON bodies warn on those).
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const parts: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Uint8Array>) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts);
}

async function capture(send: () => Promise<unknown>, into: Captured[]): Promise<Captured> {
  const before = into.length;
  await assert.rejects(send(), /captured/);
  assert.equal(into.length, before + 1);
  return into[before]!;
}

const endpoint = `https://${HOST}`;
const common = { region: 'eu-west-3', endpoint, credentials: CREDS, maxAttempts: 1 };

function verify(req: IncomingSignedRequest, services: string[], region: string, payloadHash: (p: ParsedSignature) => string, canonicalUri: 's3' | 'normalized') {
  const parsed = parseSignature(req);
  assert.ok(parsed, 'signed');
  const result = verifySignature(req, parsed, {
    secretAccessKey: CREDS.secretAccessKey,
    nowMs: parsed.requestTimeMs + 1000,
    services,
    region,
    payloadHash: payloadHash(parsed),
    canonicalUri,
  });
  return { parsed, ...result };
}

const KEY = 'dir//a b/../ü+%&?#=.txt';

test('S3 PutObject with a streamed body: STREAMING-UNSIGNED-PAYLOAD-TRAILER verifies and decodes', async () => {
  const got: Captured[] = [];
  const s3 = new S3Client({ ...common, forcePathStyle: true, requestHandler: captureHandler(got) });
  const payload = Buffer.from('hello, aws-chunked world\n'.repeat(200));
  const { req, body } = await capture(
    () => s3.send(new PutObjectCommand({ Bucket: 'bucket', Key: KEY, Body: Readable.from([payload.subarray(0, 1000), payload.subarray(1000)]), ContentLength: payload.length })),
    got,
  );
  assert.equal(req.headers['content-encoding']?.[0], 'aws-chunked');
  const { parsed } = verify(req, ['s3'], 'eu-west-3', (p) => p.contentSha256!, 's3');
  assert.equal(parsed.contentSha256, STREAMING_UNSIGNED_TRAILER);
  const decoder = createAwsChunkedDecoder({ mode: 'unsigned-trailer' });
  const out: Buffer[] = [];
  await pipeline(Readable.from([body]), decoder, new Writable({ write: (c: Buffer, _e, cb) => (out.push(c), cb()) }));
  assert.deepEqual(Buffer.concat(out), payload);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(payload));
  assert.deepEqual(decoder.trailers(), { 'x-amz-checksum-crc32': crc.toString('base64') });
});

test('S3 PutObject with a buffered body, ListObjectsV2 and DeleteObjects verify', async () => {
  const got: Captured[] = [];
  const s3 = new S3Client({ ...common, forcePathStyle: true, requestHandler: captureHandler(got) });
  const put = await capture(() => s3.send(new PutObjectCommand({ Bucket: 'bucket', Key: KEY, Body: 'small body' })), got);
  const { parsed } = verify(put.req, ['s3'], 'eu-west-3', (p) => p.contentSha256!, 's3');
  assert.ok(parsed.contentSha256 === hashPayload(put.body) || parsed.contentSha256 === UNSIGNED_PAYLOAD || parsed.contentSha256 === STREAMING_UNSIGNED_TRAILER);
  const list = await capture(
    () => s3.send(new ListObjectsV2Command({ Bucket: 'bucket', Prefix: 'a b/ü+', Delimiter: '/', ContinuationToken: 'tok+en/==', StartAfter: '' })),
    got,
  );
  verify(list.req, ['s3'], 'eu-west-3', (p) => p.contentSha256!, 's3');
  const del = await capture(() => s3.send(new DeleteObjectsCommand({ Bucket: 'bucket', Delete: { Objects: [{ Key: KEY }] } })), got);
  assert.match(del.req.rawUrl, /\?delete(=|&|$)/);
  verify(del.req, ['s3'], 'eu-west-3', (p) => p.contentSha256!, 's3');
});

test('S3 presigned GET and PUT URLs from getSignedUrl verify, with a session token', async () => {
  const s3 = new S3Client({
    ...common,
    forcePathStyle: true,
    credentials: { ...CREDS, sessionToken: 'IQoJb3JpZ2luX2VjE+/token==' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
  for (const command of [
    new GetObjectCommand({ Bucket: 'bucket', Key: KEY, ResponseContentDisposition: 'attachment; filename="a b.txt"' }),
    new PutObjectCommand({ Bucket: 'bucket', Key: KEY }),
  ]) {
    const url = await getSignedUrl(s3, command, { expiresIn: 300 });
    const m = /^https:\/\/([^/]+)(\/.*)$/.exec(url);
    assert.ok(m, url);
    const req: IncomingSignedRequest = { method: command instanceof GetObjectCommand ? 'GET' : 'PUT', rawUrl: m[2]!, headers: { host: [m[1]!] } };
    const { parsed } = verify(req, ['s3'], 'eu-west-3', (p) => p.contentSha256 ?? UNSIGNED_PAYLOAD, 's3');
    assert.equal(parsed.mode, 'query');
    assert.equal(parsed.securityToken, 'IQoJb3JpZ2luX2VjE+/token==');
  }
});

test('IoT control plane requests (labels, queries, JSON bodies) verify as iot with normalised paths', async () => {
  const got: Captured[] = [];
  const iot = new IoTClient({ ...common, requestHandler: captureHandler(got) });
  const requests = [
    await capture(() => iot.send(new DescribeThingCommand({ thingName: 'thing:é ü+%' })), got),
    await capture(() => iot.send(new ListThingsCommand({ attributeName: 'colour name', attributeValue: 'blue/green+', maxResults: 5 })), got),
    await capture(() => iot.send(new UpdateThingCommand({ thingName: 'my-thing', attributePayload: { attributes: { note: 'é "quoted"' } } })), got),
  ];
  for (const { req, body } of requests) {
    const { parsed } = verify(req, ['iot', 'execute-api'], 'eu-west-3', () => hashPayload(body), 'normalized');
    assert.equal(parsed.scope.service, 'iot');
  }
  assert.notEqual(hashPayload(requests[2]!.body), EMPTY_SHA256);
});

test('IoT Jobs data plane and IAM requests verify under their own signing names', async () => {
  const got: Captured[] = [];
  const jobs = new IoTJobsDataPlaneClient({ ...common, requestHandler: captureHandler(got) });
  const describe = await capture(() => jobs.send(new DescribeJobExecutionCommand({ thingName: 'dev 1', jobId: 'job+1', includeJobDocument: true })), got);
  verify(describe.req, ['iot-jobs-data'], 'eu-west-3', () => hashPayload(describe.body), 'normalized');
  const iam = new IAMClient({ ...common, region: 'us-east-1', requestHandler: captureHandler(got) });
  const list = await capture(() => iam.send(new ListUsersCommand({ PathPrefix: '/division_abc/' })), got);
  const { parsed } = verify(list.req, ['iam', 'sts'], 'us-east-1', () => hashPayload(list.body), 'normalized');
  assert.equal(parsed.scope.service, 'iam');
});
