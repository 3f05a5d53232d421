import { createReadStream, createWriteStream, existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform, type Readable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  GetObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  type Bucket,
  type _Object,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { Connection } from '../client-config.js';
import { UsageError } from '../io.js';

export async function createBucket(conn: Connection, bucket: string) {
  const out = await conn.s3().send(new CreateBucketCommand({ Bucket: bucket }));
  return { bucket, location: out.Location };
}

export async function deleteBucket(conn: Connection, bucket: string) {
  await conn.s3().send(new DeleteBucketCommand({ Bucket: bucket }));
  return { bucket, deleted: true };
}

export async function listBuckets(conn: Connection): Promise<Bucket[]> {
  return (await conn.s3().send(new ListBucketsCommand({}))).Buckets ?? [];
}

export async function listObjects(conn: Connection, bucket: string, prefix?: string): Promise<_Object[]> {
  const objects: _Object[] = [];
  let token: string | undefined;
  do {
    const page = await conn.s3().send(
      new ListObjectsV2Command({ Bucket: bucket, ...(prefix ? { Prefix: prefix } : {}), ...(token ? { ContinuationToken: token } : {}) }),
    );
    objects.push(...(page.Contents ?? []));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return objects;
}

/** Progress callbacks for copies: the total (when known), then bytes done so far. */
export interface CopyProgress {
  start?(total: number | undefined): void;
  update?(done: number): void;
}

export const DEFAULT_PART_SIZE = 8 * 1024 * 1024;

/**
 * Uploads a file with lib-storage: one PutObject when it fits in a part,
 * else a multipart upload (parts sent four at a time, aborted on failure).
 */
export async function uploadFile(
  conn: Connection,
  file: string,
  target: { bucket: string; key: string },
  o: { partSize?: number | undefined; contentType?: string | undefined; progress?: CopyProgress | undefined } = {},
) {
  if (!existsSync(file) || !statSync(file).isFile()) throw new UsageError(`${file} is not a file`);
  const size = statSync(file).size;
  const key = target.key === '' || target.key.endsWith('/') ? `${target.key}${basename(file)}` : target.key;
  o.progress?.start?.(size);
  const upload = new Upload({
    client: conn.s3(),
    params: { Bucket: target.bucket, Key: key, Body: createReadStream(file), ContentLength: size, ...(o.contentType ? { ContentType: o.contentType } : {}) },
    partSize: o.partSize ?? DEFAULT_PART_SIZE,
    queueSize: 4,
    leavePartsOnError: false,
  });
  upload.on('httpUploadProgress', (p) => o.progress?.update?.(p.loaded ?? 0));
  const out = await upload.done();
  o.progress?.update?.(size);
  return { bucket: target.bucket, key, size, etag: out.ETag, multipart: size > (o.partSize ?? DEFAULT_PART_SIZE) };
}

/**
 * Downloads an object into a temporary file beside the destination, then
 * renames it into place: a failed download leaves nothing behind. A
 * destination that is a directory (or ends in /) gets the key's base name.
 */
export async function downloadFile(conn: Connection, source: { bucket: string; key: string }, destination: string, o: { progress?: CopyProgress | undefined } = {}) {
  if (source.key === '' || source.key.endsWith('/')) throw new UsageError(`s3://${source.bucket}/${source.key} names no object`);
  const isDir = destination.endsWith('/') || (existsSync(destination) && statSync(destination).isDirectory());
  const file = resolve(isDir ? join(destination, basename(source.key)) : destination);
  const out = await conn.s3().send(new GetObjectCommand({ Bucket: source.bucket, Key: source.key }));
  o.progress?.start?.(out.ContentLength);
  const temp = join(dirname(file), `.${basename(file)}.ferry-${randomBytes(4).toString('hex')}`);
  let done = 0;
  const count = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      done += chunk.length;
      o.progress?.update?.(done);
      callback(null, chunk);
    },
  });
  try {
    await pipeline(out.Body as Readable, count, createWriteStream(temp, { flags: 'wx' }));
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  return { bucket: source.bucket, key: source.key, file, size: done, etag: out.ETag };
}
