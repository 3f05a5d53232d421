import { FerryError, conflict } from '../errors.js';
import type { Principal } from '../iam/principal.js';
import { authorizeS3 } from './access.js';
import type { Db, ObjectsDeps } from './deps.js';
import type { SqlDialect } from '../store/db.js';
import { ALL_BUCKETS_ARN, bucketArn, checkBucketName } from './names.js';
import { abortUploadsOf } from './multipart-rows.js';
import type { BucketInfo } from './types.js';
import { DEFAULT_PUBLIC_ACCESS_BLOCK, removeBucketSettings, writePublicAccessBlock } from './bucket-policies.js';

export const noSuchBucket = (bucket: string): FerryError =>
  new FerryError('NotFound', `The specified bucket does not exist: ${bucket}`, { resource: 'bucket', fields: { BucketName: bucket } });

/**
 * The bucket's row, or NoSuchBucket. Inside a transaction on PostgreSQL,
 * `lock` holds the row: 'share' while adding to the bucket, 'update' while
 * deleting it, so the two cannot cross (SQLite runs one writer at a time).
 */
export async function requireBucket(db: Db, bucket: string, lock?: { dialect: SqlDialect; mode: 'share' | 'update' }): Promise<BucketInfo> {
  let query = db.selectFrom('s3_buckets').selectAll().where('name', '=', bucket);
  if (lock?.dialect === 'postgres') query = lock.mode === 'share' ? query.forShare() : query.forUpdate();
  const row = await query.executeTakeFirst();
  if (!row) throw noSuchBucket(bucket);
  return { name: row.name, region: row.region, createdAt: row.created_at };
}

export async function bucketExists(db: Db, bucket: string): Promise<boolean> {
  return (await db.selectFrom('s3_buckets').select('name').where('name', '=', bucket).executeTakeFirst()) !== undefined;
}

/**
 * CreateBucket. Re-creating one's own bucket is BucketAlreadyOwnedByYou,
 * except in us-east-1 where S3 answers 200 for legacy compatibility
 * (aws-wire-protocols.md §4.5). A location constraint must name the server's region.
 */
export async function createBucket(deps: ObjectsDeps, principal: Principal, bucket: string, locationConstraint?: string): Promise<BucketInfo> {
  await authorizeS3(principal, 's3:CreateBucket', bucketArn(bucket), deps.policies());
  checkBucketName(bucket);
  const wanted = locationConstraint || 'us-east-1';
  if (wanted !== deps.region) {
    throw new FerryError('InvalidInput', `The ${wanted} location constraint is incompatible with the region of this endpoint (${deps.region}).`, {
      reason: 'location-constraint',
    });
  }
  const now = deps.clock.now();
  const created = await deps.db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto('s3_buckets')
      .values({ name: bucket, region: deps.region, created_at: now })
      .onConflict((oc) => oc.column('name').doNothing())
      .executeTakeFirst();
    const isNew = Number(inserted.numInsertedOrUpdatedRows ?? 0n) > 0;
    // New buckets block public access (S3 since April 2023).
    if (isNew) await writePublicAccessBlock(trx, bucket, DEFAULT_PUBLIC_ACCESS_BLOCK, now);
    return isNew;
  });
  if (!created && deps.region !== 'us-east-1') {
    throw new FerryError('AlreadyExists', 'Your previous request to create the named bucket succeeded and you already own it.', {
      resource: 'bucket',
      fields: { BucketName: bucket },
    });
  }
  return requireBucket(deps.db, bucket);
}

/** HeadBucket and GetBucketLocation. */
export async function headBucket(deps: ObjectsDeps, principal: Principal, bucket: string, action = 's3:ListBucket'): Promise<BucketInfo> {
  await authorizeS3(principal, action, bucketArn(bucket), deps.policies());
  return requireBucket(deps.db, bucket);
}

export async function listBuckets(deps: ObjectsDeps, principal: Principal): Promise<BucketInfo[]> {
  await authorizeS3(principal, 's3:ListAllMyBuckets', ALL_BUCKETS_ARN, deps.policies());
  const rows = await deps.db.selectFrom('s3_buckets').selectAll().orderBy('name').execute();
  return rows.map((r) => ({ name: r.name, region: r.region, createdAt: r.created_at }));
}

/** DeleteBucket: only when it holds no object; uploads in progress are aborted with it. */
export async function deleteBucket(deps: ObjectsDeps, principal: Principal, bucket: string): Promise<void> {
  await authorizeS3(principal, 's3:DeleteBucket', bucketArn(bucket), deps.policies());
  await deps.db.transaction().execute(async (trx) => {
    await requireBucket(trx, bucket, { dialect: deps.dialect, mode: 'update' });
    const any = await trx.selectFrom('s3_objects').select('key').where('bucket', '=', bucket).limit(1).executeTakeFirst();
    if (any) throw conflict('bucket', 'The bucket you tried to delete is not empty');
    await abortUploadsOf(trx, { bucket }, deps.clock.now());
    await removeBucketSettings(trx, bucket);
    await trx.deleteFrom('s3_buckets').where('name', '=', bucket).execute();
  });
  await deps.trash.collect();
}
