import { createHash } from 'node:crypto';
import { FerryError, invalidInput, invalidState } from '../errors.js';
import type { Principal } from '../iam/principal.js';
import { randomHex } from '../ids.js';
import { authorizeS3 } from './access.js';
import { checkAttributes } from './attributes.js';
import { requireBucket } from './buckets.js';
import { canCombine, combineCrcs } from './crc-combine.js';
import { lockRows, type Db, type ObjectsDeps } from './deps.js';
import { checksumOf } from './digests.js';
import { prefixEnd } from './keys.js';
import { bucketArn, checkKey, objectArn } from './names.js';
import { toObjectInfo, type ObjectRow } from './object-rows.js';
import { commitVersion } from './objects.js';
import { abortUploadsOf, noSuchUpload } from './multipart-rows.js';
import { receiveBody } from './receive.js';
import { trashBlobs } from './trash.js';
import type { ChecksumAlgorithm, ChecksumType, IncomingBody, ObjectAttributes, ObjectChecksum, ObjectInfo, WriteConditions } from './types.js';

/** S3's multipart limits (S3 User Guide, "Amazon S3 multipart upload limits"). */
export const MIN_PART_BYTES = 5 * 1024 * 1024;
export const MAX_PARTS = 10_000;

export interface CreateUploadInput {
  bucket: string;
  key: string;
  attributes: ObjectAttributes;
  checksumAlgorithm?: ChecksumAlgorithm;
  checksumType?: ChecksumType;
}

/** Upload ids sort by creation time, as ListMultipartUploads orders them. */
const newUploadId = (nowMs: number): string => `${nowMs.toString(16).padStart(12, '0')}${randomHex(24)}`;

/** What checksum a completed upload will have; COMPOSITE unless FULL_OBJECT is asked (CRC64NVME is only FULL_OBJECT). */
function uploadChecksumType(algorithm: ChecksumAlgorithm | undefined, asked: ChecksumType | undefined): ChecksumType | null {
  if (!algorithm) {
    if (asked) throw invalidInput('The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.');
    return null;
  }
  const type = asked ?? (algorithm === 'CRC64NVME' ? 'FULL_OBJECT' : 'COMPOSITE');
  if (type === 'FULL_OBJECT' && !canCombine(algorithm)) throw invalidState('upload', `The FULL_OBJECT checksum type cannot be used with the ${algorithm.toLowerCase()} checksum algorithm.`);
  if (type === 'COMPOSITE' && algorithm === 'CRC64NVME') throw invalidState('upload', 'The COMPOSITE checksum type cannot be used with the crc64nvme checksum algorithm.');
  return type;
}

export async function createUpload(deps: ObjectsDeps, principal: Principal, input: CreateUploadInput): Promise<{ uploadId: string }> {
  await authorizeS3(principal, 's3:PutObject', objectArn(input.bucket, input.key), deps.policies());
  checkKey(input.key);
  checkAttributes(input.attributes);
  const checksumType = uploadChecksumType(input.checksumAlgorithm, input.checksumType);
  const now = deps.clock.now();
  const uploadId = newUploadId(now);
  const row = {
    upload_id: uploadId,
    bucket: input.bucket,
    key: input.key,
    attributes: JSON.stringify(input.attributes),
    checksum_algorithm: input.checksumAlgorithm ?? null,
    checksum_type: checksumType,
    created_at: now,
  };
  await deps.db.transaction().execute(async (trx) => {
    await requireBucket(trx, input.bucket, { dialect: deps.dialect, mode: 'share' });
    await trx.insertInto('s3_uploads').values(row).execute();
  });
  return { uploadId };
}

async function findUpload(db: Db, dialect: ObjectsDeps['dialect'], bucket: string, key: string, uploadId: string, lock = false) {
  const query = db.selectFrom('s3_uploads').selectAll().where('upload_id', '=', uploadId).where('bucket', '=', bucket).where('key', '=', key);
  const row = await (lock ? lockRows(dialect, query) : query).executeTakeFirst();
  if (!row) throw noSuchUpload(uploadId);
  return row;
}

function checkPartNumber(partNumber: number): void {
  if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MAX_PARTS) {
    throw invalidInput(`Part number must be an integer between 1 and ${MAX_PARTS}, inclusive`);
  }
}

export interface UploadPartInput {
  bucket: string;
  key: string;
  uploadId: string;
  partNumber: number;
  body: IncomingBody;
}

export interface UploadedPart {
  etag: string;
  checksum?: { algorithm: ChecksumAlgorithm; value: string };
}

