import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createReadStream, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { ABANDONED_UPLOAD_AGE_MS } from '../../../src/objects/index.js';
import { startTestServer, tempDir } from '../../helpers/server.js';
import { aws, blobFiles, makeFile, rejectsWith, s3AtServerTime, sha256OfFile, sha256OfStream, stagedFiles } from './helpers.js';

const MiB = 1024 * 1024;

test('100 MiB through @aws-sdk/lib-storage Upload (multipart, CRC32 parts), read back byte for byte, ranged across parts', async (t) => {
  const s = await startTestServer();
  const dir = tempDir('ferry-s3-big-');
  t.after(async () => {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const s3 = s.s3();
  await s3.send(new CreateBucketCommand({ Bucket: 'big' }));
  const path = join(dir, 'image.bin');
  const file = await makeFile(path, 100 * MiB);

  const upload = new Upload({ client: s3, params: { Bucket: 'big', Key: 'images/image.bin', Body: createReadStream(path) }, partSize: 8 * MiB, queueSize: 4 });
  const done = await upload.done();
  // md5 of the 13 parts' md5s, then -13 (aws-wire-protocols.md §4.2).
  assert.match(done.ETag!, /^"[0-9a-f]{32}-13"$/);

  const head = await s3.send(new HeadObjectCommand({ Bucket: 'big', Key: 'images/image.bin', ChecksumMode: 'ENABLED' }));
  assert.equal(head.ContentLength, 100 * MiB);
  assert.equal(head.ETag, done.ETag);
  // lib-storage asks for CRC32 (COMPOSITE): the object's checksum is of the parts' checksums, suffixed -13.
  assert.match(head.ChecksumCRC32 ?? '', /-13$/);

  const got = await s3.send(new GetObjectCommand({ Bucket: 'big', Key: 'images/image.bin', ChecksumMode: 'ENABLED' }));
  assert.deepEqual(await sha256OfStream(got.Body as NodeJS.ReadableStream), { sha256: file.sha256, size: 100 * MiB });

  // A range that spans the boundary between part 1 and part 2 reads only those bytes.
  const ranged = await s3.send(new GetObjectCommand({ Bucket: 'big', Key: 'images/image.bin', Range: `bytes=${8 * MiB - 10}-${8 * MiB + 9}` }));
  const bytes = Buffer.from(await ranged.Body!.transformToByteArray());
  const expected = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    createReadStream(path, { start: 8 * MiB - 10, end: 8 * MiB + 9 }).on('data', (c) => chunks.push(c as Buffer)).on('end', () => resolve(Buffer.concat(chunks))).on('error', reject);
  });
  assert.deepEqual(bytes, expected);
  assert.equal(ranged.ContentRange, `bytes ${8 * MiB - 10}-${8 * MiB + 9}/${100 * MiB}`);
  assert.deepEqual(stagedFiles(s), []);
});

