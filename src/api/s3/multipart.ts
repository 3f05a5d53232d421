import { invalidInput } from '../../errors.js';
import type { ChecksumAlgorithm, CompletePart } from '../../objects/index.js';
import { CHECKSUM_ALGORITHMS } from '../../objects/index.js';
import { checksumHeader, incomingBody } from './body.js';
import type { S3BucketCall, S3ObjectCall } from './context.js';
import { attributesFrom, checksumAlgorithmFrom, checksumHeaderName, checksumTypeFrom, header, writeConditionsFrom } from './headers.js';
import { intParam } from './listing.js';
import { childOf, childrenOf, malformedXml, readXmlBody, sendXml, textOf } from './xml.js';

/** CreateMultipartUpload: `POST /{b}/{k}?uploads`. */
export async function createUpload(call: S3ObjectCall): Promise<unknown> {
  const { request } = call;
  const checksumAlgorithm = checksumAlgorithmFrom(header(request, 'x-amz-checksum-algorithm'));
  const checksumType = checksumTypeFrom(header(request, 'x-amz-checksum-type'));
  const { uploadId } = await call.store.createUpload(call.principal, {
    bucket: call.bucket,
    key: call.key,
    attributes: attributesFrom(request),
    ...(checksumAlgorithm ? { checksumAlgorithm } : {}),
    ...(checksumType ? { checksumType } : {}),
  });
  if (checksumAlgorithm) call.reply.header('x-amz-checksum-algorithm', checksumAlgorithm);
  return sendXml(call.reply, 'InitiateMultipartUploadResult', { Bucket: call.bucket, Key: call.key, UploadId: uploadId });
}

function uploadIdOf(call: S3ObjectCall): string {
  const uploadId = call.target.query.get('uploadId');
  if (!uploadId) throw invalidInput('The uploadId parameter must not be empty.');
  return uploadId;
}

/** UploadPart: `PUT /{b}/{k}?partNumber=N&uploadId=U`. */
export async function uploadPart(call: S3ObjectCall): Promise<unknown> {
  const partNumber = intParam(call.target.query, 'partNumber', 0);
  const part = await call.store.uploadPart(call.principal, {
    bucket: call.bucket,
    key: call.key,
    uploadId: uploadIdOf(call),
    partNumber,
    body: incomingBody(call.request, call.reply),
  });
  call.reply.header('etag', `"${part.etag}"`);
  if (part.checksum) call.reply.header(checksumHeaderName(part.checksum.algorithm), part.checksum.value);
  return call.reply.code(200).send();
}

const CHECKSUM_ELEMENTS: Array<[string, ChecksumAlgorithm]> = CHECKSUM_ALGORITHMS.map((a) => [`Checksum${a}`, a]);

function partOf(node: Record<string, unknown>): CompletePart {
  const number = textOf(node, 'PartNumber')?.trim();
  const etag = textOf(node, 'ETag');
  if (!number || !/^\d+$/.test(number) || etag === undefined) throw malformedXml();
  const checksums: CompletePart['checksums'] = {};
  for (const [element, algorithm] of CHECKSUM_ELEMENTS) {
    const value = textOf(node, element)?.trim();
    if (value) checksums[algorithm] = value;
  }
  return { partNumber: Number(number), etag, checksums };
}

/** CompleteMultipartUpload: `POST /{b}/{k}?uploadId=U` with the part list. */
export async function completeUpload(call: S3ObjectCall): Promise<unknown> {
  const uploadId = uploadIdOf(call);
  const conditions = writeConditionsFrom(call.request);
  const doc = childOf(await readXmlBody(call.request, call.reply, { checksumHeaders: false }), 'CompleteMultipartUpload');
  if (!doc) throw malformedXml();
  const expected = checksumHeader(call.request);
  const info = await call.store.completeUpload(call.principal, {
    bucket: call.bucket,
    key: call.key,
    uploadId,
    parts: childrenOf(doc, 'Part').map(partOf),
    ...(conditions ? { conditions } : {}),
    ...(expected ? { expectedChecksum: expected } : {}),
  });
  const checksum = info.checksum ? { [`Checksum${info.checksum.algorithm}`]: info.checksum.value, ChecksumType: info.checksum.type } : {};
  return sendXml(call.reply, 'CompleteMultipartUploadResult', {
    Location: `${call.ctx.endpoints.s3}/${encodeURIComponent(call.bucket)}/${call.key.split('/').map(encodeURIComponent).join('/')}`,
    Bucket: call.bucket,
    Key: call.key,
    ETag: `"${info.etag}"`,
    ...checksum,
  });
}

