/**
 * The download engine on its own, against the real S3 listener with links
 * from @aws-sdk/s3-request-presigner (and, for misbehaving servers, tiny
 * HTTPS servers made here). Each refusal runs beside a success.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { RequestListener } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Downloader, type DownloadSettings } from '../../src/agent/download.js';
import { isJobError, type JobError } from '../../src/agent/outcome.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { S3Proxy } from './proxy.js';
import { removeScratch, scratch } from './helpers.js';

const BUCKET = 'files';
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const big = randomBytes(2 * 1024 * 1024 + 12345);

let s: TestServer;
let proxy: S3Proxy;

before(async () => {
  s = await startTestServer();
  await s.s3().send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s.s3().send(new PutObjectCommand({ Bucket: BUCKET, Key: 'big.bin', Body: big }));
  await s.s3().send(new PutObjectCommand({ Bucket: BUCKET, Key: 'small.txt', Body: 'hello' }));
  proxy = await new S3Proxy(s).start();
});

after(async () => {
  await proxy.close();
  await s.close();
  removeScratch();
});

/** A presigned GET (the AWS presigner), for S3 itself or for the proxy in front of it, signed at the server's time. */
function link(key: string, opts: { viaProxy?: boolean; expiresIn?: number } = {}): Promise<string> {
  const client = new S3Client({
    region: s.endpoints.region,
    endpoint: opts.viaProxy ? proxy.origin : s.endpoints.endpoints.s3,
    forcePathStyle: true,
    credentials: { ...s.credentials },
    requestHandler: new NodeHttpHandler({ httpsAgent: s.agent }),
  });
  return getSignedUrl(client, new GetObjectCommand({ Bucket: BUCKET, Key: key }), { expiresIn: opts.expiresIn ?? 900, signingDate: new Date(s.clock.now()) });
}

const fast: DownloadSettings = { backoff: { initialMs: 1, maxMs: 5 }, idleTimeoutMs: 20_000 };
const downloader = (extra: DownloadSettings = {}) => new Downloader({ agent: new https.Agent({ ca: s.ca }), ...fast, ...extra });

async function failure(p: Promise<unknown>): Promise<JobError> {
  try {
    await p;
  } catch (e) {
    if (isJobError(e)) return e;
    throw e;
  }
  assert.fail('expected the download to fail');
}

const leftovers = (dir: string) => readdirSync(dir);

test('a download is verified, fsynced and renamed into place; a checksum mismatch leaves nothing', async () => {
  const dir = scratch();
  const good = await downloader().download({ url: await link('big.bin'), destination: join(dir, 'a/big.bin'), checksum: { algorithm: 'sha256', value: sha256(big) }, size: big.length });
  assert.equal(good.sha256, sha256(big));
  assert.deepEqual(readFileSync(join(dir, 'a/big.bin')), big);
  assert.deepEqual(leftovers(join(dir, 'a')), ['big.bin']);

  const bad = await failure(downloader().download({ url: await link('big.bin'), destination: join(dir, 'b/big.bin'), checksum: { algorithm: 'sha512', value: 'ab'.repeat(64) } }));
  assert.equal(bad.reason, 'checksum-mismatch');
  assert.equal(bad.status, 'FAILED');
  assert.deepEqual(leftovers(join(dir, 'b')), [], 'no file, no part, no checkpoint');

  const size = await failure(downloader().download({ url: await link('small.txt'), destination: join(dir, 'c/small.txt'), size: 6 }));
  assert.equal(size.reason, 'size-mismatch');
  assert.deepEqual(leftovers(join(dir, 'c')), []);
});

test('a missing object fails at once (no retry loop); a refused link is renewed once per refusal, then given up', async () => {
  const dir = scratch();
  const before = proxy.requests.length;
  const missing = await failure(downloader().download({ url: await link('nope.bin', { viaProxy: true }), destination: join(dir, 'nope.bin') }));
  assert.equal(missing.reason, 'not-found');
  assert.equal(proxy.requests.length - before, 1, 'one request, no retries on 404');

  // An expired link without a way to renew it.
  const stale = await link('small.txt', { expiresIn: 60 });
  s.clock.advance(61_000);
  const expired = await failure(downloader().download({ url: stale, destination: join(dir, 'small.txt') }));
  assert.equal(expired.reason, 'link-expired');
  assert.match(expired.message, /Request has expired/);

  // The same, renewed: continues with the fresh link.
  let renewals = 0;
  const renewed = await downloader().download({
    url: stale,
    destination: join(dir, 'small.txt'),
    refreshUrl: async () => {
      renewals += 1;
      return link('small.txt');
    },
  });
  assert.equal(renewals, 1);
  assert.equal(readFileSync(join(dir, 'small.txt'), 'utf8'), 'hello');
  assert.equal(renewed.bytes, 5);

  // A renewal that is refused as well is not asked for forever.
  let asked = 0;
  const never = await failure(
    downloader({ maxRefreshes: 2 }).download({
      url: stale,
      destination: join(dir, 'never.txt'),
      refreshUrl: async () => {
        asked += 1;
        return `${stale}&n=${asked}`;
      },
    }),
  );
  assert.equal(never.reason, 'link-expired');
  assert.equal(asked, 2);
});