/** The checksum a part is received with: the client's, or else the upload's (computed). */
function partChecksum(body: IncomingBody, uploadAlgorithm: string | null): IncomingBody['checksum'] {
  const given = body.checksum;
  if (given && uploadAlgorithm && given.algorithm !== uploadAlgorithm) {
    throw invalidState('upload', `Checksum Type mismatch occurred, expected checksum Type: ${uploadAlgorithm.toLowerCase()}, actual checksum Type: ${given.algorithm.toLowerCase()}`);
  }
  if (given) return given;
  return uploadAlgorithm ? { algorithm: uploadAlgorithm as ChecksumAlgorithm } : undefined;
}

/** UploadPart: like PutObject, into a part row; a part uploaded again replaces the earlier one. */
export async function uploadPart(deps: ObjectsDeps, principal: Principal, input: UploadPartInput): Promise<UploadedPart> {
  const { bucket, key, uploadId, partNumber } = input;
  await authorizeS3(principal, 's3:PutObject', objectArn(bucket, key), deps.policies());
  checkPartNumber(partNumber);
  await requireBucket(deps.db, bucket);
  const upload = await findUpload(deps.db, deps.dialect, bucket, key, uploadId);
  const checksum = partChecksum(input.body, upload.checksum_algorithm);
  const { staged, digests } = await receiveBody(deps.blobs, { ...input.body, ...(checksum ? { checksum } : {}) });
  const etag = digests.md5.toString('hex');
  const release = deps.leases.acquire(bucket, key);
  try {
    await deps.db.transaction().execute(async (trx) => {
      await findUpload(trx, deps.dialect, bucket, key, uploadId, true);
      const old = await trx.deleteFrom('s3_parts').where('upload_id', '=', uploadId).where('part_number', '=', partNumber).returning('blob_id').executeTakeFirst();
      if (old) await trashBlobs(trx, [old.blob_id], { bucket, key }, deps.clock.now());
      await trx
        .insertInto('s3_parts')
        .values({
          upload_id: uploadId,
          part_number: partNumber,
          blob_id: staged.id,
          size: staged.size,
          etag,
          checksum_algorithm: digests.checksum?.algorithm ?? null,
          checksum_value: digests.checksum?.value ?? null,
          created_at: deps.clock.now(),
        })
        .execute();
    });
    await deps.blobs.commit(staged.id);
  } catch (error) {
    await deps.blobs.discard(staged.id);
    throw error;
  } finally {
    release();
  }
  await deps.trash.collect({ bucket, key });
  return { etag, ...(digests.checksum ? { checksum: digests.checksum } : {}) };
}

export interface CompletePart {
  partNumber: number;
  etag: string;
  checksums?: Partial<Record<ChecksumAlgorithm, string>>;
}

export interface CompleteUploadInput {
  bucket: string;
  key: string;
  uploadId: string;
  parts: CompletePart[];
  conditions?: WriteConditions;
  /** The whole object's checksum as the client computed it, checked against ours when we have one of that algorithm. */
  expectedChecksum?: { algorithm: ChecksumAlgorithm; value: string };
}

const stripQuotes = (etag: string): string => etag.trim().replace(/^"|"$/g, '');

const invalidPart = (part: CompletePart, uploadId: string): FerryError =>
  new FerryError(
    'InvalidInput',
    'One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part\'s entity tag.',
    { reason: 'invalid-part', fields: { UploadId: uploadId, PartNumber: String(part.partNumber), ETag: part.etag } },
  );

type PartRow = { part_number: number; blob_id: string; size: number; etag: string; checksum_algorithm: string | null; checksum_value: string | null };

/** Every check S3 makes of a CompleteMultipartUpload list (aws-wire-protocols.md §4.2). */
function checkCompleteList(input: CompleteUploadInput, stored: Map<number, PartRow>): PartRow[] {
  if (input.parts.length === 0) throw invalidInput('The XML you provided was not well-formed or did not validate against our published schema', 'malformed-xml');
  const chosen: PartRow[] = [];
  let previous = 0;
  for (const part of input.parts) {
    checkPartNumber(part.partNumber);
    if (part.partNumber <= previous) throw invalidInput('The list of parts was not in ascending order. The parts list must be specified in order by part number.', 'invalid-part-order');
    previous = part.partNumber;
    const row = stored.get(part.partNumber);
    if (!row || row.etag !== stripQuotes(part.etag)) throw invalidPart(part, input.uploadId);
    for (const [algorithm, value] of Object.entries(part.checksums ?? {})) {
      if (row.checksum_algorithm === algorithm && row.checksum_value !== value) throw invalidPart(part, input.uploadId);
    }
    chosen.push(row);
  }
  chosen.forEach((row, i) => {
    if (i < chosen.length - 1 && Number(row.size) < MIN_PART_BYTES) {
      throw new FerryError('InvalidInput', 'Your proposed upload is smaller than the minimum allowed object size.', {
        reason: 'entity-too-small',
        fields: { ProposedSize: String(row.size), MinSizeAllowed: String(MIN_PART_BYTES), PartNumber: String(row.part_number), ETag: row.etag },
      });
    }
  });
  return chosen;
}

