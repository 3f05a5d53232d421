import type { Readable } from 'node:stream';

/** The flexible checksums S3 clients send (aws-wire-protocols.md §4.3). */
export type ChecksumAlgorithm = 'CRC32' | 'CRC32C' | 'CRC64NVME' | 'SHA1' | 'SHA256';
export const CHECKSUM_ALGORITHMS: readonly ChecksumAlgorithm[] = ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'];

/** FULL_OBJECT: the checksum of the bytes; COMPOSITE: of the parts' checksums, with a `-N` suffix. */
export type ChecksumType = 'FULL_OBJECT' | 'COMPOSITE';

export interface ObjectChecksum {
  algorithm: ChecksumAlgorithm;
  /** Base64, as S3 shows it. */
  value: string;
  type: ChecksumType;
}

/** What a client may set on an object besides its bytes. */
export interface ObjectAttributes {
  contentType?: string;
  contentDisposition?: string;
  contentEncoding?: string;
  contentLanguage?: string;
  cacheControl?: string;
  expires?: string;
  /** User metadata, names lower-case without the x-amz-meta- prefix. */
  metadata: Record<string, string>;
}

export interface BucketInfo {
  name: string;
  region: string;
  createdAt: number;
}

export interface ObjectInfo {
  bucket: string;
  key: string;
  size: number;
  /** Without quotes. */
  etag: string;
  lastModified: number;
  attributes: ObjectAttributes;
  checksum?: ObjectChecksum;
  partsCount?: number;
}

/** A byte range, both ends included. */
export interface ByteRange {
  start: number;
  end: number;
}

/** A range as asked: `bytes=a-b`, `bytes=a-` or `bytes=-n`. */
export type RangeRequest = { start: number; end?: number } | { suffix: number };

/**
 * A request body on its way in. Expected digests are checked as the bytes
 * pass; a checksum's expected value may only be known once the body has
 * ended (a trailer), hence the function form.
 */
export interface IncomingBody {
  stream: Readable;
  /** The declared length of the (decoded) body, when the client gave one. */
  length?: number;
  md5Base64?: string;
  sha256Hex?: string;
  checksum?: { algorithm: ChecksumAlgorithm; expected?: string | (() => string | undefined) };
}

/** Preconditions of a read (If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since). */
export interface ReadConditions {
  ifMatch?: string;
  ifNoneMatch?: string;
  ifModifiedSince?: number;
  ifUnmodifiedSince?: number;
}

/** Preconditions of a write: `*` = the key must not exist; an ETag = it must be that version. */
export interface WriteConditions {
  ifNoneMatch?: string;
  ifMatch?: string;
}