test('100 MiB with the AWS CLI: aws s3 cp up (multipart) and down, aws s3 ls, aws s3 rm', async (t) => {
  const s = await startTestServer();
  const dir = tempDir('ferry-s3-cli-');
  t.after(async () => {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await s.s3().send(new CreateBucketCommand({ Bucket: 'cli-bucket' }));
  const path = join(dir, 'firmware 1.0.bin');
  const file = await makeFile(path, 100 * MiB);

  const up = await aws(s, ['s3', 'cp', path, 's3://cli-bucket/fw/firmware 1.0.bin', '--no-progress']);
  assert.equal(up.code, 0, up.stderr);
  const head = await s.s3().send(new HeadObjectCommand({ Bucket: 'cli-bucket', Key: 'fw/firmware 1.0.bin' }));
  assert.equal(head.ContentLength, 100 * MiB);
  assert.match(head.ETag!, /-\d+"$/, 'the CLI uploaded in parts');

  const ls = await aws(s, ['s3', 'ls', 's3://cli-bucket/fw/']);
  assert.equal(ls.code, 0, ls.stderr);
  assert.match(ls.stdout, /104857600 firmware 1\.0\.bin/);

  const back = join(dir, 'back.bin');
  const down = await aws(s, ['s3', 'cp', 's3://cli-bucket/fw/firmware 1.0.bin', back, '--no-progress']);
  assert.equal(down.code, 0, down.stderr);
  assert.deepEqual(await sha256OfFile(back), { sha256: file.sha256, size: 100 * MiB });

  const rm = await aws(s, ['s3', 'rm', 's3://cli-bucket/fw/firmware 1.0.bin']);
  assert.equal(rm.code, 0, rm.stderr);
  await rejectsWith(s.s3().send(new HeadObjectCommand({ Bucket: 'cli-bucket', Key: 'fw/firmware 1.0.bin' })), 'NotFound', 404);
  assert.deepEqual(blobFiles(s), []);
});

test('multipart by hand: ListParts, ListMultipartUploads, part-size rules, InvalidPart, InvalidPartOrder, NoSuchUpload, Abort', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const s3 = s.s3();
  await s3.send(new CreateBucketCommand({ Bucket: 'parts' }));
  const big = Buffer.alloc(5 * MiB, 7);
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'parts', Key: 'obj', ContentType: 'text/x-parts', Metadata: { kind: 'parts' } }));
  assert.ok(UploadId);

  const p1 = await s3.send(new UploadPartCommand({ Bucket: 'parts', Key: 'obj', UploadId, PartNumber: 1, Body: big }));
  const p2small = await s3.send(new UploadPartCommand({ Bucket: 'parts', Key: 'obj', UploadId, PartNumber: 2, Body: 'tiny' }));
  const p3 = await s3.send(new UploadPartCommand({ Bucket: 'parts', Key: 'obj', UploadId, PartNumber: 3, Body: 'tail' }));
  assert.equal(p1.ETag, `"${createHash('md5').update(big).digest('hex')}"`);

  const listed = await s3.send(new ListPartsCommand({ Bucket: 'parts', Key: 'obj', UploadId }));
  assert.deepEqual(listed.Parts!.map((p) => [p.PartNumber, p.Size, p.ETag]), [[1, 5 * MiB, p1.ETag], [2, 4, p2small.ETag], [3, 4, p3.ETag]]);
  const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: 'parts' }));
  assert.deepEqual(uploads.Uploads!.map((u) => [u.Key, u.UploadId]), [['obj', UploadId]]);

  const complete = (Parts: Array<{ PartNumber: number; ETag?: string }>) => s3.send(new CompleteMultipartUploadCommand({ Bucket: 'parts', Key: 'obj', UploadId, MultipartUpload: { Parts } }));
  await rejectsWith(complete([{ PartNumber: 1, ETag: p1.ETag }, { PartNumber: 2, ETag: p2small.ETag }, { PartNumber: 3, ETag: p3.ETag }]), 'EntityTooSmall', 400);
  await rejectsWith(complete([{ PartNumber: 1, ETag: p1.ETag }, { PartNumber: 3, ETag: '"00000000000000000000000000000000"' }]), 'InvalidPart', 400);
  await rejectsWith(complete([{ PartNumber: 3, ETag: p3.ETag }, { PartNumber: 1, ETag: p1.ETag }]), 'InvalidPartOrder', 400);
  await rejectsWith(s3.send(new UploadPartCommand({ Bucket: 'parts', Key: 'obj', UploadId: 'no-such-upload', PartNumber: 1, Body: 'x' })), 'NoSuchUpload', 404);

  // Parts 1 and 3 only: part 2 is left out and its blob goes with the upload.
  const done = await complete([{ PartNumber: 1, ETag: p1.ETag }, { PartNumber: 3, ETag: p3.ETag }]);
  const md5s = Buffer.concat([p1.ETag!, p3.ETag!].map((e) => Buffer.from(e.replace(/"/g, ''), 'hex')));
  assert.equal(done.ETag, `"${createHash('md5').update(md5s).digest('hex')}-2"`);
  const got = await s3.send(new GetObjectCommand({ Bucket: 'parts', Key: 'obj' }));
  assert.equal(got.ContentType, 'text/x-parts');
  assert.deepEqual(got.Metadata, { kind: 'parts' });
  assert.deepEqual(Buffer.from(await got.Body!.transformToByteArray()), Buffer.concat([big, Buffer.from('tail')]));
  assert.equal(blobFiles(s).length, 2);
  await rejectsWith(s3.send(new ListPartsCommand({ Bucket: 'parts', Key: 'obj', UploadId })), 'NoSuchUpload', 404);
  // partNumber reads one part back.
  const second = await s3.send(new GetObjectCommand({ Bucket: 'parts', Key: 'obj', PartNumber: 2 }));
  assert.equal(second.PartsCount, 2);
  assert.equal(second.ContentRange, `bytes ${5 * MiB}-${5 * MiB + 3}/${5 * MiB + 4}`);
  assert.equal(await second.Body!.transformToString(), 'tail');
  await rejectsWith(s3.send(new GetObjectCommand({ Bucket: 'parts', Key: 'obj', PartNumber: 3 })), 'InvalidPartNumber', 416);
  assert.equal((await s3.send(new HeadObjectCommand({ Bucket: 'parts', Key: 'obj', PartNumber: 1 }))).ContentLength, 5 * MiB);

  const { UploadId: abortMe } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'parts', Key: 'gone' }));
  await s3.send(new UploadPartCommand({ Bucket: 'parts', Key: 'gone', UploadId: abortMe, PartNumber: 1, Body: 'x' }));
  await s3.send(new AbortMultipartUploadCommand({ Bucket: 'parts', Key: 'gone', UploadId: abortMe }));
  await rejectsWith(s3.send(new AbortMultipartUploadCommand({ Bucket: 'parts', Key: 'gone', UploadId: abortMe })), 'NoSuchUpload', 404);
  assert.equal(blobFiles(s).length, 2);
});