/** md5 of the parts' binary md5s, then `-N` (the multipart ETag every S3 client knows). */
function multipartEtag(parts: PartRow[]): string {
  const md5 = createHash('md5');
  for (const p of parts) md5.update(Buffer.from(p.etag, 'hex'));
  return `${md5.digest('hex')}-${parts.length}`;
}

function multipartChecksum(algorithm: string | null, type: string | null, parts: PartRow[]): ObjectChecksum | undefined {
  if (!algorithm || !type) return undefined;
  const alg = algorithm as ChecksumAlgorithm;
  if (parts.some((p) => p.checksum_algorithm !== alg || !p.checksum_value)) return undefined;
  const values = parts.map((p) => Buffer.from(p.checksum_value!, 'base64'));
  if (type === 'FULL_OBJECT') {
    return { algorithm: alg, type, value: combineCrcs(alg, parts.map((p, i) => ({ crc: values[i]!, size: Number(p.size) }))).toString('base64') };
  }
  return { algorithm: alg, type: 'COMPOSITE', value: `${checksumOf(alg, Buffer.concat(values))}-${parts.length}` };
}

/**
 * CompleteMultipartUpload: the listed parts become the object's segments
 * (no bytes are copied); parts not listed go to the trash with the upload.
 */
export async function completeUpload(deps: ObjectsDeps, principal: Principal, input: CompleteUploadInput): Promise<ObjectInfo> {
  const { bucket, key, uploadId } = input;
  await authorizeS3(principal, 's3:PutObject', objectArn(bucket, key), deps.policies());
  await requireBucket(deps.db, bucket);
  const upload = await findUpload(deps.db, deps.dialect, bucket, key, uploadId);
  const rows = await deps.db.selectFrom('s3_parts').select(['part_number', 'blob_id', 'size', 'etag', 'checksum_algorithm', 'checksum_value']).where('upload_id', '=', uploadId).execute();
  const chosen = checkCompleteList(input, new Map(rows.map((r) => [r.part_number, r])));
  const checksum = multipartChecksum(upload.checksum_algorithm, upload.checksum_type, chosen);
  const expected = input.expectedChecksum;
  if (expected && checksum && expected.algorithm === checksum.algorithm && expected.value !== checksum.value) {
    throw new FerryError('InvalidInput', `The ${expected.algorithm} you specified did not match the calculated checksum.`, { reason: 'bad-digest' });
  }
  const row: ObjectRow = {
    bucket,
    key,
    version_id: randomHex(16),
    blob_id: null,
    size: chosen.reduce((sum, p) => sum + Number(p.size), 0),
    etag: multipartEtag(chosen),
    attributes: upload.attributes,
    checksum_algorithm: checksum?.algorithm ?? null,
    checksum_value: checksum?.value ?? null,
    checksum_type: checksum?.type ?? null,
    parts_count: chosen.length,
    last_modified: deps.clock.now(),
  };
  const used = new Set(chosen.map((p) => p.blob_id));
  await commitVersion(deps, row, input.conditions, [], async (trx) => {
    await findUpload(trx, deps.dialect, bucket, key, uploadId, true);
    let offset = 0;
    const segments = chosen.map((p) => {
      const segment = { version_id: row.version_id, part_number: p.part_number, blob_id: p.blob_id, start_offset: offset, size: Number(p.size) };
      offset += Number(p.size);
      return segment;
    });
    for (let i = 0; i < segments.length; i += 500) await trx.insertInto('s3_object_segments').values(segments.slice(i, i + 500)).execute();
    const unused = rows.filter((r) => !used.has(r.blob_id)).map((r) => r.blob_id);
    await trashBlobs(trx, unused, { bucket, key }, row.last_modified);
    await trx.deleteFrom('s3_parts').where('upload_id', '=', uploadId).execute();
    await trx.deleteFrom('s3_uploads').where('upload_id', '=', uploadId).execute();
  });
  await deps.trash.collect({ bucket, key });
  return toObjectInfo(row);
}

export async function abortUpload(deps: ObjectsDeps, principal: Principal, input: { bucket: string; key: string; uploadId: string }): Promise<void> {
  const { bucket, key, uploadId } = input;
  await authorizeS3(principal, 's3:AbortMultipartUpload', objectArn(bucket, key), deps.policies());
  await requireBucket(deps.db, bucket);
  await deps.db.transaction().execute(async (trx) => {
    await findUpload(trx, deps.dialect, bucket, key, uploadId, true);
    await abortUploadsOf(trx, { uploadId }, deps.clock.now());
  });
  await deps.trash.collect({ bucket, key });
}

