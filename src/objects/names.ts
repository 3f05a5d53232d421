import { FerryError, invalidInput } from '../errors.js';

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const IP_LIKE = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;
const RESERVED_PREFIXES = ['xn--', 'sthree-', 'amzn-s3-demo-'];
const RESERVED_SUFFIXES = ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'];

/** S3's general-purpose bucket naming rules (S3 User Guide, "Bucket naming rules"). */
export function checkBucketName(name: string): void {
  const ok =
    BUCKET_NAME.test(name) &&
    !name.includes('..') &&
    !name.includes('.-') &&
    !name.includes('-.') &&
    !IP_LIKE.test(name) &&
    !RESERVED_PREFIXES.some((p) => name.startsWith(p)) &&
    !RESERVED_SUFFIXES.some((s) => name.endsWith(s));
  if (!ok) {
    throw new FerryError('InvalidInput', `The specified bucket is not valid: ${name}`, { reason: 'invalid-bucket-name', fields: { BucketName: name } });
  }
}

export const MAX_KEY_BYTES = 1024;

/** Keys are any UTF-8 up to 1024 bytes; they are never used as paths. */
export function checkKey(key: string): void {
  if (key.length === 0) throw invalidInput('A key must not be empty.');
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) {
    throw new FerryError('InvalidInput', 'Your key is too long', { reason: 'key-too-long', fields: { Size: String(Buffer.byteLength(key)), MaxSizeAllowed: String(MAX_KEY_BYTES) } });
  }
}

export const bucketArn = (bucket: string): string => `arn:aws:s3:::${bucket}`;
export const objectArn = (bucket: string, key: string): string => `arn:aws:s3:::${bucket}/${key}`;
/** ListAllMyBuckets is not about one bucket. */
export const ALL_BUCKETS_ARN = 'arn:aws:s3:::*';
