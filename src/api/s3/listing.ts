import { invalidInput } from '../../errors.js';
import type { ListResult } from '../../objects/index.js';
import type { XmlObject } from '../../protocols/xml/build.js';
import type { S3BucketCall } from './context.js';
import { sendXml } from './xml.js';

/** Query parameters as integers within bounds, or InvalidArgument. */
export function intParam(query: URLSearchParams, name: string, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  const text = query.get(name);
  if (text === null || text === '') return fallback;
  if (!/^\d+$/.test(text)) throw invalidInput(`Provided ${name} not an integer or within integer range`);
  return Math.min(Number(text), max);
}

/** encoding-type=url: keys and prefixes percent-encoded, so any byte survives XML (botocore decodes them). */
function encoder(query: URLSearchParams): { encode: (s: string) => string; type?: string } {
  const type = query.get('encoding-type');
  if (type === null) return { encode: (s) => s };
  if (type !== 'url') throw invalidInput('Invalid Encoding Method specified in Request');
  return { encode: (s) => encodeURIComponent(s).replace(/%2F/g, '/'), type };
}

/** Continuation tokens are opaque to clients: the position after which the next page starts. */
const tokenFor = (last: string): string => Buffer.from(`v1:${last}`, 'utf8').toString('base64url');

function positionOf(token: string): string {
  const text = Buffer.from(token, 'base64url').toString('utf8');
  if (!text.startsWith('v1:')) throw invalidInput('The continuation token provided is incorrect');
  return text.slice(3);
}

function contents(result: ListResult, encode: (s: string) => string, owner?: XmlObject): XmlObject[] {
  return result.objects.map((o) => ({
    Key: encode(o.key),
    LastModified: new Date(o.lastModified),
    ETag: `"${o.etag}"`,
    ChecksumAlgorithm: o.checksumAlgorithm,
    Size: o.size,
    Owner: owner,
    StorageClass: 'STANDARD',
  }));
}

const owner = (call: S3BucketCall): XmlObject => ({ ID: call.ctx.accountId, DisplayName: 'ferry' });

/** ListObjectsV2: `GET /{b}?list-type=2` (aws-wire-protocols.md §4.2). */
export async function listObjectsV2(call: S3BucketCall): Promise<unknown> {
  const q = call.target.query;
  const { encode, type } = encoder(q);
  const prefix = q.get('prefix') ?? '';
  const delimiter = q.get('delimiter') || undefined;
  const maxKeys = intParam(q, 'max-keys', 1000, 1000);
  const token = q.get('continuation-token');
  const startAfter = q.get('start-after') || undefined;
  const after = token !== null ? positionOf(token) : startAfter;
  const result = await call.store.listObjects(call.principal, { bucket: call.bucket, prefix, ...(delimiter ? { delimiter } : {}), ...(after !== undefined ? { after } : {}), maxKeys });
  return sendXml(call.reply, 'ListBucketResult', {
    Name: call.bucket,
    Prefix: encode(prefix),
    Delimiter: delimiter !== undefined ? encode(delimiter) : undefined,
    MaxKeys: maxKeys,
    KeyCount: result.objects.length + result.commonPrefixes.length,
    IsTruncated: result.isTruncated,
    ContinuationToken: token ?? undefined,
    NextContinuationToken: result.isTruncated && result.last !== undefined ? tokenFor(result.last) : undefined,
    StartAfter: startAfter !== undefined ? encode(startAfter) : undefined,
    EncodingType: type,
    Contents: contents(result, encode, q.get('fetch-owner') === 'true' ? owner(call) : undefined),
    CommonPrefixes: result.commonPrefixes.map((p) => ({ Prefix: encode(p) })),
  });
}

/** ListObjects (v1): `GET /{b}` with marker / NextMarker. */
export async function listObjectsV1(call: S3BucketCall): Promise<unknown> {
  const q = call.target.query;
  const { encode, type } = encoder(q);
  const prefix = q.get('prefix') ?? '';
  const delimiter = q.get('delimiter') || undefined;
  const maxKeys = intParam(q, 'max-keys', 1000, 1000);
  const marker = q.get('marker') ?? '';
  const result = await call.store.listObjects(call.principal, { bucket: call.bucket, prefix, ...(delimiter ? { delimiter } : {}), ...(marker ? { after: marker } : {}), maxKeys });
  return sendXml(call.reply, 'ListBucketResult', {
    Name: call.bucket,
    Prefix: encode(prefix),
    Marker: encode(marker),
    NextMarker: result.isTruncated && result.last !== undefined ? encode(result.last) : undefined,
    MaxKeys: maxKeys,
    Delimiter: delimiter !== undefined ? encode(delimiter) : undefined,
    IsTruncated: result.isTruncated,
    EncodingType: type,
    Contents: contents(result, encode, owner(call)),
    CommonPrefixes: result.commonPrefixes.map((p) => ({ Prefix: encode(p) })),
  });
}
