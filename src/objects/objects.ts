import type { Readable } from 'node:stream';
import { FerryError } from '../errors.js';
import type { Principal } from '../iam/principal.js';
import { randomHex } from '../ids.js';
import { authorizeS3, isAllowedS3 } from './access.js';
import { checkAttributes } from './attributes.js';
import { requireBucket } from './buckets.js';
import type { Db, ObjectsDeps } from './deps.js';
import { bucketArn, checkKey, objectArn } from './names.js';
import { etagMatches, findObject, forgetVersion, noSuchKey, preconditionFailed, replaceObject, toObjectInfo, type ObjectRow } from './object-rows.js';
import { openVersion, resolveRange } from './read.js';
import { receiveBody } from './receive.js';
import { trashBlobs } from './trash.js';
import type { ByteRange, IncomingBody, ObjectAttributes, ObjectInfo, RangeRequest, ReadConditions, WriteConditions } from './types.js';

export interface PutObjectInput {
  bucket: string;
  key: string;
  body: IncomingBody;
  attributes: ObjectAttributes;
  conditions?: WriteConditions;
}

/**
 * PutObject: authorize and check the bucket before any byte is read (a
 * client waiting on 100-continue is refused without sending), stream to a
 * staged blob while checking digests, commit the row, then the blob.
 */
export async function putObject(deps: ObjectsDeps, principal: Principal, input: PutObjectInput): Promise<ObjectInfo> {
  const { bucket, key } = input;
  await authorizeS3(principal, 's3:PutObject', objectArn(bucket, key), deps.policies());
  checkKey(key);
  checkAttributes(input.attributes);
  await requireBucket(deps.db, bucket);
  const { staged, digests } = await receiveBody(deps.blobs, input.body);
  const row: ObjectRow = {
    bucket,
    key,
    version_id: randomHex(16),
    blob_id: staged.id,
    size: staged.size,
    etag: digests.md5.toString('hex'),
    attributes: JSON.stringify(input.attributes),
    checksum_algorithm: digests.checksum?.algorithm ?? null,
    checksum_value: digests.checksum?.value ?? null,
    checksum_type: digests.checksum ? 'FULL_OBJECT' : null,
    parts_count: null,
    last_modified: deps.clock.now(),
  };
  try {
    await commitVersion(deps, row, input.conditions, [staged.id]);
  } catch (error) {
    await deps.blobs.discard(staged.id);
    throw error;
  }
  return toObjectInfo(row);
}

/**
 * Writes a new version's row, trashing the version it replaces, and then
 * commits its staged blobs; the object is held meanwhile so the trash
 * waits. `more` runs in the same transaction (multipart bookkeeping).
 */
export async function commitVersion(
  deps: ObjectsDeps,
  row: ObjectRow,
  conditions: WriteConditions | undefined,
  stagedBlobIds: string[],
  more?: (trx: Db) => Promise<void>,
): Promise<void> {
  const release = deps.leases.acquire(row.bucket, row.key);
  try {
    await deps.db.transaction().execute(async (trx) => {
      await requireBucket(trx, row.bucket, { dialect: deps.dialect, mode: 'share' });
      const old = await replaceObject(trx, deps.dialect, row, conditions);
      if (old) await trashBlobs(trx, await forgetVersion(trx, old), row, row.last_modified);
      if (more) await more(trx);
    });
    for (const id of stagedBlobIds) await deps.blobs.commit(id);
  } finally {
    release();
  }
}

export interface ReadObjectInput {
  bucket: string;
  key: string;
  range?: { request: RangeRequest; asked: string };
  /** GetObject/HeadObject `partNumber`: the bytes of one part of a multipart object. */
  partNumber?: number;
  conditions?: ReadConditions;
}

export type ReadObjectResult =
  | { status: 'ok'; info: ObjectInfo; range?: ByteRange; body?: Readable }
  | { status: 'not-modified'; info: ObjectInfo };

/** NoSuchKey to those who may list the bucket; AccessDenied to the others, as S3 does. */
async function missingKey(deps: ObjectsDeps, principal: Principal, bucket: string, key: string): Promise<FerryError> {
  if (await isAllowedS3(principal, 's3:ListBucket', bucketArn(bucket), deps.policies())) return noSuchKey(key);
  return new FerryError('Denied', 'Access Denied');
}

/** RFC 9110 §13.2.2 order: If-Match, If-Unmodified-Since, If-None-Match, If-Modified-Since (HTTP dates have whole seconds). */
function checkReadConditions(info: ObjectInfo, c: ReadConditions | undefined): 'ok' | 'not-modified' {
  if (!c) return 'ok';
  const modified = Math.floor(info.lastModified / 1000) * 1000;
  if (c.ifMatch !== undefined && !etagMatches(c.ifMatch, info.etag)) throw preconditionFailed();
  if (c.ifMatch === undefined && c.ifUnmodifiedSince !== undefined && modified > c.ifUnmodifiedSince) throw preconditionFailed();
  if (c.ifNoneMatch !== undefined) return etagMatches(c.ifNoneMatch, info.etag) ? 'not-modified' : 'ok';
  if (c.ifModifiedSince !== undefined && modified <= c.ifModifiedSince) return 'not-modified';
  return 'ok';
}