test('a connection cut mid-body resumes with Range and the exact bytes; the part and its checkpoint are gone after', async () => {
  const dir = scratch();
  const from = proxy.requests.length;
  proxy.cutAfter = 700_000;
  const got = await downloader({ checkpointBytes: 64 * 1024 }).download({ url: await link('big.bin', { viaProxy: true }), destination: join(dir, 'big.bin'), checksum: { algorithm: 'sha256', value: sha256(big) } });
  const seen = proxy.requests.slice(from);
  assert.equal(seen.length, 2, JSON.stringify(seen));
  assert.equal(seen[0]!.range, undefined);
  assert.match(seen[1]!.range ?? '', /^bytes=\d+-$/);
  assert.equal(seen[1]!.status, 206);
  const offset = Number(/bytes=(\d+)-/.exec(seen[1]!.range!)![1]);
  assert.ok(offset > 0 && offset <= 700_000, `resumed at ${offset}`);
  assert.equal(got.sha256, sha256(big));
  assert.deepEqual(readFileSync(join(dir, 'big.bin')), big);
  assert.deepEqual(leftovers(dir), ['big.bin']);
});

test('a part left by an earlier run resumes; if the object changed since, S3 answers 412 and the download starts over', async () => {
  const dir = scratch();
  const destination = join(dir, 'v.bin');
  const v1 = randomBytes(1_500_000);
  const v2 = randomBytes(1_200_000);
  await s.s3().send(new PutObjectCommand({ Bucket: BUCKET, Key: 'v.bin', Body: v1 }));
  // Run 1 gives up after a cut (no retries allowed): its part stays for the next run.
  proxy.cutAfter = 600_000;
  const gaveUp = await failure(downloader({ maxRetries: 0, checkpointBytes: 100_000 }).download({ url: await link('v.bin', { viaProxy: true }), destination }));
  assert.equal(gaveUp.reason, 'download-failed');
  assert.ok(existsSync(join(dir, '.v.bin.ferry-part')) && existsSync(join(dir, '.v.bin.ferry-part.json')));

  // Run 2 resumes the same object from the checkpoint.
  let from = proxy.requests.length;
  await downloader().download({ url: await link('v.bin', { viaProxy: true }), destination, checksum: { algorithm: 'sha256', value: sha256(v1) } });
  assert.match(proxy.requests[from]!.range ?? '', /^bytes=(\d+)-$/);
  assert.equal(proxy.requests[from]!.status, 206);
  assert.deepEqual(readFileSync(destination), v1);

  // Run 3 is cut, the object is replaced, run 4 finds the part stale: 412, then the whole new object.
  proxy.cutAfter = 300_000;
  await failure(downloader({ maxRetries: 0, checkpointBytes: 100_000 }).download({ url: await link('v.bin', { viaProxy: true }), destination: join(dir, 'w.bin') }));
  await s.s3().send(new PutObjectCommand({ Bucket: BUCKET, Key: 'v.bin', Body: v2 }));
  from = proxy.requests.length;
  await downloader().download({ url: await link('v.bin', { viaProxy: true }), destination: join(dir, 'w.bin'), checksum: { algorithm: 'sha256', value: sha256(v2) } });
  const seen = proxy.requests.slice(from).map((r) => `${r.range ?? 'full'} ${r.status}`);
  assert.deepEqual(seen.map((x) => x.replace(/\d+-/, 'N-')), ['bytes=N- 412', 'full 200']);
  assert.deepEqual(readFileSync(join(dir, 'w.bin')), v2);
});

/** An HTTPS server made for one test, with the server's certificate. */
async function tinyServer(handler: RequestListener): Promise<{ url: string; close(): Promise<void> }> {
  const server = https.createServer({ cert: s.server.ctx.pki.serverCertPem, key: s.server.ctx.pki.serverKeyPem }, handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}/file.bin`,
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

test('a server that keeps failing is retried a bounded number of times; one that ignores Range is read again from the start', async (t) => {
  const dir = scratch();
  let failing = 0;
  const down = await tinyServer((_req, res) => {
    failing += 1;
    res.writeHead(503).end('busy');
  });
  t.after(() => down.close());
  const gaveUp = await failure(downloader({ maxRetries: 3 }).download({ url: down.url, destination: join(dir, 'x.bin') }));
  assert.equal(gaveUp.reason, 'download-failed');
  assert.match(gaveUp.message, /4 failed attempts in a row; the last: HTTP 503/);
  assert.equal(failing, 4, 'the first try and three retries, no more');

  const body = randomBytes(400_000);
  const ranges: string[] = [];
  let first = true;
  const noRange = await tinyServer((req, res) => {
    ranges.push(req.headers.range ?? 'full');
    res.writeHead(200, { 'content-length': String(body.length) });
    if (first) {
      first = false;
      res.write(body.subarray(0, 100_000), () => res.socket?.destroy());
      return;
    }
    res.end(body);
  });
  t.after(() => noRange.close());
  const got = await downloader().download({ url: noRange.url, destination: join(dir, 'y.bin'), checksum: { algorithm: 'sha256', value: sha256(body) } });
  assert.equal(got.bytes, body.length);
  assert.deepEqual(readFileSync(join(dir, 'y.bin')), body);
  assert.equal(ranges[0], 'full');
  assert.match(ranges[1]!, /^bytes=\d+-$/, 'it asked for the rest, got the whole file, and kept only the whole file');
});