export interface ListedPart {
  partNumber: number;
  size: number;
  etag: string;
  lastModified: number;
  checksum?: { algorithm: ChecksumAlgorithm; value: string };
}

export interface ListPartsResult {
  upload: { attributes: ObjectAttributes; checksumAlgorithm?: ChecksumAlgorithm; checksumType?: ChecksumType; createdAt: number };
  parts: ListedPart[];
  isTruncated: boolean;
  nextPartNumberMarker?: number;
}

export async function listParts(
  deps: ObjectsDeps,
  principal: Principal,
  input: { bucket: string; key: string; uploadId: string; partNumberMarker?: number; maxParts?: number },
): Promise<ListPartsResult> {
  const { bucket, key, uploadId } = input;
  await authorizeS3(principal, 's3:ListMultipartUploadParts', objectArn(bucket, key), deps.policies());
  await requireBucket(deps.db, bucket);
  const upload = await findUpload(deps.db, deps.dialect, bucket, key, uploadId);
  const max = Math.min(input.maxParts ?? 1000, 1000);
  const rows = await deps.db
    .selectFrom('s3_parts')
    .selectAll()
    .where('upload_id', '=', uploadId)
    .where('part_number', '>', input.partNumberMarker ?? 0)
    .orderBy('part_number')
    .limit(max + 1)
    .execute();
  const page = rows.slice(0, max);
  const last = page[page.length - 1];
  return {
    upload: {
      attributes: JSON.parse(upload.attributes) as ObjectAttributes,
      ...(upload.checksum_algorithm ? { checksumAlgorithm: upload.checksum_algorithm as ChecksumAlgorithm } : {}),
      ...(upload.checksum_type ? { checksumType: upload.checksum_type as ChecksumType } : {}),
      createdAt: Number(upload.created_at),
    },
    parts: page.map((r) => ({
      partNumber: r.part_number,
      size: Number(r.size),
      etag: r.etag,
      lastModified: Number(r.created_at),
      ...(r.checksum_algorithm && r.checksum_value ? { checksum: { algorithm: r.checksum_algorithm as ChecksumAlgorithm, value: r.checksum_value } } : {}),
    })),
    isTruncated: rows.length > max,
    ...(rows.length > max && last ? { nextPartNumberMarker: last.part_number } : {}),
  };
}

export interface ListedUpload {
  key: string;
  uploadId: string;
  createdAt: number;
  checksumAlgorithm?: ChecksumAlgorithm;
}

export interface ListUploadsResult {
  uploads: ListedUpload[];
  isTruncated: boolean;
  nextKeyMarker?: string;
  nextUploadIdMarker?: string;
}

/** ListMultipartUploads: by key, then by initiation (upload ids sort that way). */
export async function listUploads(
  deps: ObjectsDeps,
  principal: Principal,
  input: { bucket: string; prefix?: string; keyMarker?: string; uploadIdMarker?: string; maxUploads?: number },
): Promise<ListUploadsResult> {
  await authorizeS3(principal, 's3:ListBucketMultipartUploads', bucketArn(input.bucket), deps.policies());
  await requireBucket(deps.db, input.bucket);
  const max = Math.min(input.maxUploads ?? 1000, 1000);
  let query = deps.db.selectFrom('s3_uploads').select(['key', 'upload_id', 'created_at', 'checksum_algorithm']).where('bucket', '=', input.bucket);
  const { prefix, keyMarker, uploadIdMarker } = input;
  const end = prefix ? prefixEnd(prefix) : undefined;
  if (prefix) query = query.where('key', '>=', prefix);
  if (end !== undefined) query = query.where('key', '<', end);
  if (keyMarker !== undefined) {
    query = uploadIdMarker
      ? query.where((eb) => eb.or([eb('key', '>', keyMarker), eb.and([eb('key', '=', keyMarker), eb('upload_id', '>', uploadIdMarker)])]))
      : query.where('key', '>', keyMarker);
  }
  const rows = (await query.orderBy('key').orderBy('upload_id').limit(max + 1).execute());
  const page = rows.slice(0, max);
  const last = page[page.length - 1];
  return {
    uploads: page.map((r) => ({ key: r.key, uploadId: r.upload_id, createdAt: Number(r.created_at), ...(r.checksum_algorithm ? { checksumAlgorithm: r.checksum_algorithm as ChecksumAlgorithm } : {}) })),
    isTruncated: rows.length > max,
    ...(rows.length > max && last ? { nextKeyMarker: last.key, nextUploadIdMarker: last.upload_id } : {}),
  };
}