/**
 * GetObject (with a body) and HeadObject (without). The object is held
 * from before its row is read until the body is closed, so an overwrite
 * meanwhile leaves this reader the whole old version.
 */
export async function readObject(deps: ObjectsDeps, principal: Principal, input: ReadObjectInput, withBody: boolean): Promise<ReadObjectResult> {
  const { bucket, key } = input;
  await authorizeS3(principal, 's3:GetObject', objectArn(bucket, key), deps.policies());
  const release = deps.leases.acquire(bucket, key);
  try {
    const row = await findObject(deps.db, bucket, key);
    if (!row) {
      await requireBucket(deps.db, bucket);
      throw await missingKey(deps, principal, bucket, key);
    }
    const info = toObjectInfo(row);
    if (checkReadConditions(info, input.conditions) === 'not-modified') {
      release();
      return { status: 'not-modified', info };
    }
    const range = input.partNumber !== undefined ? await partRange(deps, row, input.partNumber) : input.range ? resolveRange(input.range.request, info.size, input.range.asked) : undefined;
    if (!withBody) {
      release();
      return { status: 'ok', info, ...(range ? { range } : {}) };
    }
    const body = await openVersion(deps.db, deps.blobs, row, range);
    body.once('close', release);
    return { status: 'ok', info, ...(range ? { range } : {}), body };
  } catch (error) {
    release();
    throw error;
  }
}

/**
 * The bytes of part N: a segment of a multipart object; part 1 of a simple
 * object is all of it. Beyond the last part: InvalidPartNumber (416).
 */
async function partRange(deps: ObjectsDeps, row: ObjectRow, partNumber: number): Promise<ByteRange | undefined> {
  const invalid = () => new FerryError('InvalidInput', 'The requested partnumber is not satisfiable', { reason: 'invalid-part-number', fields: { PartNumberRequested: String(partNumber), ActualPartCount: String(row.parts_count ?? 1) } });
  if (!Number.isInteger(partNumber) || partNumber < 1) throw invalid();
  if (row.parts_count === null) {
    if (partNumber !== 1) throw invalid();
    return undefined;
  }
  const segment = await deps.db
    .selectFrom('s3_object_segments')
    .select(['start_offset', 'size'])
    .where('version_id', '=', row.version_id)
    .orderBy('part_number')
    .offset(partNumber - 1)
    .limit(1)
    .executeTakeFirst();
  if (!segment) throw invalid();
  const start = Number(segment.start_offset);
  return { start, end: start + Number(segment.size) - 1 };
}

/** Removes the current version of a key, if any; its blobs go to the trash. */
async function removeObject(deps: ObjectsDeps, bucket: string, key: string): Promise<boolean> {
  const removed = await deps.db.transaction().execute(async (trx) => {
    const row = await trx.deleteFrom('s3_objects').where('bucket', '=', bucket).where('key', '=', key).returning(['blob_id', 'version_id']).executeTakeFirst();
    if (!row) return false;
    await trashBlobs(trx, await forgetVersion(trx, row), { bucket, key }, deps.clock.now());
    return true;
  });
  if (removed) await deps.trash.collect({ bucket, key });
  return removed;
}

/** DeleteObject: 204 whether or not the key existed (aws-wire-protocols.md §4.2). */
export async function deleteObject(deps: ObjectsDeps, principal: Principal, bucket: string, key: string): Promise<void> {
  await authorizeS3(principal, 's3:DeleteObject', objectArn(bucket, key), deps.policies());
  await requireBucket(deps.db, bucket);
  await removeObject(deps, bucket, key);
}

export interface DeleteOutcome {
  key: string;
  error?: { code: 'AccessDenied' | 'InternalError'; message: string };
}

/** DeleteObjects: each key authorized and deleted on its own; refusals are reported per key. */
export async function deleteObjects(deps: ObjectsDeps, principal: Principal, bucket: string, keys: string[]): Promise<DeleteOutcome[]> {
  await requireBucket(deps.db, bucket);
  const out: DeleteOutcome[] = [];
  for (const key of keys) {
    if (!(await isAllowedS3(principal, 's3:DeleteObject', objectArn(bucket, key), deps.policies()))) {
      out.push({ key, error: { code: 'AccessDenied', message: 'Access Denied' } });
      continue;
    }
    try {
      await removeObject(deps, bucket, key);
      out.push({ key });
    } catch (error) {
      deps.logger.error({ err: error, bucket }, 'deleting an object failed');
      out.push({ key, error: { code: 'InternalError', message: 'We encountered an internal error. Please try again.' } });
    }
  }
  return out;
}