/** AbortMultipartUpload: 204; an unknown id is NoSuchUpload. */
export async function abortUpload(call: S3ObjectCall): Promise<unknown> {
  await call.store.abortUpload(call.principal, { bucket: call.bucket, key: call.key, uploadId: uploadIdOf(call) });
  return call.reply.code(204).send();
}

const initiator = (call: S3ObjectCall | S3BucketCall) => ({ ID: call.ctx.accountId, DisplayName: 'ferry' });

/** ListParts: `GET /{b}/{k}?uploadId=U`. */
export async function listParts(call: S3ObjectCall): Promise<unknown> {
  const q = call.target.query;
  const maxParts = intParam(q, 'max-parts', 1000, 1000);
  const marker = intParam(q, 'part-number-marker', 0);
  const uploadId = uploadIdOf(call);
  const result = await call.store.listParts(call.principal, { bucket: call.bucket, key: call.key, uploadId, partNumberMarker: marker, maxParts });
  return sendXml(call.reply, 'ListPartsResult', {
    Bucket: call.bucket,
    Key: call.key,
    UploadId: uploadId,
    Initiator: initiator(call),
    Owner: initiator(call),
    StorageClass: 'STANDARD',
    PartNumberMarker: marker,
    NextPartNumberMarker: result.nextPartNumberMarker,
    MaxParts: maxParts,
    IsTruncated: result.isTruncated,
    ChecksumAlgorithm: result.upload.checksumAlgorithm,
    ChecksumType: result.upload.checksumType,
    Part: result.parts.map((p) => ({
      PartNumber: p.partNumber,
      LastModified: new Date(p.lastModified),
      ETag: `"${p.etag}"`,
      Size: p.size,
      ...(p.checksum ? { [`Checksum${p.checksum.algorithm}`]: p.checksum.value } : {}),
    })),
  });
}

/** ListMultipartUploads: `GET /{b}?uploads`. */
export async function listUploads(call: S3BucketCall): Promise<unknown> {
  const q = call.target.query;
  const maxUploads = intParam(q, 'max-uploads', 1000, 1000);
  const prefix = q.get('prefix') ?? '';
  const keyMarker = q.get('key-marker') ?? '';
  const uploadIdMarker = q.get('upload-id-marker') ?? '';
  const result = await call.store.listUploads(call.principal, {
    bucket: call.bucket,
    ...(prefix ? { prefix } : {}),
    ...(keyMarker ? { keyMarker } : {}),
    ...(uploadIdMarker ? { uploadIdMarker } : {}),
    maxUploads,
  });
  return sendXml(call.reply, 'ListMultipartUploadsResult', {
    Bucket: call.bucket,
    KeyMarker: keyMarker,
    UploadIdMarker: uploadIdMarker,
    NextKeyMarker: result.nextKeyMarker,
    NextUploadIdMarker: result.nextUploadIdMarker,
    Prefix: prefix,
    MaxUploads: maxUploads,
    IsTruncated: result.isTruncated,
    Upload: result.uploads.map((u) => ({
      Key: u.key,
      UploadId: u.uploadId,
      Initiator: initiator(call),
      Owner: initiator(call),
      StorageClass: 'STANDARD',
      Initiated: new Date(u.createdAt),
      ChecksumAlgorithm: u.checksumAlgorithm,
    })),
  });
}
