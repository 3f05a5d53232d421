import type { Selectable } from 'kysely';
import { FerryError } from '../errors.js';
import type { S3ObjectsTable } from '../store/tables/objects.js';
import { lockRows, type Db } from './deps.js';
import type { SqlDialect } from '../store/db.js';
import type { ChecksumAlgorithm, ChecksumType, ObjectAttributes, ObjectInfo } from './types.js';

export type ObjectRow = Selectable<S3ObjectsTable>;

export const noSuchKey = (key: string): FerryError =>
  new FerryError('NotFound', 'The specified key does not exist.', { resource: 'key', fields: { Key: key } });

export const preconditionFailed = (): FerryError =>
  new FerryError('VersionConflict', 'At least one of the pre-conditions you specified did not hold', { resource: 'key', reason: 'precondition-failed', fields: { Condition: 'If-Match' } });

export function toObjectInfo(row: ObjectRow): ObjectInfo {
  const info: ObjectInfo = {
    bucket: row.bucket,
    key: row.key,
    size: Number(row.size),
    etag: row.etag,
    lastModified: Number(row.last_modified),
    attributes: JSON.parse(row.attributes) as ObjectAttributes,
  };
  if (row.checksum_algorithm && row.checksum_value) {
    info.checksum = { algorithm: row.checksum_algorithm as ChecksumAlgorithm, value: row.checksum_value, type: (row.checksum_type ?? 'FULL_OBJECT') as ChecksumType };
  }
  if (row.parts_count !== null) info.partsCount = row.parts_count;
  return info;
}

export async function findObject(db: Db, bucket: string, key: string): Promise<ObjectRow | undefined> {
  return db.selectFrom('s3_objects').selectAll().where('bucket', '=', bucket).where('key', '=', key).executeTakeFirst();
}

/** The blobs a version owns: its own blob, or its segments'. */
export async function blobsOfVersion(db: Db, row: Pick<ObjectRow, 'blob_id' | 'version_id'>): Promise<string[]> {
  if (row.blob_id) return [row.blob_id];
  const segments = await db.selectFrom('s3_object_segments').select('blob_id').where('version_id', '=', row.version_id).execute();
  return segments.map((s) => s.blob_id);
}

export async function forgetVersion(db: Db, row: Pick<ObjectRow, 'blob_id' | 'version_id'>): Promise<string[]> {
  const blobs = await blobsOfVersion(db, row);
  if (!row.blob_id) await db.deleteFrom('s3_object_segments').where('version_id', '=', row.version_id).execute();
  return blobs;
}

/** Checks a conditional write against the version it would replace. */
function checkWriteConditions(existing: ObjectRow | undefined, key: string, conditions: { ifNoneMatch?: string; ifMatch?: string }): void {
  if (conditions.ifNoneMatch !== undefined && existing) throw preconditionFailed();
  if (conditions.ifMatch !== undefined) {
    if (!existing) throw noSuchKey(key);
    if (!etagMatches(conditions.ifMatch, existing.etag)) throw preconditionFailed();
  }
}

/** `"etag"`, `etag`, `W/"etag"`, lists and `*` (RFC 9110 §13.1.1). */
export function etagMatches(header: string, etag: string): boolean {
  return header.split(',').some((candidate) => {
    const t = candidate.trim().replace(/^W\//, '').replace(/^"|"$/g, '');
    return t === '*' || t === etag;
  });
}

/**
 * Makes `row` the current version of its key and returns the version it
 * replaced. Insert-if-absent first, then lock and update, so two writers
 * of one key on PostgreSQL each see (and trash) exactly the version before theirs.
 */
export async function replaceObject(
  trx: Db,
  dialect: SqlDialect,
  row: ObjectRow,
  conditions: { ifNoneMatch?: string; ifMatch?: string } = {},
): Promise<ObjectRow | undefined> {
  if (conditions.ifMatch === undefined) {
    const inserted = await trx.insertInto('s3_objects').values(row).onConflict((oc) => oc.columns(['bucket', 'key']).doNothing()).executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 1) return undefined;
  }
  const existing = await lockRows(dialect, trx.selectFrom('s3_objects').selectAll().where('bucket', '=', row.bucket).where('key', '=', row.key)).executeTakeFirst();
  checkWriteConditions(existing, row.key, conditions);
  if (!existing) {
    await trx.insertInto('s3_objects').values(row).execute();
    return undefined;
  }
  const { bucket, key, ...rest } = row;
  await trx.updateTable('s3_objects').set(rest).where('bucket', '=', bucket).where('key', '=', key).execute();
  return existing;
}
