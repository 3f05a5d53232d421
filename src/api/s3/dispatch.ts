import { FerryError, invalidInput } from '../../errors.js';
import * as buckets from './buckets.js';
import * as policies from './bucket-policies.js';
import type { S3BucketCall, S3Call, S3ObjectCall } from './context.js';
import * as listing from './listing.js';
import * as multipart from './multipart.js';
import * as objects from './objects.js';

/** Sub-resources Ferry does not implement: answered NotImplemented rather than mistaken for a plain GET or PUT. */
const UNSUPPORTED = new Set([
  'acl', 'cors', 'lifecycle', 'tagging', 'website', 'logging', 'notification', 'replication',
  'encryption', 'object-lock', 'retention', 'legal-hold', 'torrent', 'restore', 'select', 'accelerate', 'analytics',
  'inventory', 'metrics', 'ownershipControls', 'requestPayment', 'intelligent-tiering',
  'attributes', 'versions', 'session', 'renameObject',
]);

const notImplemented = (what: string): FerryError => invalidInput(`${what} is not implemented by Ferry.`, 'unknown-operation');
const methodNotAllowed = (): FerryError => invalidInput('The specified method is not allowed against this resource.', 'method-not-allowed');

type Route = (call: S3Call) => Promise<unknown>;

function serviceRoute(method: string): Route {
  if (method === 'GET') return buckets.listBuckets;
  throw methodNotAllowed();
}

function bucketRoute(method: string, q: URLSearchParams): (call: S3BucketCall) => Promise<unknown> {
  switch (method) {
    case 'GET':
      if (q.has('policy')) return policies.getBucketPolicy;
      if (q.has('policyStatus')) return policies.getBucketPolicyStatus;
      if (q.has('publicAccessBlock')) return policies.getPublicAccessBlock;
      if (q.has('location')) return buckets.getBucketLocation;
      if (q.has('versioning')) return buckets.getBucketVersioning;
      if (q.has('uploads')) return multipart.listUploads;
      if (q.get('list-type') === '2') return listing.listObjectsV2;
      return listing.listObjectsV1;
    case 'HEAD':
      return buckets.headBucket;
    case 'PUT':
      if (q.has('policy')) return policies.putBucketPolicy;
      if (q.has('publicAccessBlock')) return policies.putPublicAccessBlock;
      return buckets.createBucket;
    case 'DELETE':
      if (q.has('policy')) return policies.deleteBucketPolicy;
      if (q.has('publicAccessBlock')) return policies.deletePublicAccessBlock;
      return buckets.deleteBucket;
    case 'POST':
      if (q.has('delete')) return objects.deleteObjects;
      throw notImplemented('This POST on a bucket');
    default:
      throw methodNotAllowed();
  }
}

function objectRoute(method: string, q: URLSearchParams, copySource: boolean): (call: S3ObjectCall) => Promise<unknown> {
  switch (method) {
    case 'GET':
      return q.has('uploadId') ? multipart.listParts : objects.getObject;
    case 'HEAD':
      return objects.headObject;
    case 'PUT':
      if (copySource) throw notImplemented(q.has('uploadId') ? 'UploadPartCopy' : 'CopyObject');
      return q.has('uploadId') || q.has('partNumber') ? multipart.uploadPart : objects.putObject;
    case 'DELETE':
      return q.has('uploadId') ? multipart.abortUpload : objects.deleteObject;
    case 'POST':
      if (q.has('uploads')) return multipart.createUpload;
      if (q.has('uploadId')) return multipart.completeUpload;
      throw notImplemented('This POST on an object');
    default:
      throw methodNotAllowed();
  }
}

/**
 * S3 routing is by method, by what the path names (service, bucket, object)
 * and by query markers (`?uploads`, `?uploadId`, `?delete`, `?list-type=2`,
 * `?location`); `x-id` is ignored (aws-wire-protocols.md §4.1).
 */
export function dispatch(call: S3Call, copySource: boolean): Promise<unknown> {
  const { method } = call.request;
  const { bucket, key, query } = call.target;
  for (const name of query.keys()) if (UNSUPPORTED.has(name)) throw notImplemented(`The ?${name} sub-resource`);
  const versionId = query.get('versionId');
  if (versionId !== null && versionId !== 'null') {
    throw new FerryError('NotFound', 'The specified version does not exist.', { resource: 'version', fields: { VersionId: versionId } });
  }
  if (bucket === undefined) return named(call, serviceRoute(method))(call);
  if (key === undefined) return named(call, bucketRoute(method, query))({ ...call, bucket });
  return named(call, objectRoute(method, query, copySource))({ ...call, bucket, key });
}

/** Handlers whose name is not S3's operation name. */
const OPERATION_NAMES: Record<string, string> = {
  createUpload: 'CreateMultipartUpload',
  completeUpload: 'CompleteMultipartUpload',
  abortUpload: 'AbortMultipartUpload',
  listUploads: 'ListMultipartUploads',
  listObjectsV1: 'ListObjects',
};

/** The operation's name (`s3:GetObject`) for metrics and the audit log: the handler's, capitalised. */
function named<R extends (c: never) => Promise<unknown>>(call: S3Call, route: R): R {
  const name = OPERATION_NAMES[route.name] ?? `${route.name.charAt(0).toUpperCase()}${route.name.slice(1)}`;
  call.request.operation = `s3:${name}`;
  return route;
}