test('a FULL_OBJECT CRC32 multipart checksum is the CRC of the whole object', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const s3 = s.s3();
  await s3.send(new CreateBucketCommand({ Bucket: 'full' }));
  const a = Buffer.alloc(5 * MiB, 1);
  const b = Buffer.from('end of object');
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'full', Key: 'k', ChecksumAlgorithm: 'CRC32', ChecksumType: 'FULL_OBJECT' }));
  const p1 = await s3.send(new UploadPartCommand({ Bucket: 'full', Key: 'k', UploadId, PartNumber: 1, Body: a, ChecksumAlgorithm: 'CRC32' }));
  const p2 = await s3.send(new UploadPartCommand({ Bucket: 'full', Key: 'k', UploadId, PartNumber: 2, Body: b, ChecksumAlgorithm: 'CRC32' }));
  const { crc32 } = await import('node:zlib');
  const whole = Buffer.alloc(4);
  whole.writeUInt32BE(crc32(Buffer.concat([a, b])));
  const complete = (ChecksumCRC32: string) =>
    s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'full',
        Key: 'k',
        UploadId,
        ChecksumCRC32,
        ChecksumType: 'FULL_OBJECT',
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag, ChecksumCRC32: p1.ChecksumCRC32 }, { PartNumber: 2, ETag: p2.ETag, ChecksumCRC32: p2.ChecksumCRC32 }] },
      }),
    );
  // The client's whole-object checksum (a header of CompleteMultipartUpload) is checked against the combined one.
  await rejectsWith(complete('AAAAAA=='), 'BadDigest', 400);
  const done = await complete(whole.toString('base64'));
  assert.equal(done.ChecksumCRC32, whole.toString('base64'));
  // The SDK validates a full-object checksum on GET.
  const got = await s3.send(new GetObjectCommand({ Bucket: 'full', Key: 'k', ChecksumMode: 'ENABLED' }));
  assert.equal(got.ChecksumCRC32, whole.toString('base64'));
  assert.equal((await got.Body!.transformToByteArray()).length, a.length + b.length);
});

test(`uploads abandoned for ${ABANDONED_UPLOAD_AGE_MS / 86_400_000} days are aborted (by the clock) and their parts deleted; younger ones stay`, async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const s3 = s.s3();
  await s3.send(new CreateBucketCommand({ Bucket: 'sweep' }));
  const { UploadId: old } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'sweep', Key: 'old' }));
  await s3.send(new UploadPartCommand({ Bucket: 'sweep', Key: 'old', UploadId: old, PartNumber: 1, Body: 'x' }));
  s.clock.advance(ABANDONED_UPLOAD_AGE_MS - 60_000);
  // Later requests sign with the server's (moved) time, as the SDK does after a skew correction.
  const later = s3AtServerTime(s);
  const { UploadId: young } = await later.send(new CreateMultipartUploadCommand({ Bucket: 'sweep', Key: 'young' }));
  await later.send(new UploadPartCommand({ Bucket: 'sweep', Key: 'young', UploadId: young, PartNumber: 1, Body: 'y' }));
  s.clock.advance(120_000);
  assert.equal(await s.server.ctx.services.objects.sweepAbandonedUploads(), 1);
  const latest = s3AtServerTime(s);
  const uploads = await latest.send(new ListMultipartUploadsCommand({ Bucket: 'sweep' }));
  assert.deepEqual(uploads.Uploads!.map((u) => u.Key), ['young']);
  await rejectsWith(latest.send(new ListPartsCommand({ Bucket: 'sweep', Key: 'old', UploadId: old })), 'NoSuchUpload', 404);
  assert.equal(blobFiles(s).length, 1);
});
