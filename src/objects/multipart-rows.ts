import { FerryError } from '../errors.js';
import type { Db } from './deps.js';
import { trashBlobs } from './trash.js';

export const noSuchUpload = (uploadId: string): FerryError =>
  new FerryError('NotFound', 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.', {
    resource: 'upload',
    fields: { UploadId: uploadId },
  });

/**
 * Forgets uploads and their parts (the parts' blobs go to the trash): one
 * upload, every upload of a bucket, or those begun before a time.
 * Returns how many uploads went.
 */
export async function abortUploadsOf(
  trx: Db,
  which: { bucket?: string; uploadId?: string; createdBefore?: number },
  nowMs: number,
): Promise<number> {
  let query = trx.selectFrom('s3_uploads').select(['upload_id', 'bucket', 'key']);
  if (which.bucket !== undefined) query = query.where('bucket', '=', which.bucket);
  if (which.uploadId !== undefined) query = query.where('upload_id', '=', which.uploadId);
  if (which.createdBefore !== undefined) query = query.where('created_at', '<', which.createdBefore);
  const uploads = await query.execute();
  for (const upload of uploads) {
    const parts = await trx.selectFrom('s3_parts').select('blob_id').where('upload_id', '=', upload.upload_id).execute();
    await trashBlobs(trx, parts.map((p) => p.blob_id), upload, nowMs);
    await trx.deleteFrom('s3_parts').where('upload_id', '=', upload.upload_id).execute();
    await trx.deleteFrom('s3_uploads').where('upload_id', '=', upload.upload_id).execute();
  }
  return uploads.length;
}
