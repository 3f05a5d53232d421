import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import type { BlobStore } from './blob-store.js';

/** Does any row own this blob? */
async function isReferenced(db: Kysely<Database>, blobId: string): Promise<boolean> {
  const hit =
    (await db.selectFrom('s3_objects').select('blob_id').where('blob_id', '=', blobId).executeTakeFirst()) ??
    (await db.selectFrom('s3_object_segments').select('blob_id').where('blob_id', '=', blobId).executeTakeFirst()) ??
    (await db.selectFrom('s3_parts').select('blob_id').where('blob_id', '=', blobId).executeTakeFirst());
  return hit !== undefined;
}

/**
 * After a crash: a staged blob whose row was committed finishes its commit;
 * any other staged blob (an upload cut short) is removed. The trash is
 * emptied by the caller afterwards. Returns what was done, for the log.
 */
export async function recoverStagedBlobs(db: Kysely<Database>, blobs: BlobStore, options: { olderThanMs?: number } = {}): Promise<{ committed: number; discarded: number }> {
  let committed = 0;
  let discarded = 0;
  for (const id of await blobs.staged(options)) {
    if (await isReferenced(db, id)) {
      await blobs.commit(id);
      committed++;
    } else {
      await blobs.discard(id);
      discarded++;
    }
  }
  return { committed, discarded };
}
