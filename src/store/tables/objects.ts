/**
 * The objects tables: buckets, the current version of each object, the
 * segments of multipart objects, multipart uploads and their parts, and the
 * blobs waiting to be deleted. Blobs are files named by id (never by key);
 * a row names the blob it owns. Times are epoch ms, JSON is TEXT.
 */
export interface S3BucketsTable {
  name: string;
  region: string;
  created_at: number;
}

export interface S3ObjectsTable {
  bucket: string;
  /** Compared byte-wise (collation "C" on PostgreSQL), as S3 orders keys. */
  key: string;
  /** New for every write: overwrites never touch the previous version's blobs. */
  version_id: string;
  /** The single blob of a simple object; null for multipart objects (see s3_object_segments). */
  blob_id: string | null;
  size: number;
  /** Without quotes: md5 hex, or md5-of-part-md5s-N. */
  etag: string;
  /** JSON ObjectAttributes: content headers and user metadata. */
  attributes: string;
  checksum_algorithm: string | null;
  checksum_value: string | null;
  /** 'FULL_OBJECT' | 'COMPOSITE' */
  checksum_type: string | null;
  parts_count: number | null;
  last_modified: number;
}

/** The parts a multipart object is made of, in order. */
export interface S3ObjectSegmentsTable {
  version_id: string;
  part_number: number;
  blob_id: string;
  /** Byte offset of the segment within the object. */
  start_offset: number;
  size: number;
}

export interface S3UploadsTable {
  upload_id: string;
  bucket: string;
  key: string;
  attributes: string;
  checksum_algorithm: string | null;
  checksum_type: string | null;
  created_at: number;
}

export interface S3PartsTable {
  upload_id: string;
  part_number: number;
  blob_id: string;
  size: number;
  etag: string;
  /** The flexible checksum the part came with (or the upload's, computed), base64. */
  checksum_algorithm: string | null;
  checksum_value: string | null;
  created_at: number;
}

/**
 * Blobs no row points to any more, written in the same transaction that let
 * go of them; the files are deleted afterwards (and on start after a crash).
 */
export interface S3BlobTrashTable {
  blob_id: string;
  /** The object the blob belonged to (readers of it may still hold it), or null. */
  bucket: string | null;
  key: string | null;
  created_at: number;
}

export interface ObjectsTables {
  s3_buckets: S3BucketsTable;
  s3_objects: S3ObjectsTable;
  s3_object_segments: S3ObjectSegmentsTable;
  s3_uploads: S3UploadsTable;
  s3_parts: S3PartsTable;
  s3_blob_trash: S3BlobTrashTable;
  s3_bucket_policies: S3BucketPoliciesTable;
  s3_public_access_blocks: S3PublicAccessBlocksTable;
}

/** A bucket's policy document, as PutBucketPolicy stored it (validated). */
export interface S3BucketPoliciesTable {
  bucket: string;
  policy: string;
  updated_at: number;
}

/** A bucket's Block Public Access settings (0/1); no row: none configured. */
export interface S3PublicAccessBlocksTable {
  bucket: string;
  block_public_acls: number;
  ignore_public_acls: number;
  block_public_policy: number;
  restrict_public_buckets: number;
  updated_at: number;
}
